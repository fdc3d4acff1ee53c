"""``LoginFlow``: a web login for threaded frameworks (the twin of :mod:`.aio`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.drive import drive
from tokenwire.adapters.login.base import DEFAULT_LIFETIME, LoginFlowBase
from tokenwire.adapters.login.finished import FinishedStates
from tokenwire.adapters.login.flow import ClaimState, VerifyIdToken
from tokenwire.adapters.login.state import LoginResult, LoginState
from tokenwire.adapters.oidc import Provider
from tokenwire.adapters.oidc.base import default_transport
from tokenwire.adapters.transport import Transport
from tokenwire.core import ClientAuth, Profile
from tokenwire.core.authorize import RandBytes

__all__ = ["LoginFlow"]


class LoginFlow(LoginFlowBase):
    """Log a user in with the authorization code flow, PKCE and (with ``openid``) a verified
    ID token. ``start()`` in the login view, ``finish()`` in the callback view."""

    _provider_class: ClassVar[type[Provider]] = Provider
    _client_class: ClassVar[Callable[..., Any]] = TokenClient
    _default_transport: ClassVar[Callable[[], Any]] = staticmethod(default_transport)

    client: TokenClient
    provider: Provider | None

    def __init__(
        self,
        provider_or_profile: Provider | Profile,
        auth: ClientAuth,
        *,
        redirect_uri: str,
        scope: str | Sequence[str] = "openid",
        transport: Transport | None = None,
        finished: FinishedStates | None = None,
        clock: Callable[[], float] = time.time,
        lifetime: float = DEFAULT_LIFETIME,
        require_iss: bool | None = None,
        randbytes: RandBytes | None = None,
    ) -> None:
        super().__init__(
            provider_or_profile,
            auth,
            redirect_uri=redirect_uri,
            scope=scope,
            transport=transport,
            finished=finished,
            clock=clock,
            lifetime=lifetime,
            require_iss=require_iss,
            randbytes=randbytes,
        )

    def finish(self, callback: str | Mapping[str, str], state: LoginState | str) -> LoginResult:
        """Check the callback against ``state`` (or its ``dumps()``), exchange the code, verify
        the ID token. Raises a typed error, and signs nobody in, on any failure."""
        flow = self._finish_flow(callback, state)
        return drive(flow, self.client.transport, sleep=self.client.sleep, perform=self._perform)

    def _perform(self, step: object) -> object:
        if isinstance(step, ClaimState):
            return self._claim(step)
        if isinstance(step, VerifyIdToken) and self.provider is not None:
            return self.provider.verify_id_token(step.id_token, **self._verify_arguments(step))
        raise TypeError(f"a login flow has no {type(step).__name__} step")

    def close(self) -> None:
        """Close the transport if this flow made it."""
        if self._owns_transport:
            self.client.close()

    def __enter__(self) -> LoginFlow:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
