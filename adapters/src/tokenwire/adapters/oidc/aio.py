"""``AsyncProvider``: an OpenID Connect provider used from asyncio or trio (twin of :mod:`.sync`).

A task lock of whichever event loop runs makes a key fetch single-flight across tasks; the rules
of when to fetch are in :mod:`.keys`, shared with the sync twin.
"""

from __future__ import annotations

import time
from typing import Any

from tokenwire.adapters.client import async_sleep, current_async_library
from tokenwire.adapters.drive import adrive
from tokenwire.adapters.oidc.base import (
    Checks,
    Clock,
    ProviderBase,
    default_async_transport,
    is_signed,
)
from tokenwire.adapters.oidc.flows import discovery_flow, exchange_flow
from tokenwire.adapters.oidc.keys import JwksPolicy
from tokenwire.adapters.transport import AsyncTransport
from tokenwire.core import (
    IdTokenClaims,
    IdTokenError,
    JwkSet,
    Profile,
    ProviderMetadata,
    Userinfo,
    userinfo_request,
)
from tokenwire.core.oidc import DEFAULT_LEEWAY

__all__ = ["AsyncProvider"]


class _TaskLock:
    """A lock across tasks of whichever event loop runs (asyncio or trio), made on first use."""

    def __init__(self) -> None:
        self._lock: Any = None

    async def __aenter__(self) -> None:
        if self._lock is None:
            if current_async_library() == "trio":
                import trio

                self._lock = trio.Lock()
            else:
                import asyncio

                self._lock = asyncio.Lock()
        await self._lock.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


class AsyncProvider(ProviderBase):
    """An OpenID Connect provider, used from asyncio or trio. Build it with :meth:`discover`."""

    def __init__(
        self,
        metadata: ProviderMetadata,
        transport: AsyncTransport,
        *,
        profile: Profile | None = None,
        policy: JwksPolicy | None = None,
        clock: Clock = time.time,
        leeway: float = DEFAULT_LEEWAY,
    ) -> None:
        super().__init__(
            metadata, profile=profile, policy=policy or JwksPolicy(), clock=clock, leeway=leeway
        )
        self.transport = transport
        self._lock = _TaskLock()

    @classmethod
    async def discover(
        cls,
        issuer: str,
        *,
        transport: AsyncTransport | None = None,
        profile: Profile | None = None,
        policy: JwksPolicy | None = None,
        clock: Clock = time.time,
        leeway: float = DEFAULT_LEEWAY,
    ) -> AsyncProvider:
        """Fetch and validate ``issuer``'s metadata; ``profile`` supplies quirks to keep."""
        plug = transport or default_async_transport()
        try:
            metadata = await adrive(discovery_flow(issuer), plug, sleep=async_sleep)
            return cls(metadata, plug, profile=profile, policy=policy, clock=clock, leeway=leeway)
        except BaseException:
            aclose = getattr(plug, "aclose", None)
            if transport is None and aclose is not None:
                await aclose()  # made here, so closed here; a caller's transport stays the caller's
            raise

    async def keys(self, *, now: float | None = None, stale: JwkSet | None = None) -> JwkSet:
        """The provider's key set, fetched if not cached (or, with ``stale``, refetched)."""
        now = self._clock() if now is None else now
        if stale is None:
            keys = self._fresh(now)
            if keys is not None:
                return keys
        async with self._lock:
            flow = self._keys_flow(now, stale)
            self._snapshot = await adrive(flow, self.transport, sleep=async_sleep)
            assert self._snapshot.keys is not None
            return self._snapshot.keys

    async def verify_id_token(
        self,
        id_token: str,
        *,
        client_id: str,
        nonce: str | None = None,
        max_age: float | None = None,
        access_token: str | None = None,
        code: str | None = None,
        previous: IdTokenClaims | None = None,
        client_secret: str | None = None,
        now: float | None = None,
    ) -> IdTokenClaims:
        """Verify ``id_token`` (OIDC Core §3.1.3.7, §12.2); raise :class:`IdTokenError` if not.

        An unknown ``kid`` refetches the key set once (rate-limited) before giving up.
        """
        now = self._clock() if now is None else now
        checks: Checks = (client_id, nonce, max_age, access_token, code, previous, client_secret)
        keys = self._fresh(now) or await self.keys(now=now)
        try:
            return self._validate(id_token, keys, now, checks)
        except IdTokenError as exc:
            if exc.reason != "unknown_kid":
                raise
        newer = await self.keys(now=now, stale=keys)
        return self._validate(id_token, newer, now, checks)

    async def userinfo(
        self,
        access_token: str,
        *,
        expected_sub: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Userinfo:
        """Ask the userinfo endpoint (OIDC Core §5.3); its ``sub`` must be ``expected_sub``."""
        request = userinfo_request(self._userinfo_url(), access_token)
        response = await adrive(exchange_flow(request), self.transport, sleep=async_sleep)
        keys = await self.keys() if is_signed(response) else None
        return self._parse_userinfo(response, keys, expected_sub, client_id, client_secret)

    async def aclose(self) -> None:
        """Close the transport, if it has an ``aclose``."""
        aclose = getattr(self.transport, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
