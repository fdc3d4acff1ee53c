"""``TokenSource``: a valid access token on demand, for threads.

The renewal itself is :meth:`Renewer.renew <tokenwire.adapters.source.renewal.Renewer.renew>`,
shared with the async source; this module adds the two things that are specific to threads: it
steps the renewal with :func:`~tokenwire.adapters.drive.drive` over the client's blocking
transport (store operations go to :func:`~tokenwire.adapters.source.steps.perform` as drive's
``perform``), and the in-process single flight (a lock held only to elect one leader, and a
:class:`threading.Event` the others wait on).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.drive import drive
from tokenwire.adapters.source.base import Flight, SourceBase
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.errors import RefreshTimeout
from tokenwire.adapters.stores import TokenStore
from tokenwire.adapters.trace import Tracing
from tokenwire.core import Grant, Token

__all__ = ["TokenSource"]


class TokenSource(SourceBase):
    """Hands out a valid access token, renewing it once, ahead of expiry, however many ask.

    ``client`` is a :class:`~tokenwire.adapters.client.TokenClient`: every token is requested by
    running its :meth:`~tokenwire.adapters.client.TokenClient.flow` over its transport.
    ``grant`` is how a first token, or a renewal without a refresh token, is obtained
    (``ClientCredentials()``, ``AuthorizationCode(...)``, ``RefreshToken(...)``); a single-use
    grant (a code, a starting refresh token, a device code) is sent at most once, after which a
    renewal without a refresh token raises :class:`~tokenwire.core.ReauthorizationRequired`.
    ``token`` is a token already in hand.

    A store that fails after the server answered a renewal (the write of the rotated token) makes
    that call raise :class:`~tokenwire.adapters.stores.StoreError`; the new token is kept and
    written before anything else on the next call (see ``docs/lifecycle.md``).

    With a ``store`` and a ``key``, the source works from whatever token is stored there, so that
    threads, processes (:class:`~tokenwire.adapters.stores.SqliteStore`) or machines
    (:class:`~tokenwire.adapters.stores.RedisStore`) share one token and refresh it once between
    them; ``token`` is then stored only if nothing newer is. Without a store the source keeps its
    token in a private :class:`~tokenwire.adapters.stores.MemoryStore`.

    ``lease_ttl`` bounds how long one refresher may hold the store's lease (default: the longest a
    request through ``client`` can take, see :func:`default_lease_ttl`); ``wait_timeout`` how long
    a caller waits for another refresher before :class:`RefreshTimeout` (default: twice the lease).
    ``clock`` (the hot path's wall clock), ``random`` (poll jitter) and ``sleep`` (between polls
    of a shared store, and between retries) default to the client's ``clock``, ``random`` and
    ``sleep``; the clock is a wall clock because stored expiry times are shared across machines.
    ``trace`` takes callbacks for the events of :mod:`tokenwire.adapters.trace` (default: the
    client's); renewals are logged under ``tokenwire.source``, the cached path never.
    """

    def __init__(
        self,
        client: TokenClient,
        grant: Grant | None = None,
        *,
        token: Token | None = None,
        store: TokenStore | None = None,
        key: str | None = None,
        lease_ttl: float | None = None,
        wait_timeout: float | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        random: Callable[[], float] | None = None,
        trace: Tracing = None,
    ) -> None:
        super().__init__(
            client,
            grant,
            token=token,
            store=store,
            key=key,
            lease_ttl=lease_ttl,
            wait_timeout=wait_timeout,
            clock=clock,
            random=random,
            trace=trace,
        )
        self.client = client
        self._sleep = client.sleep if sleep is None else sleep
        self._lock = threading.Lock()

    def access_token(self) -> str:
        """A valid access token. Lock-free while the cached token is outside its leeway."""
        cached = self._cached
        if cached is not None and self._clock() < cached.due_at:
            return cached.access_token
        return self._renew().access_token

    def token(self) -> Token:
        """The whole valid token (access token, scope, expiry, ...)."""
        cached = self._cached
        if cached is not None and self._clock() < cached.due_at:
            return cached.token
        return self._renew().token

    def logout(self) -> None:
        """Forget this source's token, here and in its store, then revoke it at the client's
        ``revocation_url``: the refresh token first, then the access token (RFC 7009).

        The token is forgotten even when a revocation fails; the first failure is then raised
        (both revocations are tried). See :mod:`tokenwire.adapters.source.logout`.
        """
        drive(
            self._begin_logout(self.client.revocation_flow),
            self.client.transport,
            sleep=self._sleep,
            perform=self._perform,
            observer=self.observer,
        )

    def _renew(self) -> Cached:
        """Join the renewal in progress, or lead one; every wait is bounded."""
        deadline = time.monotonic() + self._renewer.flight_timeout
        while True:
            with self._lock:
                cached = self._fresh()
                if cached is not None:
                    return cached  # renewed while this caller was on its way here
                flight = self._flight
                if flight is None:
                    flight = self._flight = Flight(threading.Event())
                    lead = True
                else:
                    lead = False
            if lead:
                return self._lead(flight)
            if not flight.done.wait(timeout=max(0.0, deadline - time.monotonic())):
                raise RefreshTimeout(
                    "waited for this process's refresh of the token longer than "
                    f"{self._renewer.flight_timeout:g} s"
                )
            outcome = flight.outcome()
            if outcome is not None:
                return outcome
            # The leader was interrupted (KeyboardInterrupt, SystemExit): lead a new attempt.

    def _lead(self, flight: Flight) -> Cached:
        renewer = self._renewer
        started = self.observer.renewal_started(renewer.key)
        try:
            result = drive(
                renewer.renew(),
                self.client.transport,
                sleep=self._sleep,
                perform=self._perform,
                observer=self.observer,
            )
        except BaseException as exc:
            flight.error = exc
            self.observer.renewal_finished(renewer.key, started, None, exc)
            raise
        else:
            self.observer.renewal_finished(renewer.key, started, result.token, None)
            return self._settle(flight, result)
        finally:
            with self._lock:
                self._flight = None
            flight.done.set()
