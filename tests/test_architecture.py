"""The house holds its plan: data flows one way through the layers of the
package, with no import cycle (function-level imports included), no import
up the layer order, no module over 400 lines, and nothing in the package root
besides its face."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chansim"
MAX_LINES = 400

#: The layers, upstream first: a module imports only its own layer and the ones before it.
LAYERS = ("scenario", "engine", "billing", "kpis", "analytic", "runtime", "studies", "report", "cli")
#: Imported from anywhere, importing nothing of the package.
BASE = ("chansim.errors", "chansim.version")
#: The package face: it may import every layer and no layer imports it.
FACE = ("chansim", "chansim.__main__")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (imports for type checkers never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)


def _imports(tree: ast.AST, me: str, is_package: bool, known: set[str]) -> set[str]:
    """The package's modules ``me`` imports, at module level or inside functions."""
    named: set[str] = set()
    base = me.split(".") if is_package else me.split(".")[:-1]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join(anchor + ([node.module] if node.module else [])) if node.level else (node.module or "")
            inner = {f"{module}.{alias.name}" for alias in node.names}
            # ``from pkg import submodule`` imports the submodule (its package runs first, as for any import)
            named.update(inner if inner <= known else inner | {module})
    found = set()
    for name in named:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != me:
            found.add(name)
    return found


def _house() -> tuple[dict[str, set[str]], dict[str, int]]:
    files = [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]
    names = {_module_name(p): p for p in files}
    known = set(names)
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        deps = _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", known)
        # a layer's package importing its own children, or a child its package, is not a dependency between
        # layers; the face (the root package) is: nothing may import it
        graph[name] = {d for d in deps if d in FACE or not (d.startswith(name + ".") or name.startswith(d + "."))}
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in names.items()}
    return graph, lines


def _layer(module: str) -> int:
    """Position of a module in the flow: base first, then the layers, the face last."""
    if module in BASE:
        return -1
    if module in FACE:
        return len(LAYERS)
    return LAYERS.index(module.split(".")[1])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


GRAPH, LINES = _house()


def test_every_module_lives_in_a_layer_and_the_root_holds_only_the_face():
    stray = sorted(m for m in GRAPH if m not in BASE + FACE and (m.count(".") < 1 or m.split(".")[1] not in LAYERS))
    assert stray == [], f"modules outside the layers {LAYERS}: {stray}"


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_no_import_runs_up_the_layers():
    upward = sorted(f"{m} -> {d}" for m, deps in GRAPH.items() for d in deps if _layer(d) > _layer(m))
    assert upward == [], "imports against the flow " + " → ".join(LAYERS) + ":\n" + "\n".join(upward)


def test_base_modules_import_nothing_of_the_package():
    assert {m: GRAPH[m] for m in BASE if GRAPH[m]} == {}


@pytest.mark.parametrize("limit", [MAX_LINES])
def test_no_module_over_the_line_limit(limit):
    assert sorted((n, m) for m, n in LINES.items() if n > limit) == []


def test_the_checker_sees_a_cycle_and_an_upward_import():
    # the checks above can fail: a cycle and an upward edge planted in a copy of the graph are found
    graph = {m: set(d) for m, d in GRAPH.items()}
    graph["chansim.engine.log"].add("chansim.engine.replication")
    graph["chansim.engine.replication"].add("chansim.engine.log")
    assert any({"chansim.engine.log", "chansim.engine.replication"} <= set(c) for c in _cycles(graph))
    assert _layer("chansim.report.html") > _layer("chansim.studies.experiment") > _layer("chansim.engine.log")
    tree = ast.parse("def f():\n    from chansim.report import html\n")
    assert "chansim.report.html" in _imports(tree, "chansim.engine.log", False, set(GRAPH))


@pytest.mark.parametrize("old, new, name", [
    ("chansim.compare", "chansim.kpis.compare", "pareto_front"),
    ("chansim.reprice", "chansim.studies.reprice", "reprice_run"),
    ("chansim.sweep", "chansim.studies.sweep", "sweep"),
    ("chansim.csat", "chansim.kpis.csat", "survey"),
    ("chansim.experiment", "chansim.studies.experiment", "simulate"),
    ("chansim.studies.backtest", "chansim.studies.fit.backtest", "backtest"),
])
def test_import_paths_of_earlier_releases_still_work(old, new, name):
    import importlib

    assert getattr(importlib.import_module(old), name) is getattr(importlib.import_module(new), name)
