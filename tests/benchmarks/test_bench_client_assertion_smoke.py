"""The client-assertion benchmark's contenders build the same request, and its checks work.

Runs each timed call a couple of times; timing itself lives in the script and in
docs/performance.md only.
"""

from __future__ import annotations

import pytest

from tests.benchmarks import bench_client_assertion as bench
from tests.benchmarks.bench_core import Timing

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc's, RFC 9864


@pytest.mark.parametrize("alg", bench.ALGS)
def test_every_contender_builds_a_new_assertion_request_for_each_call(alg: str) -> None:
    calls = bench.build_calls(alg)
    assert list(calls) == [bench.TOKENWIRE, bench.AUTHLIB, bench.FLOOR]
    assert bench.check_results(calls) == []


def test_check_results_catches_a_contender_that_reuses_its_assertion() -> None:
    calls = bench.build_calls("EdDSA")
    cached = calls[bench.AUTHLIB]()
    calls[bench.AUTHLIB] = lambda: cached
    assert [p.split(":")[0] for p in bench.check_results(calls)] == [bench.AUTHLIB]


def timings(ours: float, authlib: float, floor: float) -> list[Timing]:
    rates = {bench.TOKENWIRE: ours, bench.AUTHLIB: authlib, bench.FLOOR: floor}
    return [Timing(name, [us]) for name, us in rates.items()]


def test_report_checks_the_speedup_for_es256_and_eddsa_and_states_it_for_rs256() -> None:
    assert bench.report("ES256", timings(50.0, 80.0, 45.0))[1]
    assert not bench.report("ES256", timings(50.0, 70.0, 45.0))[1]  # 1.4x over authlib
    assert not bench.report("EdDSA", timings(70.0, 300.0, 50.0))[1]  # 1.4x over the floor
    lines, ok = bench.report("RS256", timings(600.0, 650.0, 590.0))
    assert ok
    assert any("stated" in line for line in lines)
