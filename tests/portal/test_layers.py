"""The house's floors: ``config`` on top, the domain apps, ``portal`` below.

The kernel (``portal/``) imports no domain app: it reaches the org tree and
people only through the role assignment's foreign keys (``portal.nodes``;
string references such as ``"orgs.OrgNode"`` in models and migrations are
fine). Nothing looks an app up by name: no ``importlib.import_module`` and no
``apps.get_model`` outside migrations and tests; ``config`` imports each app
plainly. These tests read the source with ``ast``, they import nothing.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The apps above the kernel, and the top floor.
DOMAIN = {
    "orgs",
    "grids",
    "meetings",
    "volunteers",
    "evaluations",
    "support",
    "dashboard",
    "config",
}


def _modules(root):
    skip = {".venv", "var", "node_modules", ".git", "tests"}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if skip & set(parts) or "migrations" in parts:
            continue
        yield path


def _imported(tree):
    """Yield ``(line, dotted name)`` of every module ``tree`` imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _probes(tree):
    """Yield ``(line, what)`` of every lookup of a module or model by name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "importlib":
            if any(alias.name == "import_module" for alias in node.names):
                yield node.lineno, "from importlib import import_module"
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            yield node.lineno, "importlib.import_module"
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if name == "get_model":
                yield node.lineno, "get_model()"


def _parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_kernel_imports_no_domain_app():
    # given every module of portal/, its migrations included
    found = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for line, name in _imported(_parse(path)):
            # then none imports an app above it
            if name.split(".")[0] in DOMAIN:
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert found == []


def test_no_module_looks_an_app_up_by_name():
    # given every module outside tests and migrations
    found = []
    for path in _modules(ROOT):
        name = path.relative_to(ROOT).as_posix()
        for line, what in _probes(_parse(path)):
            found.append(f"{name}:{line}: {what}")
    # then none imports importlib.import_module or calls get_model()
    assert found == []


def test_the_settings_import_no_app():
    # Django reads the settings before it loads any app.
    for name in ("settings.py", "settings_test.py"):
        imported = [n for _line, n in _imported(_parse(ROOT / "config" / name))]
        assert not [n for n in imported if n.split(".")[0] in DOMAIN - {"config"}]
        assert not [n for n in imported if n.split(".")[0] == "portal"]


def test_the_layer_check_sees_an_import_and_a_probe():
    # given the kinds of line the checks must catch
    tree = ast.parse(
        "import orgs.models\n"
        "from grids import selectors\n"
        "from importlib import import_module\n"
        "import importlib\n"
        "importlib.import_module('x')\n"
        "apps.get_model('orgs', 'Seat')\n"
    )
    # then each is found
    assert {n for _line, n in _imported(tree)} >= {"orgs.models", "grids.selectors"}
    assert sorted(line for line, _what in _probes(tree)) == [3, 5, 6]


def test_the_kernels_org_kinds_are_the_org_trees():
    from orgs.models import OrgKind
    from portal import nodes

    kinds = {nodes.STREET, nodes.COMMUNITY, nodes.UNIT, nodes.PARTY_ORG}
    assert kinds == set(OrgKind.values)
    assert nodes.kind_label(nodes.UNIT) == OrgKind.UNIT.label
