"""The bearer-auth benchmark's contenders do the same job, and its counts and checks work.

Nothing is timed here: the figures live in the script and in docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.benchmarks import bench_auth, bench_http
from tests.benchmarks.bench_core import Timing
from tests.peers import peers_required
from tokenwire.conformance.reference import ReferenceProvider


def test_every_contender_sends_the_token_to_the_resource_server() -> None:
    assert bench_auth.check_requests(requests=3) == []


@pytest.fixture(scope="module")
def nginx() -> Iterator[bench_http.Nginx]:
    try:
        with bench_http.nginx_server(bench_auth.BODY, "application/json") as server:
            yield server
    except bench_http.NginxMissing as exc:
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {exc}")
        pytest.skip(str(exc))


def test_every_contender_gets_200_from_nginx_over_one_connection(nginx: bench_http.Nginx) -> None:
    with bench_auth.contenders(nginx.base_url + "/resource") as built:
        for contender in built.values():
            assert contender.call() == 200
        accepts, _ = nginx.counters()
        timings = bench_auth.measure(built, rounds=2, requests=3)
        after, _ = nginx.counters()
    assert [t.name for t in timings] == list(bench_auth.CONTENDERS)
    assert after - accepts == 1  # only the second status query opened a connection


def test_report_passes_at_95_percent_and_fails_below() -> None:
    def timings(ours: float) -> list[Timing]:
        rates = {bench_auth.FLOOR: 1000.0, bench_auth.TOKENWIRE: ours, bench_auth.AUTHLIB: 800.0}
        return [Timing(name, [1e6 / rate]) for name, rate in rates.items()]

    assert bench_auth.report(timings(960.0))[1]
    lines, ok = bench_auth.report(timings(940.0))
    assert not ok
    assert any(line.startswith("- FAIL") for line in lines)


def test_a_burst_of_callers_on_a_due_or_revoked_token_costs_one_token_request() -> None:
    with ReferenceProvider("rfc6749", token_delay=0.1) as provider:
        cold = bench_auth.tokenwire_burst(provider, 20, revoke=False)
        revoked = bench_auth.tokenwire_burst(provider, 10, revoke=True)
    assert (cold.token_requests, cold.failed) == (1, "none")
    assert (revoked.token_requests, revoked.failed) == (1, "none")


def test_the_auth_flow_alone_is_timed_for_both_auths() -> None:
    ours, bare = bench_auth.flow_cost(calls=100, repeats=1)
    assert ours > 0
    assert bare > 0
