"""The three distributions' declared API: imports point inward and name only what ``__all__`` lists.

The checker (``tests/layering.py``) is shown failing on deliberately broken trees before it is
trusted to pass on the real one.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import pytest

import tokenwire.adapters
from tests.layering import (
    Module,
    declared_names,
    import_cycles,
    layering_violations,
    modules_under,
)

CORE_HTTP = """
__all__ = ["HttpRequest"]
class HttpRequest: ...
class _Private: ...
"""


def _tree(adapter_source: str, core_source: str = CORE_HTTP) -> dict[str, Module]:
    return {
        "tokenwire.core.http": Module(
            "tokenwire.core.http", "core", core_source, "core/src/tokenwire/core/http.py"
        ),
        "tokenwire.adapters.bad": Module(
            "tokenwire.adapters.bad", "adapters", adapter_source, "adapters/src/.../bad.py"
        ),
    }


def test_an_adapter_importing_a_core_name_outside_all_is_caught() -> None:
    problems = layering_violations(_tree("from tokenwire.core.http import HttpRequest, _Private\n"))
    assert problems == [
        "adapters/src/.../bad.py:1: imports _Private from tokenwire.core.http, which does not "
        "declare it in __all__"
    ]


def test_a_lazy_import_inside_a_function_is_checked_too() -> None:
    source = "def f() -> None:\n    from tokenwire.core.http import _Private\n"
    assert len(layering_violations(_tree(source))) == 1


def test_importing_from_a_core_module_without_all_is_caught() -> None:
    problems = layering_violations(
        _tree("from tokenwire.core.http import HttpRequest\n", core_source="class HttpRequest: ...")
    )
    assert problems == [
        "adapters/src/.../bad.py:1: imports HttpRequest from tokenwire.core.http, which has no "
        "__all__"
    ]


def test_core_importing_an_outer_layer_is_caught() -> None:
    tree = _tree("__all__ = ['x']\nx = 1\n")
    tree["tokenwire.core.http"] = Module(
        "tokenwire.core.http",
        "core",
        "import tokenwire.adapters.bad\n__all__ = []\n",
        "core/src/tokenwire/core/http.py",
    )
    problems = layering_violations(tree)
    assert problems == [
        "core/src/tokenwire/core/http.py:1: core imports tokenwire.adapters.bad "
        "(from adapters, an outer layer)"
    ]


def test_adapters_importing_conformance_is_caught() -> None:
    tree = _tree("from tokenwire.conformance.runner import run_suite\n")
    tree["tokenwire.conformance.runner"] = Module(
        "tokenwire.conformance.runner",
        "conformance",
        "__all__ = ['run_suite']\ndef run_suite() -> None: ...\n",
        "conformance/src/tokenwire/conformance/runner.py",
    )
    assert layering_violations(tree) == [
        "adapters/src/.../bad.py:1: adapters imports tokenwire.conformance.runner "
        "(from conformance, an outer layer)"
    ]


def test_the_real_tree_imports_inward_and_only_declared_names() -> None:
    assert layering_violations(modules_under()) == []


def test_a_circle_closed_under_type_checking_is_caught() -> None:
    exchange = "from tokenwire.conformance.probes.model import Evidence\n"
    model = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from tokenwire.conformance.probes.exchange import ProbeExchange\n"
    )
    tree = {
        name: Module(name, "conformance", source, name.replace(".", "/") + ".py")
        for name, source in [
            ("tokenwire.conformance.probes.exchange", exchange),
            ("tokenwire.conformance.probes.model", model),
        ]
    }
    assert import_cycles(tree) == [
        [
            "tokenwire.conformance.probes.exchange",
            "tokenwire.conformance.probes.model",
            "tokenwire.conformance.probes.exchange",
        ]
    ]


def test_no_module_imports_itself_round_a_circle() -> None:
    assert import_cycles(modules_under()) == []


def _declaring_modules() -> list[str]:
    return sorted(
        name
        for name, module in modules_under().items()
        if declared_names(ast.parse(module.source)) is not None
    )


@pytest.mark.parametrize("name", _declaring_modules())
def test_every_class_and_function_in_an_all_has_a_docstring(name: str) -> None:
    module = importlib.import_module(name)
    undocumented = [
        public
        for public in module.__all__
        if (inspect.isclass(obj := getattr(module, public)) or inspect.isfunction(obj))
        # A class's own __doc__ (not inherited): users read the class they catch or build.
        and not (obj.__doc__ or "").strip()
    ]
    assert undocumented == []


def test_the_adapters_package_docstring_maps_every_submodule() -> None:
    doc = tokenwire.adapters.__doc__ or ""
    submodules = [info.name for info in pkgutil.iter_modules(tokenwire.adapters.__path__)]
    assert submodules
    assert [name for name in submodules if f":mod:`.{name}`" not in doc] == []
