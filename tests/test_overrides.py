"""Methods that override a base class method say so with ``typing_extensions.override``.

mypy then fails a method whose base was renamed or removed, instead of leaving it silently
unused. Checked over core and conformance (adapters' modules are being annotated module by
module; ``OWNED_ELSEWHERE`` lists what is not yet).
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from tests.layering import modules_under

#: Modules annotated by another change in flight; remove an entry once its module is annotated.
OWNED_ELSEWHERE = frozenset({"tokenwire.core.token"})
#: Overrides that need no marker: the object protocol every class may define.
EXEMPT = frozenset({"__init__", "__new__", "__post_init__"})


def _unmarked(name: str, source: str) -> list[str]:
    module = importlib.import_module(name)
    missing = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        if not inspect.isclass(cls):
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) or item.name in EXEMPT:
                continue
            bases = [b for b in cls.__mro__[1:] if b is not object and item.name in vars(b)]
            attribute = vars(cls)[item.name]
            function = attribute.fget if isinstance(attribute, property) else attribute
            if bases and not getattr(function, "__override__", False):
                missing.append(f"{name}.{node.name}.{item.name} (overrides {bases[0].__name__})")
    return missing


MODULES = modules_under()


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, module in MODULES.items()
        if module.layer in ("core", "conformance") and name not in OWNED_ELSEWHERE
    ),
)
def test_every_overriding_method_is_marked_override(name: str) -> None:
    assert _unmarked(name, MODULES[name].source) == []
