"""All of ``tests/core`` passes inside Pyodide (CPython on WebAssembly) under Node, offline.

The core is pure Python over msgspec; here it runs on msgspec's wasm32 build, where a recursion
that CPython catches as ``RecursionError`` overflows the C stack and kills the interpreter, so the
deep-nesting tests of ``tests/core`` are the ones that matter most.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.pyodide.harness import ROOT, PyodideProcess


def _collected_on_cpython() -> int:
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "tests/core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return sum(1 for line in listing.splitlines() if "::" in line)


def test_every_core_test_passes_inside_pyodide(pyodide: PyodideProcess) -> None:
    result = json.loads(pyodide.run("inside.run_pytest('/repo/tests/core')", timeout=600))
    assert result["failures"] == [], pyodide.stderr_tail()
    assert result["exit"] == 0, pyodide.stderr_tail()
    assert set(result["outcomes"]) == {"passed"}
    assert result["outcomes"]["passed"] == _collected_on_cpython()
    assert pyodide.alive()


def test_the_runner_refuses_any_fetch_off_loopback(pyodide: PyodideProcess) -> None:
    code = (
        "import js\n"
        "from pyodide.ffi import JsException\n"
        "try:\n"
        "    await js.fetch('https://cdn.jsdelivr.net/pyodide/')\n"
        "    result = 'fetched'\n"
        "except JsException as exc:\n"
        "    result = str(exc)\n"
        "result"
    )
    assert "refuses a non-loopback fetch: cdn.jsdelivr.net" in pyodide.run(code)
