"""``Provider``: an OpenID Connect provider used synchronously (the twin of :mod:`.aio`).

A :class:`threading.Lock` makes a key fetch single-flight across threads; the rules of when to
fetch are in :mod:`.keys`, shared with the async twin.
"""

from __future__ import annotations

import threading
import time

from tokenwire.adapters.drive import drive
from tokenwire.adapters.oidc.base import (
    Checks,
    Clock,
    ProviderBase,
    default_transport,
    is_signed,
)
from tokenwire.adapters.oidc.flows import discovery_flow, exchange_flow
from tokenwire.adapters.oidc.keys import JwksPolicy
from tokenwire.adapters.transport import Transport
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

__all__ = ["Provider"]


class Provider(ProviderBase):
    """An OpenID Connect provider, used synchronously. Build it with :meth:`discover`."""

    def __init__(
        self,
        metadata: ProviderMetadata,
        transport: Transport,
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
        self._lock = threading.Lock()

    @classmethod
    def discover(
        cls,
        issuer: str,
        *,
        transport: Transport | None = None,
        profile: Profile | None = None,
        policy: JwksPolicy | None = None,
        clock: Clock = time.time,
        leeway: float = DEFAULT_LEEWAY,
    ) -> Provider:
        """Fetch and validate ``issuer``'s metadata; ``profile`` supplies quirks to keep."""
        plug = transport or default_transport()
        try:
            metadata = drive(discovery_flow(issuer), plug)
            return cls(metadata, plug, profile=profile, policy=policy, clock=clock, leeway=leeway)
        except BaseException:
            close = getattr(plug, "close", None)
            if transport is None and close is not None:
                close()  # made here, so closed here; a caller's transport stays the caller's
            raise

    def keys(self, *, now: float | None = None, stale: JwkSet | None = None) -> JwkSet:
        """The provider's key set, fetched if not cached (or, with ``stale``, refetched)."""
        now = self._clock() if now is None else now
        if stale is None:
            keys = self._fresh(now)
            if keys is not None:
                return keys
        with self._lock:
            self._snapshot = drive(self._keys_flow(now, stale), self.transport)
            assert self._snapshot.keys is not None
            return self._snapshot.keys

    def verify_id_token(
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
        keys = self._fresh(now) or self.keys(now=now)
        try:
            return self._validate(id_token, keys, now, checks)
        except IdTokenError as exc:
            if exc.reason != "unknown_kid":
                raise
        newer = self.keys(now=now, stale=keys)
        return self._validate(id_token, newer, now, checks)

    def userinfo(
        self,
        access_token: str,
        *,
        expected_sub: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Userinfo:
        """Ask the userinfo endpoint (OIDC Core §5.3); its ``sub`` must be ``expected_sub``."""
        request = userinfo_request(self._userinfo_url(), access_token)
        response = drive(exchange_flow(request), self.transport)
        keys = self.keys() if is_signed(response) else None
        return self._parse_userinfo(response, keys, expected_sub, client_id, client_secret)

    def close(self) -> None:
        """Close the transport, if it has a ``close``."""
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
