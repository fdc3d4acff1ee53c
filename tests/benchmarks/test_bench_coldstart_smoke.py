"""The cold-start benchmark's two programs do the same job and get the same answer.

Runs each program once against the reference provider; timing itself lives in the script and in
docs/performance.md only.
"""

from __future__ import annotations

from tests.benchmarks import bench_coldstart
from tokenwire.conformance.reference import PUBLIC_CLIENT, ReferenceProvider


def test_both_programs_refresh_the_same_token_with_one_request_each() -> None:
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=False) as provider:
        args = (
            provider.token_url,
            PUBLIC_CLIENT.client_id,
            bench_coldstart.refresh_token(provider),
        )
        before = provider.token_requests
        outputs = {
            name: bench_coldstart.run(program, *args)[1]
            for name, program in bench_coldstart.PROGRAMS.items()
        }
        assert provider.token_requests == before + 2
    assert outputs[bench_coldstart.TOKENWIRE] == outputs[bench_coldstart.AUTHLIB]
    assert outputs[bench_coldstart.TOKENWIRE].startswith("Bearer ")


def test_the_report_fails_a_tokenwire_slower_than_half_of_authlib() -> None:
    medians = {
        bench_coldstart.TOKENWIRE: 0.06,
        bench_coldstart.AUTHLIB: 0.1,
        **dict.fromkeys(bench_coldstart.IMPORTS, 0.01),
    }
    lines, ok = bench_coldstart.report(medians, runs=1)
    assert not ok
    assert lines[-1].startswith("- FAIL")
    lines, ok = bench_coldstart.report({**medians, bench_coldstart.TOKENWIRE: 0.05}, runs=1)
    assert ok
