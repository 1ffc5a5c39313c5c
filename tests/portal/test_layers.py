"""The house's floors: ``config`` on top, the domain apps, ``portal`` below.

The kernel (``portal/``) imports no domain app: it reaches the org tree and
people only through the role assignment's foreign keys (``portal.nodes``;
string references such as ``"orgs.OrgNode"`` in models and migrations are
fine). Nothing looks an app up by name: no ``importlib.import_module`` and no
``apps.get_model`` outside migrations and tests; ``config`` imports each app
plainly. No two modules import each other, directly or round a longer
loop, not even from inside a function; no module outside migrations, seeds
and tests is over ``MAX_LINES`` lines. These tests read the source with
``ast``, they import nothing.
"""

import ast
from pathlib import Path

import pytest

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


#: A module longer than this becomes a package by subdomain (CONTRIBUTING.md).
MAX_LINES = 700


def _module_name(path):
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _import_graph(sources):
    """Return ``{module: {module it imports}}`` among ``sources`` (name → tree).

    Every import counts, at the top or inside a function; ``from a import b``
    counts as importing ``a.b`` when that is a module, else ``a``. A package's
    own submodules importing it (``__init__`` re-exports) are not a loop.
    """

    def known(name):
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name

    graph = {name: set() for name in sources}
    for name, tree in sources.items():
        package = name if tree.is_package else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package
                    for _ in range(node.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in map(known, targets):
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _loops(graph):
    """Return the strongly connected groups of more than one module."""
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return loops


def _sources(paths):
    sources = {}
    for path in paths:
        tree = _parse(path)
        tree.is_package = path.name == "__init__.py"
        sources[_module_name(path)] = tree
    return sources


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


def test_no_two_modules_import_each_other():
    # given every module outside tests and migrations, and all their imports
    graph = _import_graph(_sources(_modules(ROOT)))
    # then no module reaches itself through its imports
    assert _loops(graph) == []


def test_the_loop_check_sees_a_loop_through_a_function():
    # given a loop closed by an import inside a function, and a package's
    # submodule that imports its package (no loop)
    def tree(source, package=False):
        parsed = ast.parse(source)
        parsed.is_package = package
        return parsed

    sources = {
        "a.services": tree("from a import tasks\n"),
        "a.tasks": tree("def f():\n    from a.services import run\n"),
        "b.services": tree("from b.services.runs import go\n", package=True),
        "b.services.runs": tree("from b.services import _common\n"),
        "b.services._common": tree(""),
    }
    # then only the first is a loop
    assert _loops(_import_graph(sources)) == [["a.services", "a.tasks"]]


@pytest.mark.parametrize("floor", ["config", "portal", *sorted(DOMAIN - {"config"})])
def test_no_module_is_over_the_size_of_a_module(floor):
    # given every module of the floor but its migrations and seeds
    long = []
    for path in _modules(ROOT / floor):
        if path.name == "seed.py":
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)}: {lines}")
    # then none is longer than a module should be
    assert long == []


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
