"""The core stays sans-IO: stdlib, msgspec and typing_extensions only; no clock, socket or thread.

Read from the source with ``ast`` (not by importing), so that a lazy import inside a function is
caught as well as a top-level one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core" / "src" / "tokenwire" / "core"
SOURCES = sorted(CORE.rglob("*.py"))
ALLOWED_THIRD_PARTY = {"msgspec", "typing_extensions"}
#: The optional extras, each allowed only in the modules that import it lazily (verifying and
#: signing).
EXTRAS = {"cryptography": frozenset({"oidc/_crypto.py", "oidc/_sign.py"})}
#: Modules whose use would mean I/O, a clock, concurrency or global randomness in the core.
FORBIDDEN_MODULES = {"time", "socket", "threading", "asyncio", "random", "ssl", "select",
                     "selectors", "subprocess", "multiprocessing", "http", "urllib.request",
                     "os", "logging"}  # fmt: skip
FORBIDDEN_NAMES = {"time.time", "time.monotonic", "time.sleep", "time.perf_counter",
                   "datetime.now", "datetime.utcnow", "datetime.today", "date.today",
                   "random.random", "random.uniform", "os.urandom"}  # fmt: skip


def imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "core uses absolute imports"
            assert node.module is not None
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def test_the_core_sources_are_found() -> None:
    assert {p.name for p in SOURCES} >= {"__init__.py", "flow.py", "response.py", "request.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_imports_only_stdlib_msgspec_and_typing_extensions(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for name in imported_modules(tree):
        top = name.split(".")[0]
        if name.startswith("tokenwire."):
            assert name.startswith("tokenwire.core"), f"{path.name} imports an outer layer: {name}"
            continue
        extra_here = path.relative_to(CORE).as_posix() in EXTRAS.get(top, frozenset())
        assert (
            top in sys.stdlib_module_names
            or top in ALLOWED_THIRD_PARTY
            or top == "__future__"
            or extra_here
        ), f"{path.name} imports {name}"
        for forbidden in FORBIDDEN_MODULES:
            assert name != forbidden, f"{path.name} imports {name}"
            assert not name.startswith(forbidden + "."), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_references_no_clock_socket_thread_or_global_random(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            assert name not in FORBIDDEN_NAMES, f"{path.name}:{node.lineno} uses {name}"


def test_the_checks_would_catch_a_violation() -> None:
    tree = ast.parse("import time\nfrom socket import socket\nx = time.monotonic()\n")
    assert imported_modules(tree) == ["time", "socket", "socket.socket"]
    calls = [dotted(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    assert "time.monotonic" in calls
