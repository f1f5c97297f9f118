"""The package's import graph: no cycle between modules, and every import points down the layers.

Read with `ast` from the source, so it costs no import and sees the imports inside functions
too (a lazy import is still a dependency). Imports under `if TYPE_CHECKING:` are left out:
they exist for annotations only and never run.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "harness"

# Bottom to top. A module may import its own group (its first two name parts, e.g.
# `harness.data`) and any group of a lower layer; never a group of its own layer or above.
LAYERS: tuple[tuple[str, ...], ...] = (
    # foundation: no knowledge of tasks, data or models
    ("harness", "harness.errors", "harness.languages", "harness.checksums"),
    ("harness.text_safety", "harness.resources", "harness.logs", "harness.locks", "harness.strict_json", "harness.strict_yaml"),
    # pure building blocks, each registering its own kind: metrics, readers and layouts, model specs
    ("harness.metrics", "harness.data", "harness.models"),
    ("harness.train",),  # heads, features and trainers, per task type
    ("harness.tasktypes",),  # one object per task type (labels, features, head, decoding, files)
    ("harness.spec",),  # typed specs, validated against the registries below
    ("harness.results", "harness.stats"),  # records, their store and aggregation; bootstrap
    ("harness.scoring", "harness.retrieval"),  # a submission's score; sentence retrieval
    ("harness.pipeline",),  # plan and executors
    ("harness.leaderboard", "harness.regression"),  # pure functions of records
    ("harness.cli",),
    ("harness.__main__",),
)

# Imports against the order, left out of both checks while someone moves them: (importer,
# imported) -> the planned fix. Empty since the last six went (issue 10, deliverable 7); an
# entry is a to-do with a reason, not a licence, and a stale one only warns.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    """The harness modules `tree` imports (a `from pkg import name` counts as pkg.name when that is a module)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = _imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), package, modules) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
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
            connect(node)
    return found


def group_of(module: str) -> str:
    """The layer group a module belongs to: the longest group name that is it or a package above it."""
    groups = [g for layer in LAYERS for g in layer
              if module == g or (g != "harness" and module.startswith(g + "."))]
    if not groups:
        raise KeyError(module)
    return max(groups, key=len)


LAYER_OF = {group: level for level, layer in enumerate(LAYERS) for group in layer}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    placed = {m for m in graph if any(m == g or (g != "harness" and m.startswith(g + ".")) for g in LAYER_OF)}
    for module, targets in sorted(graph.items()):
        if module not in placed:
            continue  # test_every_module_has_a_layer names it
        source = group_of(module)
        for target in sorted(targets & placed):
            other = group_of(target)
            if other != source and LAYER_OF[other] >= LAYER_OF[source]:
                relation = "a sibling" if LAYER_OF[other] == LAYER_OF[source] else "a higher layer"
                wrong.append(f"{module} imports {target} ({relation}: {other})")
    return wrong


def without_known(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {module: {t for t in targets if (module, t) not in KNOWN_VIOLATIONS} for module, targets in graph.items()}


FULL_GRAPH = import_graph()
GRAPH = without_known(FULL_GRAPH)


def test_known_violations_are_still_there():
    stale = [f"{a} -> {b}" for a, b in KNOWN_VIOLATIONS if b not in FULL_GRAPH.get(a, set())]
    if stale:
        warnings.warn("fixed, remove from KNOWN_VIOLATIONS: " + ", ".join(stale), stacklevel=1)


def test_the_graph_is_read():
    # A few edges that must exist, so that an empty graph cannot pass.
    assert "harness.errors" in GRAPH["harness.spec"]
    assert "harness.cli" in GRAPH["harness.__main__"]


def test_no_import_cycle():
    found = cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer():
    unplaced = []
    for module in GRAPH:
        try:
            group_of(module)
        except KeyError:
            unplaced.append(module)
    assert not unplaced, f"add these to LAYERS in tests/test_import_layers.py: {unplaced}"


def test_imports_point_down_the_layers():
    wrong = upward_imports(GRAPH)
    assert not wrong, "imports against the layer order (tests/test_import_layers.py LAYERS):\n" + "\n".join(wrong)


def test_the_light_layers_import_no_deep_learning_package_at_module_level():
    """metrics, results, spec and the leaderboard stay importable without torch (see DESIGN.md)."""
    heavy = {"torch", "transformers", "faiss", "deepspeed", "accelerate", "datasets"}
    light = ("harness.metrics", "harness.results", "harness.spec", "harness.leaderboard",
             "harness.scoring", "harness.regression", "harness.data", "harness.resources")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if not any(name == g or name.startswith(g + ".") for g in light):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{name}: {n}" for n in names if n.partition(".")[0] in heavy]
    assert offenders == []


@pytest.mark.parametrize(("module", "expected"), [
    ("harness.data.sources", "harness.data"), ("harness.cli.run", "harness.cli"), ("harness", "harness"),
    ("harness.errors", "harness.errors"),
])
def test_group_of(module, expected):
    assert group_of(module) == expected


def test_the_checks_find_a_planted_cycle_and_upward_import():
    graph = {"harness.data.a": {"harness.data.b"}, "harness.data.b": {"harness.data.a"},
             "harness.metrics.x": {"harness.cli.run", "harness.data.a"}, "harness.cli.run": set()}
    assert cycles(graph) == [["harness.data.a", "harness.data.b"]]
    assert upward_imports(graph) == [
        "harness.metrics.x imports harness.cli.run (a higher layer: harness.cli)",
        "harness.metrics.x imports harness.data.a (a sibling: harness.data)",
    ]


def test_lazy_imports_count_and_type_checking_ones_do_not():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from harness.spec import TaskSpec\n"
              "def f():\n    from harness.cli import main\n")
    modules = {"harness.spec", "harness.cli", "harness.metrics.x"}
    assert _imports(ast.parse(source), "harness.metrics", modules) == {"harness.cli"}
