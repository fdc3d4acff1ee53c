"""pytest plugin: run the tokenwire conformance suite against your own transport.

Registered through the ``pytest11`` entry point of ``tokenwire-conformance``, so installing the
distribution is enough. It provides:

* the ``tokenwire_case`` fixture: any test that asks for it is parametrized over every case of the
  suite (vectors, fault scenarios, round trips), with the loopback servers started once per
  session;
* :func:`run_case`: play one case through a transport and get a
  :class:`~tokenwire.conformance.suite.CaseResult`.

A complete test for a new transport::

    from tokenwire.conformance.pytest_plugin import run_case

    def test_my_transport(tokenwire_case):
        result = run_case(tokenwire_case, MyTransport)          # or mode="asyncio" / "trio"
        assert result.outcome == "passed", result.detail

See ``docs/transports.md``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from tokenwire.adapters.transport import AsyncTransport, Transport
from tokenwire.conformance.suite import Case, CaseResult, Mode, TransportSpec


def run_case(
    case: Case,
    factory: Callable[[], Transport | AsyncTransport],
    *,
    mode: Mode = "sync",
    name: str = "transport-under-test",
) -> CaseResult:
    """Play ``case`` through a fresh transport from ``factory``, closed afterwards."""
    from tokenwire.conformance.runner import run_transport

    return run_transport(TransportSpec(name, factory, mode), [case])[0]


@pytest.fixture(scope="session")
def tokenwire_cases() -> Iterator[dict[str, Case]]:
    """Every case, bound to loopback servers that live for the test session."""
    from tokenwire.conformance.runner import all_cases

    with contextlib.ExitStack() as stack:
        yield {case.id: case for case in all_cases(stack)}


@pytest.fixture
def tokenwire_case(request: pytest.FixtureRequest, tokenwire_cases: dict[str, Case]) -> Case:
    """One case of the suite (the test is parametrized over all of them)."""
    case_id: str = request.param
    return tokenwire_cases[case_id]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "tokenwire_case" in metafunc.fixturenames:
        from tokenwire.conformance.runner import case_ids

        ids = case_ids()
        metafunc.parametrize("tokenwire_case", ids, ids=ids, indirect=True)
