"""The layering checker: imports between the three distributions point inward and name only
what the imported module declares in ``__all__``.

It reads source, never imports it (``ast``), so it sees lazy imports inside functions and
``TYPE_CHECKING`` blocks as well as the module-level ones, and it can be run on a made-up tree to
show that it catches a break (``tests/test_layering.py`` does both).
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: The distributions from the inside out: each may import only from those before it.
LAYERS = ("core", "adapters", "conformance")

#: Where each distribution's portion of the ``tokenwire`` namespace lives.
SOURCE_ROOTS = {layer: ROOT / layer / "src" for layer in LAYERS}


@dataclass(frozen=True)
class Module:
    """One module's name, distribution and source text."""

    name: str
    layer: str
    source: str
    path: str


def modules_under(roots: Mapping[str, pathlib.Path] = SOURCE_ROOTS) -> dict[str, Module]:
    """Every module of every distribution, by dotted name."""
    found: dict[str, Module] = {}
    for layer, root in roots.items():
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, layer, path.read_text(), str(path.relative_to(ROOT)))
    return found


def layer_of(module: str) -> str | None:
    """The distribution a ``tokenwire.X...`` module belongs to (``None`` for anything else)."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "tokenwire" and parts[1] in LAYERS:
        return parts[1]
    return None


def declared_names(tree: ast.Module) -> frozenset[str] | None:
    """The names a module lists in a literal ``__all__``; ``None`` if it has none."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            if isinstance(value, ast.List | ast.Tuple):
                return frozenset(
                    e.value
                    for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
            return frozenset()
    return None


def _imports(tree: ast.Module) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, module, names)`` for every absolute import, wherever it sits in the module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def layering_violations(modules: Mapping[str, Module]) -> list[str]:
    """Every import that crosses distributions the wrong way or takes an undeclared name."""
    problems: list[str] = []
    trees = {name: ast.parse(module.source, module.path) for name, module in modules.items()}
    for name, module in modules.items():
        for line, target, names in _imports(trees[name]):
            target_layer = layer_of(target)
            if target_layer is None or target_layer == module.layer:
                continue
            where = f"{module.path}:{line}"
            if LAYERS.index(target_layer) > LAYERS.index(module.layer):
                outer = f"(from {target_layer}, an outer layer)"
                problems.append(f"{where}: {module.layer} imports {target} {outer}")
                continue
            if target not in modules:
                problems.append(f"{where}: {target} is not a module of {target_layer}")
                continue
            declared = declared_names(trees[target])
            for imported in names:
                if f"{target}.{imported}" in modules:
                    continue  # a submodule, not a name
                if declared is None:
                    problems.append(
                        f"{where}: imports {imported} from {target}, which has no __all__"
                    )
                elif imported not in declared:
                    problems.append(
                        f"{where}: imports {imported} from {target}, which does not declare it "
                        "in __all__"
                    )
    return problems


def _top_level_imports(tree: ast.Module, known: Mapping[str, Module]) -> Iterator[str]:
    """Modules imported at module level, ``if TYPE_CHECKING:`` blocks included (not in functions);
    ``from package import submodule`` counts as importing the submodule."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If | ast.Try):
            pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in known else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def import_cycles(modules: Mapping[str, Module]) -> list[list[str]]:
    """Circles of module-level imports (``TYPE_CHECKING`` ones included) between the modules."""
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        targets = set(_top_level_imports(ast.parse(module.source), modules))
        graph[name] = {t for t in targets if t in modules and t != name}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles
