"""Session fixtures for the Pyodide tests: the wheels are built and Pyodide started once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pyodide.harness import (
    PyodideProcess,
    build_tokenwire_wheels,
    pinned_wheels,
)

if TYPE_CHECKING:
    pass


@pytest.fixture(scope="session")
def pyodide_wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The pinned third-party wheels and tokenwire's core and adapters wheels, built once."""
    pinned = pinned_wheels()
    return [*pinned, *build_tokenwire_wheels(tmp_path_factory.mktemp("tokenwire-wheels"))]


@pytest.fixture(scope="session")
def pyodide(pyodide_wheels: list[Path]) -> Iterator[PyodideProcess]:
    """One Pyodide interpreter (under Node) for the session, with tokenwire installed."""
    process = PyodideProcess(pyodide_wheels)
    process.run("import sys; sys.path.insert(0, '/repo/tests/pyodide'); import inside; ''")
    try:
        yield process
    finally:
        process.close()
