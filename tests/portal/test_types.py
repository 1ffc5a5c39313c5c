"""The type check of ``make test`` (mypy, ``[tool.mypy]`` in pyproject.toml)
covers what CONTRIBUTING.md says it covers."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]


def checked_files():
    return {
        path.relative_to(ROOT)
        for pattern in CONFIG["mypy"]["files"]
        for found in ROOT.glob(pattern)
        for path in ([found] if found.is_file() else found.rglob("*.py"))
    }


def strict_modules():
    """Return the modules of every override that requires annotations."""
    return [
        module
        for override in CONFIG["mypy"]["overrides"]
        if override.get("disallow_untyped_defs")
        for module in override["module"]
    ]


def test_every_services_and_selectors_module_of_an_app_is_checked():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    expected = {
        path.relative_to(ROOT)
        for app in apps
        for pattern in ("services.py", "services/**/*.py", "selectors.py")
        for path in (ROOT / app).glob(pattern)
    }
    assert expected and expected <= checked_files()


def test_every_strict_module_is_checked():
    # A package is checked as its ``__init__.py``; ``pkg.*`` needs a submodule.
    checked = {
        ".".join(p.with_suffix("").parts).removesuffix(".__init__")
        for p in checked_files()
    }
    strict = strict_modules()
    assert strict
    for module in strict:
        if module.endswith(".*"):
            assert any(name.startswith(module[:-1]) for name in checked), module
        else:
            assert module in checked, module


def test_the_settings_module_is_named_once():
    text = (ROOT / "pyproject.toml").read_text()
    assert text.count("django_settings_module") == 1
    assert CONFIG["django-stubs"]["django_settings_module"]
