"""What :class:`TokenSource` and :class:`AsyncTokenSource` share, apart from how they wait.

The renewal algorithm is :class:`~tokenwire.adapters.source.renewal.Renewer`; this base holds the
source's view of it: the cached token the hot path reads, ``invalidate``, the flight record that
waiters read their outcome from, and the store/key/lease accessors. It also decides the source's
clock and randomness: the client's (``client.clock``, ``client.random``) unless the source is
given its own, and its :class:`~tokenwire.adapters.observe.Observer` (log records and trace
events: the source's ``trace``, else its client's callbacks), which also hears every store
operation that fails. The subclasses add only how they drive the renewal
(:func:`~tokenwire.adapters.drive.drive` or :func:`~tokenwire.adapters.drive.adrive`) and their
single-flight primitive (a thread lock and event, or an anyio event).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tokenwire.adapters.observe import Observer
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.errors import twin
from tokenwire.adapters.source.logout import Logout, logout_flow
from tokenwire.adapters.source.renewal import FlowClient, Renewer
from tokenwire.adapters.source.steps import (
    GetStored,
    ReleaseLease,
    StoreOp,
    TakeLease,
    WriteStored,
    perform,
)
from tokenwire.adapters.stores import StoreError, TokenStore
from tokenwire.adapters.trace import Tracing
from tokenwire.core import Grant, Token
from tokenwire.core.revocation import RevocationFlow

__all__ = ["Flight", "SourceBase"]


#: The store method each renewal step calls, as logs and trace events name it.
_OPERATIONS: dict[type, str] = {
    GetStored: "get",
    WriteStored: "compare_and_set",
    TakeLease: "acquire_lease",
    ReleaseLease: "release_lease",
}


class Flight:
    """One renewal in progress, and its outcome for those who wait on it.

    ``done`` is the waiters' event: a :class:`threading.Event` or an :class:`anyio.Event`.
    """

    __slots__ = ("done", "error", "result")

    def __init__(self, done: Any) -> None:
        self.done = done
        self.result: Cached | None = None
        self.error: BaseException | None = None

    def outcome(self) -> Cached | None:
        """The leader's token, or its error raised again (a copy per waiter); ``None`` when the
        leader was interrupted (cancelled, KeyboardInterrupt) and a waiter must lead anew."""
        if self.result is not None:
            return self.result
        if isinstance(self.error, Exception):
            raise twin(self.error)
        return None


class SourceBase:
    """State and accessors shared by the sync and async token sources."""

    def __init__(
        self,
        client: FlowClient,
        grant: Grant | None,
        *,
        token: Token | None,
        store: TokenStore | None,
        key: str | None,
        lease_ttl: float | None,
        wait_timeout: float | None,
        clock: Callable[[], float] | None,
        random: Callable[[], float] | None,
        trace: Tracing = None,
    ) -> None:
        clock = client.clock if clock is None else clock
        self._renewer = Renewer(
            client,
            grant,
            token=token,
            store=store,
            key=key,
            lease_ttl=lease_ttl,
            wait_timeout=wait_timeout,
            clock=clock,
            random=client.random if random is None else random,
        )
        if trace is None:
            client_observer = getattr(client, "observer", None)
            trace = None if client_observer is None else client_observer.callbacks
        #: Logs this source's renewals and store failures, and hands them to its ``trace``.
        self.observer = self._renewer.observer = Observer(trace)
        self._clock = clock
        self._cached: Cached | None = None
        self._flight: Flight | None = None

    @property
    def store(self) -> TokenStore:
        return self._renewer.store

    @property
    def key(self) -> str:
        return self._renewer.key

    @property
    def lease_ttl(self) -> float:
        return self._renewer.lease_ttl

    @property
    def wait_timeout(self) -> float:
        return self._renewer.wait_timeout

    def invalidate(self, access_token: str | None = None) -> None:
        """Report that the access token handed out was rejected by a resource server.

        The next call renews it, unless the store already holds a newer token. Passing the
        rejected ``access_token`` makes a late report harmless: if the token has already been
        replaced, nothing is invalidated.
        """
        cached = self._cached
        if cached is None or (access_token is not None and access_token != cached.access_token):
            return
        self._renewer.rejections.reject(cached.version)
        self._cached = None

    def _begin_logout(self, revocation_flow: Callable[[str, str | None], RevocationFlow]) -> Logout:
        """Drop the cached and seed tokens here, and return the logout to drive (see
        :mod:`~tokenwire.adapters.source.logout`)."""
        renewer = self._renewer
        seed, renewer.seed = renewer.seed, None
        self._cached = None
        return logout_flow(revocation_flow, renewer.key, seed)

    def _fresh(self) -> Cached | None:
        """The cached token while it is outside its leeway, else ``None``."""
        cached = self._cached
        if cached is not None and self._clock() < cached.due_at:
            return cached
        return None

    def _perform(self, op: StoreOp) -> object:
        """Carry out a renewal's store operation; a failure is reported, then raised."""
        try:
            return perform(self._renewer.store, op)
        except StoreError as exc:
            key = op.lease.key if isinstance(op, ReleaseLease) else op.key
            self.observer.store_failed(key, _OPERATIONS[type(op)], exc)
            raise

    def _settle(self, flight: Flight, result: Cached) -> Cached:
        """Record the leader's token for the waiters, and cache it unless it was reported
        rejected while it was being fetched."""
        flight.result = result
        if self._renewer.rejections.accepts(result.version):
            self._cached = result
        return result

    def __repr__(self) -> str:
        client = getattr(self._renewer, "client", None)
        return f"{type(self).__name__}({client!r}, key={self.key!r}, store={self.store!r})"
