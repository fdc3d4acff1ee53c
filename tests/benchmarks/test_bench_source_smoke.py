"""The token source benchmark's contenders hand out the token, so its table compares like with like.

Runs each call a few times; timing itself lives in the script and in docs/performance.md only.
"""

from __future__ import annotations

import asyncio

from tests.benchmarks import bench_source
from tests.benchmarks.bench_core import Timing


def test_every_contender_hands_out_the_cached_access_token() -> None:
    calls = bench_source.sync_calls()
    assert bench_source.check_calls(calls) == []
    assert calls[bench_source.TOKENWIRE]() == bench_source.ACCESS_TOKEN


def test_check_calls_catches_a_contender_that_returns_something_else() -> None:
    calls = bench_source.sync_calls()
    calls[bench_source.AUTHLIB] = lambda: None
    assert bench_source.check_calls(calls) == [
        f"{bench_source.AUTHLIB}: did not return the cached access token"
    ]


def test_the_async_rows_run_and_the_report_states_the_check() -> None:
    timings = asyncio.run(bench_source.async_timings(repeats=1, per_round=10))
    assert timings[0].name.startswith("*tokenwire AsyncTokenSource")
    sync = [
        Timing(bench_source.TOKENWIRE, [0.2]),
        Timing(bench_source.AUTHLIB, [0.6]),
    ]
    lines, ok = bench_source.report(sync + timings, repeats=1, seconds=0.0)
    assert ok
    assert any(line.startswith("- PASS") for line in lines)
    lines, ok = bench_source.report(
        [Timing(bench_source.TOKENWIRE, [1.5]), sync[1]], repeats=1, seconds=0.0
    )
    assert not ok
