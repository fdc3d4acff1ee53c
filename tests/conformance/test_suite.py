"""The conformance suite itself: the built-in transports pass it, and it catches broken ones."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokenwire.adapters import httpcore
from tokenwire.adapters.cli import main
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport, HttpcoreTransport
from tokenwire.adapters.transport import BUILTIN_TRANSPORTS
from tokenwire.conformance.cli import render_table
from tokenwire.conformance.replay import ReplayServer
from tokenwire.conformance.runner import SUITE_OPTIONS, agree, all_cases, case_ids, run_transport
from tokenwire.conformance.scenarios import load_scenarios
from tokenwire.conformance.suite import Case, CaseResult, Mode, TransportSpec, fault_case
from tokenwire.core import HttpRequest, HttpResponse, TransportError


@pytest.fixture(scope="module")
def cases() -> Iterator[dict[str, Case]]:
    with contextlib.ExitStack() as stack:
        yield {case.id: case for case in all_cases(stack)}


def test_main_job_passes_every_case_through_every_transport(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["conformance", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    failed = [r for r in report["results"] if r["outcome"] != "passed"]
    assert failed == []
    assert code == 0
    transports = {r["transport"] for r in report["results"]}
    assert transports == {"httpcore-sync", "httpcore-asyncio", "httpcore-trio", "stdlib"}
    kinds = {r["kind"] for r in report["results"]}
    assert kinds == {"vector", "fault", "roundtrip", "header"}
    assert report["summary"] == {"passed": len(case_ids()) * 4, "failed": 0, "skipped": 0}


def test_case_ids_are_the_suites_cases_in_order_and_open_no_socket(
    cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def no_socket(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("case_ids() opened a socket")

    monkeypatch.setattr(socket, "socket", no_socket)
    ids = case_ids()
    monkeypatch.undo()
    assert ids == list(cases)
    assert len(ids) == len(set(ids)) >= 46


class _DropsAuthorization(HttpcoreTransport):
    """A transport bug the suite must catch: the Authorization header never leaves."""

    def send(self, request: HttpRequest) -> HttpResponse:
        headers = tuple((k, v) for k, v in request.headers if k.lower() != "authorization")
        return super().send(
            HttpRequest(method=request.method, url=request.url, headers=headers, body=request.body)
        )


class _RetriesOnItsOwn(HttpcoreTransport):
    """A transport that retries behind the flow's back: it would burn rotating refresh tokens."""

    def send(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().send(request)
        except TransportError:
            return super().send(request)


@pytest.mark.parametrize(
    ("transport", "case_id", "symptom"),
    [
        (_DropsAuthorization, "generic-basic-auth-form-encoded", "Authorization header"),
        (_DropsAuthorization, "roundtrip-rfc6749-client-credentials-client_secret_basic", ""),
        (_RetriesOnItsOwn, "fault-reset-refresh-never-resent", "server saw 2 request(s)"),
    ],
)
def test_suite_catches_a_broken_transport(
    cases: dict[str, Case], transport: type[HttpcoreTransport], case_id: str, symptom: str
) -> None:
    spec = TransportSpec("broken", lambda: transport(options=SUITE_OPTIONS))
    (result,) = run_transport(spec, [cases[case_id]])
    assert result.outcome == "failed"
    assert symptom in result.detail
    assert "MOCK" not in result.detail
    assert "p@ss" not in result.detail


@pytest.mark.parametrize(
    ("case_id", "symptom"),
    [
        ("fault-stray-crlf-after-answer", "grant 2: expected a token, got TransportError"),
        ("fault-unsolicited-second-response", "grant 2: token.access_token is sha256:"),
    ],
)
def test_suite_catches_a_transport_reusing_a_connection_an_answer_left_bytes_on(
    monkeypatch: pytest.MonkeyPatch, case_id: str, symptom: str
) -> None:
    # The httpcore transport without its guard: it pools the connection whatever is left on it.
    monkeypatch.setattr(httpcore, "_holds_leftover_bytes", lambda connection: False)
    scenario = next(s for s in load_scenarios() if s.id == case_id)
    spec = TransportSpec("reuses", lambda: HttpcoreTransport(options=SUITE_OPTIONS))
    # A replay server of its own: the second refresh, sent on the stale connection, may reach the
    # server after the client has read the leftover bytes and moved on.
    with ReplayServer() as replay:
        (result,) = run_transport(spec, [fault_case(scenario, replay)])
    assert result.outcome == "failed"
    assert symptom in result.detail


class _CrashesOnce(HttpcoreTransport):
    """A transport bug that is not a TransportError: its first send raises RuntimeError."""

    crashed = False

    def send(self, request: HttpRequest) -> HttpResponse:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("a bug in the transport")
        return super().send(request)


class _AsyncCrashesOnce(AsyncHttpcoreTransport):
    """The async :class:`_CrashesOnce`."""

    crashed = False

    async def send(self, request: HttpRequest) -> HttpResponse:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("a bug in the transport")
        return await super().send(request)


@pytest.mark.parametrize(
    ("mode", "transport"), [("sync", _CrashesOnce), ("asyncio", _AsyncCrashesOnce)]
)
def test_a_transport_that_crashes_fails_its_case_and_the_next_case_still_runs(
    cases: dict[str, Case],
    mode: Mode,
    transport: type[HttpcoreTransport] | type[AsyncHttpcoreTransport],
) -> None:
    spec = TransportSpec("crashes", lambda: transport(options=SUITE_OPTIONS), mode)
    ids = [
        "generic-basic-auth-form-encoded",
        "roundtrip-rfc6749-client-credentials-client_secret_basic",
    ]
    crashed, after = run_transport(spec, [cases[case_id] for case_id in ids])
    assert crashed.outcome == "failed"
    assert "the run itself failed: RuntimeError: a bug in the transport" in crashed.detail
    assert after.outcome == "passed", after.detail


def test_transports_that_disagree_fail_together() -> None:
    results = [
        CaseResult(case="c", kind="vector", transport="a", outcome="passed", summary="token:x"),
        CaseResult(case="c", kind="vector", transport="b", outcome="passed", summary="Err:y"),
        CaseResult(case="d", kind="vector", transport="a", outcome="passed", summary="token:x"),
        CaseResult(case="d", kind="vector", transport="b", outcome="skipped"),
    ]
    merged = agree(results)
    assert [r.outcome for r in merged] == ["failed", "failed", "passed", "skipped"]
    assert "transports disagree" in merged[0].detail


def test_table_names_every_case_and_transport_and_explains_failures() -> None:
    results = [
        CaseResult(case="one", kind="vector", transport="t1", outcome="passed"),
        CaseResult(case="one", kind="vector", transport="t2", outcome="failed", detail="why"),
    ]
    table = render_table(results, {"passed": 1, "failed": 1, "skipped": 0})
    assert "t1" in table
    assert "t2" in table
    assert "one [t2]: why" in table
    assert "1 passed, 1 failed, 0 skipped (1 cases x 2 transports)" in table


def test_the_docs_state_the_suites_case_count(cases: dict[str, Case]) -> None:
    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "transports.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    kinds = Counter(case.kind for case in cases.values())
    assert (
        f"That is {len(cases)} cases today ({kinds['vector']} vectors, the header case, "
        f"{kinds['fault']} fault scenarios, {kinds['roundtrip']} round trips)"
    ) in " ".join(guide.split())
    transports = len(BUILTIN_TRANSPORTS)
    assert f"{len(cases) * transports} passed, 0 failed, 0 skipped" in readme
    assert f"({len(cases)} cases x {transports} transports)" in readme
