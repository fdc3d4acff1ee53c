"""What ``LoginFlow`` and ``AsyncLoginFlow`` share: the settings, ``start``, the finish rules.

Everything but the I/O lives here or in :mod:`.flow`, so the twins in :mod:`.sync` and
:mod:`.aio` differ only by ``await``. A flow is built on a discovered provider (the usual case:
its issuer, keys and RFC 9207 support come from the metadata) or on a bare
:class:`~tokenwire.core.Profile`, whose ``issuer`` and ``jwks_url`` then stand in for the
metadata; without them an ``openid`` login could not verify its ID token, so that is a
:class:`~tokenwire.core.ConfigurationError` at construction rather than a surprise at the first
callback.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, ClassVar

from tokenwire.adapters.login.finished import FinishedStates, MemoryFinishedStates
from tokenwire.adapters.login.flow import ClaimState, FinishRules, VerifyIdToken, finish_flow
from tokenwire.adapters.login.state import LoginResult, LoginState
from tokenwire.adapters.oidc.base import ProviderBase
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    Profile,
    ProviderMetadata,
    authorization_url,
)
from tokenwire.core.authorize import RandBytes
from tokenwire.core.grants import scope_string

__all__ = ["DEFAULT_LIFETIME", "LoginFlowBase", "metadata_from_profile"]

#: How long a started login may take before its callback is refused, in seconds.
DEFAULT_LIFETIME = 600.0

#: Parameters ``start`` sets itself; passing one of them is a mistake.
_RESERVED = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }
)


def metadata_from_profile(profile: Profile) -> ProviderMetadata:
    """Metadata standing in for discovery when a flow is built on a bare profile."""
    if profile.issuer is None or profile.jwks_url is None:
        raise ConfigurationError(
            f"profile {profile.name!r} has no issuer or no jwks_url, so an ID token from it "
            "cannot be verified: discover the provider (tokenwire.adapters.oidc.Provider), "
            "give the profile both, or leave openid out of the scope"
        )
    return ProviderMetadata(
        issuer=profile.issuer,
        authorization_endpoint=profile.authorization_url,
        token_endpoint=profile.token_url,
        userinfo_endpoint=profile.userinfo_url,
        jwks_uri=profile.jwks_url,
    )


class LoginFlowBase:
    """Settings and ``start``; the twins add ``finish``.

    The twins name their provider class, token client class and default transport factory;
    everything else is decided here once.
    """

    _provider_class: ClassVar[type[ProviderBase]]
    _client_class: ClassVar[Callable[..., Any]]
    _default_transport: ClassVar[Callable[[], Any]]

    def __init__(
        self,
        target: ProviderBase | Profile,
        auth: ClientAuth,
        *,
        redirect_uri: str,
        scope: str | Sequence[str],
        transport: Any,
        finished: FinishedStates | None,
        clock: Callable[[], float],
        lifetime: float,
        require_iss: bool | None,
        randbytes: RandBytes | None,
    ) -> None:
        if not isinstance(auth, ClientAuth):
            raise ConfigurationError(f"auth must be a ClientAuth, not {type(auth).__name__}")
        if not isinstance(redirect_uri, str) or not redirect_uri:
            raise ConfigurationError("redirect_uri must be a non-empty string")
        if not lifetime > 0:
            raise ConfigurationError("lifetime must be a positive number of seconds")
        self.scope = scope_string(scope if isinstance(scope, str) else list(scope)) or ""
        self.openid = "openid" in self.scope.split()
        self._owns_transport = False
        provider: Any
        if isinstance(target, self._provider_class):
            provider = target
            profile = target.profile
            plug = transport if transport is not None else provider.transport
            advertised = target.metadata.authorization_response_iss_parameter_supported
        elif isinstance(target, ProviderBase):
            raise ConfigurationError(
                f"{type(self).__name__} needs a {self._provider_class.__name__}, "
                f"not a {type(target).__name__}"
            )
        elif isinstance(target, Profile):
            profile = target
            metadata = metadata_from_profile(profile) if self.openid else None
            plug = transport
            if plug is None:
                plug = type(self)._default_transport()
                self._owns_transport = True
            provider = None
            if metadata is not None:
                make: Any = self._provider_class  # Provider or AsyncProvider: the same signature
                provider = make(metadata, plug, profile=profile, clock=clock)
            advertised = False
        else:
            raise ConfigurationError(
                f"a login flow is built on a Provider or a Profile, not {type(target).__name__}"
            )
        if profile.authorization_url is None:
            raise ConfigurationError(f"profile {profile.name!r} has no authorization endpoint")
        #: The discovered (or profile-made) provider that verifies ID tokens; ``None`` without
        #: ``openid`` in the scope on a bare profile.
        self.provider = provider
        self.profile = profile
        self.auth = auth
        #: The token client that exchanges codes; build token sources over it after a login.
        self.client = type(self)._client_class(profile, auth, plug, clock=clock)
        self.redirect_uri = redirect_uri
        #: Where finished states are remembered (replays are refused).
        self.finished: FinishedStates = MemoryFinishedStates() if finished is None else finished
        self.lifetime = lifetime
        self._clock = clock
        self._randbytes = randbytes
        self._rules = FinishRules(
            redirect_uri=redirect_uri,
            issuer=profile.issuer,
            require_iss=advertised if require_iss is None else require_iss,
            openid=self.openid,
            lifetime=lifetime,
        )

    def start(self, **params: str | int) -> tuple[str, LoginState]:
        """The authorization URL to send the user to, and the state to keep until the callback.

        ``params`` are extra authorization parameters (``prompt="consent"``, ``login_hint=...``,
        ``max_age=300``); ``max_age`` is then checked against the ID token's ``auth_time``.
        """
        reserved = sorted(_RESERVED & params.keys())
        if reserved:
            raise ConfigurationError(f"start() sets {', '.join(reserved)} itself")
        max_age = params.get("max_age")
        if max_age is not None and (not isinstance(max_age, int) or max_age < 0):
            raise ConfigurationError("max_age must be a non-negative int of seconds")
        request = authorization_url(
            self.profile,
            self.auth.client_id,
            self.redirect_uri,
            scope=self.scope or None,
            nonce=self.openid,
            extra=[(name, str(value)) for name, value in params.items()],
            randbytes=self._randbytes,
        )
        assert request.code_verifier is not None  # pkce=True
        saved = LoginState(
            state=request.state,
            code_verifier=request.code_verifier,
            issued_at=self._clock(),
            nonce=request.nonce,
            max_age=max_age,
        )
        return request.url, saved

    def _finish_flow(
        self, callback: str | Mapping[str, str], state: LoginState | str
    ) -> Generator[object, Any, LoginResult]:
        saved = LoginState.loads(state) if isinstance(state, str) else state
        return finish_flow(
            self._rules, callback, saved, now=self._clock(), token_flow=self.client.flow
        )

    def _claim(self, step: ClaimState) -> bool:
        return self.finished.claim(step.digest, now=step.now, expires_at=step.expires_at)

    def _verify_arguments(self, step: VerifyIdToken) -> dict[str, Any]:
        return {
            "client_id": self.auth.client_id,
            "nonce": step.nonce,
            "max_age": step.max_age,
            "access_token": step.access_token,
            "client_secret": self.auth.client_secret,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(issuer={self._rules.issuer!r}, "
            f"client_id={self.auth.client_id!r}, redirect_uri={self.redirect_uri!r}, "
            f"scope={self.scope!r})"
        )
