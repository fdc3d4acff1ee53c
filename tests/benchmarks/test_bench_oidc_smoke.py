"""The OIDC benchmark's contenders all verify the same token, so its table compares like with like.

Runs each timed call once; timing itself lives in the script and in docs/performance.md only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.benchmarks import bench_oidc
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider


@pytest.fixture(scope="module")
def op() -> Iterator[OidcReferenceProvider]:
    with OidcReferenceProvider(bench_oidc.ALGS) as provider:
        yield provider


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc's, about RFC 9864
@pytest.mark.parametrize("alg", bench_oidc.ALGS)
def test_every_contender_verifies_the_token_and_returns_its_sub(
    op: OidcReferenceProvider, alg: str
) -> None:
    calls, provider = bench_oidc.build_calls(op, alg)
    with provider:
        assert list(calls) == [
            bench_oidc.TOKENWIRE, bench_oidc.JOSERFC, bench_oidc.PYJWT, bench_oidc.FLOOR,
        ]  # fmt: skip
        assert bench_oidc.check_results(calls, "tw-oidc-user") == []


def test_check_results_catches_a_contender_that_skips_verification(
    op: OidcReferenceProvider,
) -> None:
    calls, provider = bench_oidc.build_calls(op, "RS256")
    with provider:
        calls[bench_oidc.PYJWT] = lambda: "nobody"
        problems = bench_oidc.check_results(calls, "tw-oidc-user")
    assert [p.split(":")[0] for p in problems] == [bench_oidc.PYJWT]
