"""The transport benchmark's contenders do the same exchange and get the seed's token.

Each contender makes a handful of requests to the conformance replay server armed with the seed
vector, which checks every request; when nginx is installed, also to the benchmark's own nginx,
whose counters show that each contender kept one keep-alive connection. Nothing is timed here:
the figures live in the script and in docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.benchmarks import bench_http
from tests.benchmarks.bench_core import Case, Timing, load_case
from tests.peers import peers_required


@pytest.fixture(autouse=True)
def _insecure_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bench_http.INSECURE_TRANSPORT_ENV, "1")


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case()


def test_every_contender_sends_the_seed_request_and_gets_its_token(case: Case) -> None:
    assert bench_http.check_requests(case, requests=5) == []


def test_check_requests_catches_credentials_in_the_wrong_place(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def basic_auth(case: Case, base: str) -> bench_http.SyncClient:
        import requests_oauthlib

        token_url = bench_http.token_endpoint(case, base)
        session = requests_oauthlib.OAuth2Session(case.client_id)

        def call() -> str:
            token = session.refresh_token(
                token_url,
                refresh_token=case.refresh_token,
                auth=(case.client_id, case.client_secret),
            )
            return str(token["access_token"])

        return bench_http.SyncClient(call, session.close)

    monkeypatch.setitem(bench_http.SYNC_MAKERS, bench_http.REQUESTS_OAUTHLIB, basic_auth)
    problems = bench_http.check_requests(case, requests=2)
    assert problems
    assert all(p.startswith(f"{bench_http.REQUESTS_OAUTHLIB}: ") for p in problems)
    assert any("Authorization header" in p for p in problems)
    assert any("form fields" in p for p in problems)
    assert not any(case.client_secret in p for p in problems)


def test_check_requests_reports_a_contender_that_fails(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bench_http.INSECURE_TRANSPORT_ENV)
    assert bench_http.check_requests(case, requests=1) == [
        f"{bench_http.REQUESTS_OAUTHLIB}: InsecureTransportError"
    ]


@pytest.fixture(scope="module")
def nginx(case: Case) -> Iterator[bench_http.Nginx]:
    try:
        with bench_http.nginx_server(case.body, bench_http.seed_content_type(case)) as server:
            yield server
    except bench_http.NginxMissing as exc:
        # A peer like redis-server: scripts/install-peers installs it, and CI requires it.
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {exc}")
        pytest.skip(str(exc))


def test_nginx_serves_the_seed_response_byte_for_byte(case: Case, nginx: bench_http.Nginx) -> None:
    assert nginx.get(case.vector.request.path) == (
        200,
        "application/json;charset=UTF-8",
        case.body,
    )


def test_every_contender_gets_the_seed_token_from_nginx_over_one_connection(
    case: Case, nginx: bench_http.Nginx
) -> None:
    with bench_http.contenders(case, nginx.base_url) as built:
        for name in bench_http.CONTENDERS:
            assert built.run(name, 2)[1] == case.access_token, name
        measured = bench_http.measure(built, rounds=2, requests=3, counters=nginx.counters)
    assert [t.name for t in measured.timings] == list(bench_http.CONTENDERS)
    for name, traffic in measured.traffic.items():
        assert (traffic.connections, traffic.requests) == (0, 6), name


def test_nginx_escape_keeps_quotes_and_newlines_and_refuses_dollars() -> None:
    assert bench_http.nginx_escape("{\n 'a' : \"b\\c\"\n}") == "{\\n \\'a\\' : \"b\\\\c\"\\n}"
    with pytest.raises(ValueError, match=r"\$"):
        bench_http.nginx_escape('{"a": "$b"}')


def _timings(**rates: float) -> bench_http.Measurement:
    names = {
        "sync_floor": bench_http.SYNC_FLOOR,
        "sync": bench_http.TOKENWIRE_SYNC,
        "authlib": bench_http.AUTHLIB_SYNC,
        "requests_oauthlib": bench_http.REQUESTS_OAUTHLIB,
        "async_floor": bench_http.ASYNC_FLOOR,
        "async_": bench_http.TOKENWIRE_ASYNC,
        "authlib_async": bench_http.AUTHLIB_ASYNC,
    }
    return bench_http.Measurement([Timing(names[k], [1e6 / v]) for k, v in rates.items()])


def test_report_passes_and_fails_on_each_target() -> None:
    rates = dict(
        sync_floor=2000.0,
        sync=1900.0,
        authlib=600.0,
        requests_oauthlib=700.0,
        async_floor=800.0,
        async_=760.0,
        authlib_async=400.0,
    )
    lines, ok = bench_http.report(_timings(**rates), rounds=1, requests=1)
    assert ok
    assert sum(line.startswith("- PASS") for line in lines) == 4
    for key, value in (
        ("sync", 1700.0),  # 85% of the floor
        ("authlib", 800.0),  # tokenwire only 2.4x authlib
        ("async_", 700.0),  # 87.5% of the async floor
        ("authlib_async", 520.0),  # tokenwire async only 1.46x authlib's async client
    ):
        lines, ok = bench_http.report(_timings(**{**rates, key: value}), rounds=1, requests=1)
        assert not ok, key
        assert sum(line.startswith("- FAIL") for line in lines) == 1, key
