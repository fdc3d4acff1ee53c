"""Run tokenwire's OIDC adapters through every built-in transport, for the OIDC tests.

Each helper discovers the provider afresh (so the key set is fetched too) and does one thing with
it, over the transport named: ``httpcore-sync`` and ``stdlib`` with :class:`Provider`,
``httpcore-asyncio`` and ``httpcore-trio`` with :class:`AsyncProvider`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

from tokenwire.adapters.httpcore import AsyncHttpcoreTransport, HttpcoreTransport
from tokenwire.adapters.oidc import AsyncProvider, Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.core import IdTokenClaims, Profile, ProviderMetadata, Userinfo

T = TypeVar("T")

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=10.0, total_timeout=15.0)
TRANSPORTS = ["httpcore-sync", "httpcore-asyncio", "httpcore-trio", "stdlib"]


def with_provider(
    transport: str,
    issuer: str,
    sync: Callable[[Provider], T],
    aio: Callable[[AsyncProvider], Awaitable[T]],
    *,
    profile: Profile | None = None,
) -> T:
    """Discover ``issuer`` over ``transport`` and run ``sync`` or ``aio`` with the provider."""
    if transport in ("httpcore-sync", "stdlib"):
        plug = (
            HttpcoreTransport(OPTIONS) if transport == "httpcore-sync" else StdlibTransport(OPTIONS)
        )
        with plug, Provider.discover(issuer, transport=plug, profile=profile) as provider:
            return sync(provider)

    async def go() -> T:
        async with (
            AsyncHttpcoreTransport(OPTIONS) as aplug,
            await AsyncProvider.discover(issuer, transport=aplug, profile=profile) as provider,
        ):
            return await aio(provider)

    if transport == "httpcore-trio":
        return trio.run(go)
    return asyncio.run(go())


def verify(transport: str, issuer: str, id_token: str, **checks: Any) -> IdTokenClaims:
    """Discover ``issuer`` and verify ``id_token`` with ``checks`` (``client_id=`` etc.)."""
    return with_provider(
        transport,
        issuer,
        lambda p: p.verify_id_token(id_token, **checks),
        lambda p: p.verify_id_token(id_token, **checks),
    )


def userinfo(transport: str, issuer: str, access_token: str, **checks: Any) -> Userinfo:
    """Discover ``issuer`` and ask its userinfo endpoint with ``access_token``."""
    return with_provider(
        transport,
        issuer,
        lambda p: p.userinfo(access_token, **checks),
        lambda p: p.userinfo(access_token, **checks),
    )


def discover(transport: str, issuer: str, profile: Profile | None = None) -> ProviderMetadata:
    """Discover ``issuer``; return its metadata."""

    async def metadata(provider: AsyncProvider) -> ProviderMetadata:
        return provider.metadata

    return with_provider(transport, issuer, lambda p: p.metadata, metadata, profile=profile)
