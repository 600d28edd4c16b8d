"""The ``csti`` package's import graph has no cycle.

First the imports that run when a module is imported: those of the module's body and its class
bodies, not those under ``if TYPE_CHECKING:`` (never run). A cycle held by a mid-module import
works only as long as nobody reorders the module; this test makes it a failure. Then the same
graph with the imports inside functions too: an import moved into a function to dodge a cycle
hides the cycle, it does not remove it. The one accepted pattern is Flask's blueprint package:
``blueprints/<x>/__init__.py`` creates the blueprint and imports its ``routes``, which import
the blueprint back.
"""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "csti"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("csti",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imports(body, functions: bool):
    """The import statements of ``body``: the body's and its classes', recursively through
    if/try/with blocks, those in functions too when ``functions``; never ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if functions:
                yield from _imports(node.body, functions)
        elif isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name != "TYPE_CHECKING":
                yield from _imports(node.body, functions)
            yield from _imports(node.orelse, functions)
        elif isinstance(node, ast.ClassDef | ast.With | ast.For | ast.While | ast.AsyncWith | ast.AsyncFor):
            yield from _imports(node.body, functions)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _imports(block, functions)


def import_graph(functions: bool = False) -> dict[str, set[str]]:
    """Module → the ``csti`` modules it imports (at import time; also in functions when
    ``functions``)."""
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree.body, functions):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # ``from package import submodule`` imports the submodule; ``from module import
                # name`` the module.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]  # ``import csti.models.x.y`` → nearest module
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _blueprint_pattern(a: str, b: str) -> bool:
    """``csti.blueprints.<x>`` ↔ ``csti.blueprints.<x>.routes``."""
    for package, routes in ((a, b), (b, a)):
        parts = package.split(".")
        if len(parts) == 3 and parts[:2] == ["csti", "blueprints"] and routes == package + ".routes":
            return True
    return False


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), after removing the
    blueprint ``__init__`` → ``routes`` edges."""
    graph = {a: {b for b in targets if not _blueprint_pattern(a, b)} for a, targets in graph.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_imports():
    graph = import_graph()
    assert "csti.models" in graph["csti.listing"]  # from .models import …
    assert "csti.models.audiences" in graph["csti.blueprints.actors.directory"]  # from .models.audiences import …
    assert "csti.blueprints.articles.routes" in graph["csti.blueprints.articles"]
    assert "csti.uploads" not in graph["csti.blueprints.accounts.operations"]  # imported inside a function only
    assert "csti.uploads" in import_graph(functions=True)["csti.blueprints.accounts.operations"]


def test_the_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"csti.blueprints.x": {"csti.blueprints.x.routes"},
                   "csti.blueprints.x.routes": {"csti.blueprints.x"}}) == []


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles (module-level imports):\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_cycle_hidden_in_a_function():
    found = cycles(import_graph(functions=True))
    assert not found, "import cycles (counting imports inside functions):\n" + "\n".join(
        " ↔ ".join(c) for c in found)
