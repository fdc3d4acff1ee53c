"""``TokenClient`` and ``AsyncTokenClient``: the core's token flow over a transport.

Both are thin on purpose. They run :func:`tokenwire.core.token_flow` through
:func:`~tokenwire.adapters.drive.drive` or :func:`~tokenwire.adapters.drive.adrive`, so retries,
back-off and ``Retry-After`` are decided in one place, the flow, and sync and async cannot behave
differently. Everything they share (the flow's inputs, the grant shortcuts, choosing a transport)
lives in :class:`_ClientBase`; the subclasses add only how a request is driven and closed.
The flow a request runs is public (:meth:`~_ClientBase.flow`), and so are the clock, randomness
and sleep it uses: token sources run that same flow inside their renewal.

The other endpoints (RFC 8628 device authorization and polling, RFC 7009 revocation, RFC 7662
introspection) work the same way: :class:`_ClientBase` builds the core's flow for each
(``*_flow`` methods), and each client has a one-line method that drives it; the sync and async
methods differ only by ``await``. Over 300 lines: those twins sit beside the
classes they belong to; what the two clients share is written once, in the base.

A ``deadline`` (seconds, on the client or per call) bounds a whole request: every attempt,
back-off and ``Retry-After`` wait (the flow reads ``monotonic`` for it, apart from the wall
``clock`` of ``expires_at``). ``trace`` takes callbacks for the events of
:mod:`tokenwire.adapters.trace`; requests are logged under ``tokenwire.flow`` either way.

These classes take any transport. :mod:`tokenwire.adapters.httpcore` and
:mod:`tokenwire.adapters.stdlib` subclass them with a default transport, so that
``TokenClient(profile, client)`` just works there.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Generic, TypedDict, TypeVar

from typing_extensions import override

from tokenwire.adapters.drive import Steps, adrive, drive
from tokenwire.adapters.observe import Observer
from tokenwire.adapters.trace import Tracing
from tokenwire.adapters.transport import AsyncTransport, Transport, TransportOptions
from tokenwire.core import (
    TLS_AUTH_METHODS,
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    DeviceAuthorization,
    DeviceAuthorizationFlow,
    Grant,
    Introspection,
    Profile,
    RefreshToken,
    RetryPolicy,
    Token,
    TokenFlow,
    device_authorization_flow,
    device_flow,
    introspection_flow,
    revocation_flow,
    token_flow,
)
from tokenwire.core.flow import DEFAULT_RETRY, check_deadline
from tokenwire.core.introspection import IntrospectionFlow
from tokenwire.core.params import Params
from tokenwire.core.revocation import RevocationFlow

__all__ = [
    "AsyncTokenClient",
    "AsyncTransportFactory",
    "TokenClient",
    "TransportFactory",
    "async_sleep",
    "current_async_library",
]

R = TypeVar("R")
T = TypeVar("T")
X = TypeVar("X")

#: Builds a client's transport when none is given (a transport class fits).
TransportFactory = Callable[[TransportOptions | None], Transport]
AsyncTransportFactory = Callable[[TransportOptions | None], AsyncTransport]


def current_async_library() -> str:
    """``"trio"`` or ``"asyncio"``: which event loop is running this code.

    sniffio answers when installed (httpcore and anyio pull it in); without it, a running trio is
    recognised by asking trio itself, and anything else is taken to be asyncio.
    """
    try:
        import sniffio  # optional: httpcore and anyio bring it
    except ImportError:
        trio = sys.modules.get("trio")
        if trio is not None:
            try:
                trio.lowlevel.current_task()
            except RuntimeError:
                pass
            else:
                return "trio"
        return "asyncio"
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return "asyncio"


async def async_sleep(seconds: float) -> None:
    """Sleep on whichever event loop is running (the default sleep of :class:`AsyncTokenClient`)."""
    if current_async_library() == "trio":
        import trio  # only when running under trio

        await trio.sleep(seconds)
    else:
        import asyncio  # costly to import; only needed on a retry

        await asyncio.sleep(seconds)


def _choose_transport(
    transport: X | None,
    options: TransportOptions | None,
    default: Callable[[TransportOptions | None], X] | None,
    owner: type,
    auth: ClientAuth,
) -> X:
    if transport is not None:
        if options is not None:
            raise ConfigurationError(
                "pass either a transport or options for the default transport, not both"
            )
        _check_certificate(auth, getattr(transport, "options", None))
        return transport
    if default is None:
        raise ConfigurationError(
            f"{owner.__module__}.{owner.__qualname__} needs a transport; "
            "tokenwire.adapters.httpcore and tokenwire.adapters.stdlib have clients with a default"
        )
    _check_certificate(auth, options or TransportOptions())
    return default(options)


def _check_certificate(auth: ClientAuth, options: object) -> None:
    """Refuse an mTLS client (RFC 8705) whose transport has no client certificate to present.

    Known from the transport's :class:`TransportOptions` (every built-in transport has them): so
    it fails at construction, before anything is sent. A transport without them is taken at its
    word; a caller's own ``ssl_context`` may hold the certificate, so it passes too.
    """
    if (
        auth.method in TLS_AUTH_METHODS
        and isinstance(options, TransportOptions)
        and options.client_cert is None
        and options.ssl_context is None
    ):
        raise ConfigurationError(
            f"{auth.method} authenticates with a client certificate, and the transport has none: "
            "pass TransportOptions(client_cert=(certfile, keyfile))"
        )


class _FlowRules(TypedDict):
    """What every core flow takes from a client besides the request: time, jitter, retries and
    the deadline."""

    clock: Callable[[], float]
    random: Callable[[], float]
    retry: RetryPolicy
    deadline: float | None
    monotonic: Callable[[], float]


class _ClientBase(Generic[R]):
    """What both clients share. ``R`` is what a call returns: a Token, or an awaitable of one."""

    def __init__(
        self,
        profile: Profile,
        auth: ClientAuth,
        *,
        retry: RetryPolicy,
        clock: Callable[[], float],
        random: Callable[[], float],
        deadline: float | None,
        monotonic: Callable[[], float],
        trace: Tracing,
    ) -> None:
        self.profile = profile
        self.auth = auth
        self.retry = retry
        #: The longest a whole request may take, retries included (seconds), or ``None``.
        self.deadline = None if deadline is None else check_deadline(deadline)
        #: The clock the deadline is measured on (steps of the wall clock do not move it).
        self.monotonic = monotonic
        #: Logs and reports this client's requests (see :mod:`tokenwire.adapters.observe`).
        self.observer = Observer(trace)
        #: The wall clock the flow reads (``expires_at``, HTTP-date ``Retry-After``); token
        #: sources over this client read it too, unless given their own.
        self.clock = clock
        #: The flow's source of jitter, a float in [0, 1).
        self.random = random

    def flow(self, grant: Grant, *, deadline: float | None = None) -> TokenFlow:
        """The sans-IO flow that trades ``grant`` for a token: what :meth:`request` drives.

        A :func:`tokenwire.core.token_flow` over this client's profile, credentials, retry
        policy, clock and randomness, bounded by ``deadline`` (seconds; the client's
        :attr:`deadline` when ``None``). Token sources run it (``yield from client.flow(grant)``)
        inside their renewal, so a subclass that overrides it changes how sources request
        tokens too.
        """
        return token_flow(self.profile, self.auth, grant, **self._rules(deadline))

    def _rules(self, deadline: float | None = None) -> _FlowRules:
        """The keyword arguments every core flow takes from this client, bounded by ``deadline``
        (the client's :attr:`deadline` when ``None``)."""
        return {
            "clock": self.clock,
            "random": self.random,
            "retry": self.retry,
            "deadline": self.deadline if deadline is None else check_deadline(deadline),
            "monotonic": self.monotonic,
        }

    def device_authorization_flow(
        self,
        scope: str | None = None,
        *,
        resource: tuple[str, ...] = (),
        extra: Params = (),
        deadline: float | None = None,
    ) -> DeviceAuthorizationFlow:
        """The flow :meth:`start_device_authorization` drives (RFC 8628 §3.1)."""
        rules = self._rules(deadline)
        return device_authorization_flow(
            self.profile, self.auth, scope, resource=resource, extra=extra, **rules
        )

    def device_flow(
        self, authorization: DeviceAuthorization, *, deadline: float | None = None
    ) -> TokenFlow:
        """The polling flow :meth:`poll_device` drives (RFC 8628 §3.4-3.5), on this client's
        clock: ``interval``, ``slow_down`` and the device code's expiry are measured with it;
        ``deadline`` bounds each poll's request."""
        return device_flow(self.profile, self.auth, authorization, **self._rules(deadline))

    def revocation_flow(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> RevocationFlow:
        """The flow :meth:`revoke` drives (RFC 7009); token sources run it to log out."""
        rules = self._rules(deadline)
        return revocation_flow(self.profile, self.auth, token, token_type_hint, **rules)

    def introspection_flow(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> IntrospectionFlow:
        """The flow :meth:`introspect` drives (RFC 7662)."""
        rules = self._rules(deadline)
        return introspection_flow(self.profile, self.auth, token, token_type_hint, **rules)

    def request(self, grant: Grant, *, deadline: float | None = None) -> R:
        """Trade ``grant`` for a token at the token endpoint, retrying as the flow says.

        ``deadline`` overrides the client's for this call: when it passes, the request ends with
        :class:`~tokenwire.core.TransportTimeout` (or the last OAuth error).
        """
        raise NotImplementedError

    def refresh(
        self, refresh_token: str, scope: str | None = None, *, deadline: float | None = None
    ) -> R:
        """Refresh grant (RFC 6749 §6). Not retried once the request may have arrived."""
        return self.request(RefreshToken(refresh_token, scope), deadline=deadline)

    def client_credentials(self, scope: str | None = None, *, deadline: float | None = None) -> R:
        """Client credentials grant (RFC 6749 §4.4)."""
        return self.request(ClientCredentials(scope), deadline=deadline)

    def exchange_code(
        self,
        code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
        *,
        deadline: float | None = None,
    ) -> R:
        """Authorization code grant (RFC 6749 §4.1.3), with the PKCE verifier if one was used."""
        grant = AuthorizationCode(code, redirect_uri, code_verifier)
        return self.request(grant, deadline=deadline)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(profile={self.profile.name!r}, "
            f"token_url={self.profile.token_url!r}, client_id={self.auth.client_id!r})"
        )


class TokenClient(_ClientBase[Token]):
    """Requests tokens synchronously over ``transport``.

    ``close()`` (or leaving a ``with`` block) closes the transport too, if it has a ``close``.
    ``clock``, ``random`` and ``sleep`` (public attributes of the same names) are the flow's
    sources of time, jitter and waiting; tests replace them to run retries instantly and
    deterministically. A token source over this client uses them too, unless given its own.
    """

    #: The transport built from ``options`` when none is given; ``None`` here, set by subclasses.
    default_transport: ClassVar[TransportFactory | None] = None

    def __init__(
        self,
        profile: Profile,
        auth: ClientAuth,
        transport: Transport | None = None,
        *,
        options: TransportOptions | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random.random,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        trace: Tracing = None,
    ) -> None:
        super().__init__(
            profile,
            auth,
            retry=retry,
            clock=clock,
            random=random,
            deadline=deadline,
            monotonic=monotonic,
            trace=trace,
        )
        self.transport: Transport = _choose_transport(
            transport, options, type(self).default_transport, type(self), auth
        )
        #: How the flow waits between retries; token sources over this client wait with it too.
        self.sleep = sleep

    @override
    def request(self, grant: Grant, *, deadline: float | None = None) -> Token:
        flow = self.flow(grant, deadline=deadline)
        return drive(flow, self.transport, sleep=self.sleep, observer=self.observer)

    def _drive(self, flow: Steps[T]) -> T:
        return drive(flow, self.transport, sleep=self.sleep, observer=self.observer)

    def start_device_authorization(
        self,
        scope: str | None = None,
        *,
        resource: tuple[str, ...] = (),
        extra: Params = (),
        deadline: float | None = None,
    ) -> DeviceAuthorization:
        """Ask for a device code and a user code (RFC 8628 §3.1); show the user the result's
        ``user_code`` and ``verification_uri``, then :meth:`poll_device`. ``deadline`` is as
        for :meth:`request`."""
        flow = self.device_authorization_flow(
            scope, resource=resource, extra=extra, deadline=deadline
        )
        return self._drive(flow)

    def poll_device(
        self, authorization: DeviceAuthorization, *, deadline: float | None = None
    ) -> Token:
        """Poll until the user decides (RFC 8628 §3.4-3.5): the token, or ``AccessDenied`` /
        ``ExpiredToken``. Waits with this client's ``sleep``, timed by its ``clock``;
        ``deadline`` bounds each poll's request (the device code's expiry bounds the whole)."""
        return self._drive(self.device_flow(authorization, deadline=deadline))

    def revoke(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> None:
        """Revoke ``token`` (RFC 7009); returns also when the server did not know it (§2.2).

        ``token_type_hint`` is ``"access_token"`` or ``"refresh_token"``; ``deadline`` is as
        for :meth:`request`.
        """
        self._drive(self.revocation_flow(token, token_type_hint, deadline=deadline))

    def introspect(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> Introspection:
        """Ask the server about ``token`` (RFC 7662); ``active`` ``False`` is an answer, not an
        error. ``deadline`` is as for :meth:`request`."""
        return self._drive(self.introspection_flow(token, token_type_hint, deadline=deadline))

    def close(self) -> None:
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> TokenClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncTokenClient(_ClientBase[Coroutine[Any, Any, Token]]):
    """Requests tokens asynchronously over ``transport``, on asyncio or trio.

    The default ``sleep`` (used only between retries) detects the running event loop.
    ``aclose()`` (or leaving an ``async with`` block) closes the transport too, if it has an
    ``aclose``.
    """

    default_transport: ClassVar[AsyncTransportFactory | None] = None

    def __init__(
        self,
        profile: Profile,
        auth: ClientAuth,
        transport: AsyncTransport | None = None,
        *,
        options: TransportOptions | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[object]] = async_sleep,
        deadline: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        trace: Tracing = None,
    ) -> None:
        super().__init__(
            profile,
            auth,
            retry=retry,
            clock=clock,
            random=random,
            deadline=deadline,
            monotonic=monotonic,
            trace=trace,
        )
        self.transport: AsyncTransport = _choose_transport(
            transport, options, type(self).default_transport, type(self), auth
        )
        #: How the flow waits between retries; token sources over this client wait with it too.
        self.sleep = sleep

    @override
    async def request(self, grant: Grant, *, deadline: float | None = None) -> Token:
        flow = self.flow(grant, deadline=deadline)
        return await adrive(flow, self.transport, sleep=self.sleep, observer=self.observer)

    async def _drive(self, flow: Steps[T]) -> T:
        return await adrive(flow, self.transport, sleep=self.sleep, observer=self.observer)

    async def start_device_authorization(
        self,
        scope: str | None = None,
        *,
        resource: tuple[str, ...] = (),
        extra: Params = (),
        deadline: float | None = None,
    ) -> DeviceAuthorization:
        """:meth:`TokenClient.start_device_authorization`, awaited."""
        flow = self.device_authorization_flow(
            scope, resource=resource, extra=extra, deadline=deadline
        )
        return await self._drive(flow)

    async def poll_device(
        self, authorization: DeviceAuthorization, *, deadline: float | None = None
    ) -> Token:
        """:meth:`TokenClient.poll_device`, awaited (waits with this client's ``sleep``)."""
        return await self._drive(self.device_flow(authorization, deadline=deadline))

    async def revoke(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> None:
        """:meth:`TokenClient.revoke`, awaited."""
        await self._drive(self.revocation_flow(token, token_type_hint, deadline=deadline))

    async def introspect(
        self, token: str, token_type_hint: str | None = None, *, deadline: float | None = None
    ) -> Introspection:
        """:meth:`TokenClient.introspect`, awaited."""
        return await self._drive(self.introspection_flow(token, token_type_hint, deadline=deadline))

    async def aclose(self) -> None:
        aclose = getattr(self.transport, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncTokenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
