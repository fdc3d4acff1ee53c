"""The key-set cache: no I/O once cached, Cache-Control honoured, refetches bounded and shared.

Requests are counted at the loopback reference provider, so "no I/O" means nothing reached it.
The bound on refetches for unknown ``kid`` values: with the default policy
(``min_refetch_interval`` = ``min_ttl`` = 30 s) two fetches are at least 30 s apart in the
caller's clock, so over ``T`` seconds there are at most ``1 + T // 30`` fetches, however many
tokens arrive.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time

import pytest
import trio

from tests.oidc_cases import CLIENT
from tests.oidc_harness import OPTIONS
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport, HttpcoreTransport
from tokenwire.adapters.oidc import AsyncProvider, JwksPolicy, Provider, cache_lifetime
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider
from tokenwire.core import HttpResponse, IdTokenClaims, IdTokenError


def total(op: OidcReferenceProvider) -> int:
    return sum(op.requests.values())


def test_a_second_verify_with_discovery_and_jwks_cached_does_no_io(
    op: OidcReferenceProvider,
) -> None:
    with Provider.discover(op.issuer, transport=HttpcoreTransport(OPTIONS)) as provider:
        provider.verify_id_token(op.id_token(), **CLIENT)
        before = total(op)
        claims = provider.verify_id_token(op.id_token(), **CLIENT)
    assert claims.sub == "tw-oidc-user"
    assert before == 2  # discovery and the key set
    assert total(op) == before


def test_a_second_async_verify_with_everything_cached_does_no_io(
    op: OidcReferenceProvider,
) -> None:
    async def go() -> None:
        transport = AsyncHttpcoreTransport(OPTIONS)
        async with await AsyncProvider.discover(op.issuer, transport=transport) as provider:
            await provider.verify_id_token(op.id_token(), **CLIENT)
            before = total(op)
            await provider.verify_id_token(op.id_token(), **CLIENT)
            assert total(op) == before == 2

    trio.run(go)


@pytest.mark.parametrize("step", [0.0, 0.5])
def test_a_thousand_forged_kids_cause_a_bounded_number_of_jwks_fetches(
    op: OidcReferenceProvider, step: float
) -> None:
    start = time.time()
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        for i in range(1000):
            token = op.id_token(kid=secrets.token_hex(8))
            with pytest.raises(IdTokenError) as caught:
                provider.verify_id_token(token, **CLIENT, now=start + i * step)
            assert caught.value.reason == "unknown_kid"
    elapsed = 999 * step
    bound = 1 + int(elapsed // JwksPolicy().min_refetch_interval)
    assert op.requests["/jwks"] <= bound
    assert op.requests["/jwks"] == (1 if step == 0.0 else bound)


def test_cache_control_max_age_is_honoured(op: OidcReferenceProvider) -> None:
    op.jwks_cache_control = "public, max-age=100"
    start = time.time()
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        provider.verify_id_token(op.id_token(), **CLIENT, now=start)
        provider.verify_id_token(op.id_token(), **CLIENT, now=start + 99)
        assert op.requests["/jwks"] == 1
        provider.verify_id_token(op.id_token(), **CLIENT, now=start + 101)
        assert op.requests["/jwks"] == 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=100", 100.0),
        ("max-age=1", 30.0),
        ("max-age=99999999", 86400.0),
        ("no-store", 30.0),
        ('private, max-age="120"', 120.0),
        (None, 600.0),
        ("max-age=nonsense", 600.0),
    ],
)
def test_the_cache_lifetime_is_max_age_within_bounds(header: str | None, seconds: float) -> None:
    headers = () if header is None else (("Cache-Control", header),)
    assert cache_lifetime(HttpResponse(status=200, headers=headers), JwksPolicy()) == seconds


def test_threads_meeting_a_rotated_key_share_one_refetch(op: OidcReferenceProvider) -> None:
    with Provider.discover(op.issuer, transport=HttpcoreTransport(OPTIONS)) as provider:
        first = provider.verify_id_token(op.id_token(), **CLIENT)
        op.rotate()
        token = op.id_token()
        results: list[IdTokenClaims] = []
        barrier = threading.Barrier(8)

        def verify() -> None:
            barrier.wait()
            results.append(provider.verify_id_token(token, **CLIENT, now=first.iat + 60))

        threads = [threading.Thread(target=verify) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(results) == 8
    assert op.requests["/jwks"] == 2


@pytest.mark.parametrize("library", ["asyncio", "trio"])
def test_tasks_meeting_a_rotated_key_share_one_refetch(
    op: OidcReferenceProvider, library: str
) -> None:
    async def go() -> int:
        transport = AsyncHttpcoreTransport(OPTIONS)
        async with await AsyncProvider.discover(op.issuer, transport=transport) as provider:
            first = await provider.verify_id_token(op.id_token(), **CLIENT)
            op.rotate()
            token = op.id_token()

            async def verify() -> None:
                claims = await provider.verify_id_token(token, **CLIENT, now=first.iat + 60)
                assert claims.kid == op.signer.kid

            if library == "trio":
                async with trio.open_nursery() as nursery:
                    for _ in range(8):
                        nursery.start_soon(verify)
            else:
                await asyncio.gather(*(verify() for _ in range(8)))
            return provider.jwks_fetches

    fetches = trio.run(go) if library == "trio" else asyncio.run(go())
    assert fetches == 2
    assert op.requests["/jwks"] == 2


def test_a_failed_refetch_keeps_the_cached_keys_and_counts_for_the_rate_limit(
    op: OidcReferenceProvider,
) -> None:
    start = time.time()
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        provider.verify_id_token(op.id_token(), **CLIENT, now=start)
        op.jwks_status = 500
        for i in range(5):
            with pytest.raises(IdTokenError) as caught:
                provider.verify_id_token(op.id_token(kid="new"), **CLIENT, now=start + 31 + i)
            assert caught.value.reason == "unknown_kid"
        assert op.requests["/jwks"] == 2
        assert provider.verify_id_token(op.id_token(), **CLIENT, now=start + 40).sub
