"""What ``Provider`` and ``AsyncProvider`` share: metadata, profile, cached keys, validation.

Everything but the I/O lives here, so that the twins in :mod:`.sync` and :mod:`.aio` differ only
by ``await`` and by the lock that makes a key fetch single-flight.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import cast

from tokenwire.adapters.oidc.keys import JwksPolicy, JwksSnapshot, jwks_flow
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    Transport,
    build_sync_transport,
    default_library,
)
from tokenwire.core import (
    ConfigurationError,
    DiscoveryError,
    HttpResponse,
    IdTokenClaims,
    JwkSet,
    Profile,
    ProviderMetadata,
    Userinfo,
    parse_userinfo,
    profile_from_metadata,
    validate_id_token,
)
from tokenwire.core.flow import Reply, Step

__all__ = [
    "Checks",
    "Clock",
    "ProviderBase",
    "default_async_transport",
    "default_transport",
    "is_signed",
]

Clock = Callable[[], float]
#: What ``verify_id_token`` checks besides the signature: client_id, nonce, max_age,
#: access_token, code, previous, client_secret.
Checks = tuple[
    str, str | None, float | None, str | None, str | None, IdTokenClaims | None, str | None
]


class ProviderBase:
    """What both providers share: the metadata, the profile, the cached keys, validation."""

    def __init__(
        self,
        metadata: ProviderMetadata,
        *,
        profile: Profile | None,
        policy: JwksPolicy,
        clock: Clock,
        leeway: float,
    ) -> None:
        if profile is not None and profile.issuer not in (None, metadata.issuer):
            raise ConfigurationError("the profile's issuer is not the discovered one")
        #: The validated discovery document.
        self.metadata = metadata
        #: A token-endpoint profile from the metadata, keeping ``profile``'s name and quirks.
        self.profile = profile_from_metadata(metadata, profile)
        self.policy = policy
        self.leeway = leeway
        self._clock = clock
        self._snapshot = JwksSnapshot()
        self._issuer = metadata.issuer
        self._algs = metadata.id_token_algs

    @property
    def jwks_fetches(self) -> int:
        """How many times the key set was fetched (for monitoring, and the tests' I/O counts)."""
        return self._snapshot.fetches

    def _jwks_url(self) -> str:
        if self.metadata.jwks_uri is None:
            raise DiscoveryError("the provider metadata names no jwks_uri")
        return self.metadata.jwks_uri

    def _userinfo_url(self) -> str:
        if self.metadata.userinfo_endpoint is None:
            raise DiscoveryError("the provider metadata names no userinfo_endpoint")
        return self.metadata.userinfo_endpoint

    def _fresh(self, now: float) -> JwkSet | None:
        snapshot = self._snapshot
        return snapshot.keys if now < snapshot.expires_at else None

    def _keys_flow(self, now: float, stale: JwkSet | None) -> Generator[Step, Reply, JwksSnapshot]:
        return jwks_flow(self._snapshot, self._jwks_url(), now=now, policy=self.policy, stale=stale)

    def _validate(self, id_token: str, keys: JwkSet, now: float, checks: Checks) -> IdTokenClaims:
        client_id, nonce, max_age, access_token, code, previous, client_secret = checks
        return validate_id_token(
            id_token,
            keys=keys,
            client_id=client_id,
            issuer=self._issuer,
            now=now,
            nonce=nonce,
            max_age=max_age,
            access_token=access_token,
            code=code,
            previous=previous,
            client_secret=client_secret,
            algs=self._algs,
            leeway=self.leeway,
        )

    def _parse_userinfo(
        self,
        response: HttpResponse,
        keys: JwkSet | None,
        expected_sub: str | None,
        client_id: str | None,
        client_secret: str | None,
    ) -> Userinfo:
        return parse_userinfo(
            response,
            expected_sub=expected_sub,
            keys=keys,
            issuer=self.metadata.issuer,
            client_id=client_id,
            algs=self.metadata.userinfo_signing_alg_values_supported or self.metadata.id_token_algs,
            client_secret=client_secret,
        )


def is_signed(response: HttpResponse) -> bool:
    """True for a signed userinfo answer (``application/jwt``): verified like an ID token."""
    content_type = response.header("content-type") or ""
    return content_type.split(";")[0].strip().lower() == "application/jwt"


def default_transport() -> Transport:
    """The sync transport a provider uses when given none: the registry's default library."""
    return build_sync_transport(default_library())


def default_async_transport() -> AsyncTransport:
    """The async transport a provider uses when given none (httpcore's, on asyncio or trio)."""
    row = next(t for t in BUILTIN_TRANSPORTS if t.mode == "asyncio")
    return cast("AsyncTransport", row.build())
