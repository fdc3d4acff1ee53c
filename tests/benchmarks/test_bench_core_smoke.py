"""The core benchmark's contenders do the whole job and agree, so its table compares like with like.

Runs each timed call once; timing itself lives in the script and in docs/performance.md only.
"""

from __future__ import annotations

import pytest

from tests.benchmarks import bench_core


@pytest.fixture(scope="module")
def case() -> bench_core.Case:
    return bench_core.load_case()


def test_every_contender_ends_with_the_seed_access_token(case: bench_core.Case) -> None:
    calls = bench_core.build_calls(case)
    contenders = [row.name for row in bench_core.ROWS if not row.reference]
    assert contenders == [
        bench_core.TOKENWIRE,
        bench_core.OAUTHLIB,
        bench_core.AUTHLIB,
        bench_core.FLOOR,
    ]
    tokens = {name: calls[name]()[1] for name in contenders}
    assert set(tokens.values()) == {case.access_token}


def test_benchmark_fields_are_the_vectors_form(case: bench_core.Case) -> None:
    assert sorted(case.fields) == sorted(case.vector.request.form)


def test_every_request_body_carries_the_seed_form(case: bench_core.Case) -> None:
    assert bench_core.check_results(case, bench_core.build_calls(case)) == []


def test_check_results_catches_a_contender_that_skips_parsing(case: bench_core.Case) -> None:
    calls = bench_core.build_calls(case)
    calls[bench_core.AUTHLIB] = lambda: ("grant_type=refresh_token", None)
    problems = bench_core.check_results(case, calls)
    assert any(p.startswith(bench_core.AUTHLIB) for p in problems)
    assert len(problems) == 2  # no parse, and a body without the credentials
