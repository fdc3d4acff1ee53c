"""``AsyncLoginFlow``: a web login for asyncio and trio frameworks (the twin of :mod:`.sync`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from tokenwire.adapters.client import AsyncTokenClient
from tokenwire.adapters.drive import adrive
from tokenwire.adapters.login.base import DEFAULT_LIFETIME, LoginFlowBase
from tokenwire.adapters.login.finished import FinishedStates
from tokenwire.adapters.login.flow import ClaimState, VerifyIdToken
from tokenwire.adapters.login.state import LoginResult, LoginState
from tokenwire.adapters.oidc import AsyncProvider
from tokenwire.adapters.oidc.base import default_async_transport
from tokenwire.adapters.transport import AsyncTransport
from tokenwire.core import ClientAuth, Profile
from tokenwire.core.authorize import RandBytes

__all__ = ["AsyncLoginFlow"]


class AsyncLoginFlow(LoginFlowBase):
    """:class:`~tokenwire.adapters.login.LoginFlow` for asyncio and trio: ``finish`` is awaited."""

    _provider_class: ClassVar[type[AsyncProvider]] = AsyncProvider
    _client_class: ClassVar[Callable[..., Any]] = AsyncTokenClient
    _default_transport: ClassVar[Callable[[], Any]] = staticmethod(default_async_transport)

    client: AsyncTokenClient
    provider: AsyncProvider | None

    def __init__(
        self,
        provider_or_profile: AsyncProvider | Profile,
        auth: ClientAuth,
        *,
        redirect_uri: str,
        scope: str | Sequence[str] = "openid",
        transport: AsyncTransport | None = None,
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

    async def finish(
        self, callback: str | Mapping[str, str], state: LoginState | str
    ) -> LoginResult:
        """Check the callback against ``state`` (or its ``dumps()``), exchange the code, verify
        the ID token. Raises a typed error, and signs nobody in, on any failure."""
        flow = self._finish_flow(callback, state)
        return await adrive(
            flow, self.client.transport, sleep=self.client.sleep, perform=self._perform
        )

    async def _perform(self, step: object) -> object:
        if isinstance(step, ClaimState):
            return self._claim(step)
        if isinstance(step, VerifyIdToken) and self.provider is not None:
            return await self.provider.verify_id_token(
                step.id_token, **self._verify_arguments(step)
            )
        raise TypeError(f"a login flow has no {type(step).__name__} step")

    async def aclose(self) -> None:
        """Close the transport if this flow made it."""
        if self._owns_transport:
            await self.client.aclose()

    async def __aenter__(self) -> AsyncLoginFlow:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
