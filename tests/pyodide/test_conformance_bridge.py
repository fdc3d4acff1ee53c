"""Every case of the conformance suite, played through the fetch transport inside Pyodide.

The runner stays in this process; each request crosses to Pyodide over the bridge
(tests/pyodide/bridge.py) and goes out through the runtime's ``fetch``. Cases the runtime cannot
honour are declared in :data:`DECLARED` with the reason, and must fail for that reason, so the
list cannot go stale in either direction.
"""

from __future__ import annotations

from functools import partial

import pytest

from tests.pyodide.bridge import BridgeTransport
from tests.pyodide.harness import PyodideProcess
from tokenwire.conformance.pytest_plugin import run_case
from tokenwire.conformance.suite import Case

#: case id -> (why the fetch runtime cannot pass it, a fragment of the failure detail it gives).
DECLARED: dict[str, tuple[str, str]] = {}


def test_the_fetch_transport_passes_the_conformance_case(
    tokenwire_case: Case, pyodide: PyodideProcess
) -> None:
    factory = partial(
        BridgeTransport, pyodide, connect_timeout=2.0, read_timeout=1.0, total_timeout=5.0
    )
    result = run_case(tokenwire_case, factory)
    declared = DECLARED.get(tokenwire_case.id)
    if declared is None:
        assert result.outcome == "passed", result.detail
    else:
        reason, fragment = declared
        assert result.outcome == "failed", f"declared as failing ({reason}) but passed"
        assert fragment in result.detail, result.detail
        pytest.xfail(reason)
