"""The renewal algorithm of a token source, written once as a sans-IO generator.

:class:`TokenSource` (threads) and :class:`AsyncTokenSource` (asyncio, trio) differ only in how
they wait; what they do is :meth:`Renewer.renew`, a generator in the style of the core's
``token_flow``. It yields what it needs and receives what happened:

* store operations (:mod:`.steps`: :class:`GetStored`, :class:`WriteStored`, :class:`TakeLease`,
  :class:`ReleaseLease`), answered by :func:`~.steps.perform` on the source's store;
* :class:`~tokenwire.core.Send` and :class:`~tokenwire.core.Sleep`, from the client's flow
  (``yield from client.flow(grant)``) and from polling, answered by the transport and the sleep.

Both sources step it with :func:`~tokenwire.adapters.drive.drive` or ``adrive``, which throw a
failing step's exception *into* the generator (a transport failure comes in as a value), so the
generator itself releases the lease, whatever went wrong. This module holds the algorithm only;
the steps, the cached view, the memory of refusals, lease sizing and errors are its siblings.

The algorithm, per renewal (see ``docs/lifecycle.md``):

1. read the store; plant the seed token if nothing newer is stored; hand out the stored token if it
   is fresh and not the one the caller reported rejected;
2. take the refresher lease; while another holder has it, poll the store (jittered, growing
   interval, bounded by ``wait_timeout``) until a usable token appears or the lease frees;
3. with the lease: read again (someone may have just written), then renew with the stored refresh
   token, or with the configured grant when there is none;
4. write the new token with compare-and-set on the version read (keeping the old refresh token if
   the server sent none, RFC 6749 §6), *then* release the lease and hand it out; a lost
   compare-and-set means a newer token is stored: that one is handed out instead;
5. ``invalid_grant`` raises :class:`~tokenwire.core.ReauthorizationRequired` and is remembered for
   the stored version, so later calls raise it again without a request until a newer token is
   stored.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator
from typing import Any, Protocol

import msgspec

from tokenwire.adapters.observe import QUIET, Observer
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.errors import RefreshTimeout
from tokenwire.adapters.source.lease import LEASE_MARGIN, default_lease_ttl, poll_delay, seconds
from tokenwire.adapters.source.rejections import Rejections
from tokenwire.adapters.source.steps import (
    GetStored,
    ReleaseLease,
    RenewalStep,
    TakeLease,
    WriteStored,
)
from tokenwire.adapters.stores import Lease, MemoryStore, StoredToken, StoreError, TokenStore
from tokenwire.core import (
    AuthorizationCode,
    ConfigurationError,
    Grant,
    InvalidGrant,
    ReauthorizationRequired,
    RefreshToken,
    RetryPolicy,
    Sleep,
    Token,
    TokenFlow,
)
from tokenwire.core.redact import scrub

__all__ = ["DEFAULT_KEY", "FlowClient", "Renewal", "Renewer"]

#: The key a source uses in its private store when it is given none.
DEFAULT_KEY = "default"
#: How many times a write that keeps losing to other writers is tried before giving up.
_WRITE_ATTEMPTS = 3

#: ``Renewer.renew()``: receives ``Any`` because each step has its own reply type.
Renewal = Generator[RenewalStep, Any, Cached]


class FlowClient(Protocol):
    """What a source uses of a ``TokenClient`` or ``AsyncTokenClient``: its flow, the retry
    policy its lease is sized from, the deadline its flows get, and the clock and randomness a
    source defaults to."""

    retry: RetryPolicy
    deadline: float | None
    clock: Callable[[], float]
    random: Callable[[], float]

    def flow(self, grant: Grant, *, deadline: float | None = None) -> TokenFlow: ...


class Renewer:
    """One source's renewal state and its sans-IO renewal generator.

    Only the single flight's leader runs :meth:`renew`, so the state it changes (the seed, the
    refused version) needs no lock; ``rejections.reject`` may be called by anyone and takes one.
    What it does is reported to ``observer`` (its source sets it).
    """

    observer: Observer = QUIET

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
        clock: Callable[[], float],
        random: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if grant is not None and not isinstance(grant, Grant):
            raise ConfigurationError(f"grant must be a tokenwire grant, not {type(grant).__name__}")
        if token is not None and not isinstance(token, Token):
            raise ConfigurationError(f"token must be a tokenwire Token, not {type(token).__name__}")
        if store is None:
            if grant is None and token is None:
                raise ConfigurationError(
                    "a token source needs a grant, a token, or a shared store and key to start from"
                )
            store = MemoryStore()
            key = DEFAULT_KEY if key is None else key
        elif key is None:
            raise ConfigurationError(
                "a token source with a store needs a key: the name its token is stored under"
            )
        if not isinstance(key, str) or not key:
            raise ConfigurationError("key must be a non-empty string")
        self.client = client
        self.grant = grant
        self.store: TokenStore = store
        self.key = key
        self.lease_ttl = (
            default_lease_ttl(client) if lease_ttl is None else seconds(lease_ttl, "lease_ttl")
        )
        # Long enough to see a dead holder's lease expire and take over.
        self.wait_timeout = (
            2.0 * self.lease_ttl if wait_timeout is None else seconds(wait_timeout, "wait_timeout")
        )
        self.clock = clock
        self.random = random
        self.monotonic = monotonic
        #: Offered to the store on the first renewal, then dropped.
        self.seed = token
        self.rejections = Rejections()

    @property
    def flight_timeout(self) -> float:
        """The longest a renewal can take: wait out another holder, then refresh under the lease."""
        return self.wait_timeout + self.lease_ttl + LEASE_MARGIN

    # --- the algorithm --------------------------------------------------------------------------

    def renew(self) -> Renewal:
        """Return a usable token, from the store or from the token endpoint (see module doc)."""
        stored: StoredToken | None = yield GetStored(self.key)
        if self.seed is not None:
            stored = yield from self._plant_seed(stored)
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        started = self.monotonic()
        deadline = started + self.wait_timeout
        polls = 0
        while True:
            lease: Lease | None = yield TakeLease(self.key, self.lease_ttl)
            if lease is not None:
                if polls:
                    self.observer.lease_waited(self.key, self.monotonic() - started, True)
                break
            # Someone else is refreshing: watch the store for their result, or for the lease
            # to free up (released, or expired because its holder died).
            now = self.monotonic()
            if now >= deadline:
                raise RefreshTimeout(
                    f"waited {self.wait_timeout:g} s for another refresher of key "
                    f"{scrub(self.key, 80)!r}; no new token was stored and its lease is still held"
                )
            polls += 1
            yield Sleep(poll_delay(polls, deadline - now, self.random))
            stored = yield GetStored(self.key)
            usable = self._usable(stored)
            if usable is not None:
                self.observer.lease_waited(self.key, self.monotonic() - started, False)
                return usable
            self._check_refused(stored)
        try:
            result = yield from self._under_lease()
        except GeneratorExit:
            raise  # closed without being driven: nothing can be yielded; the lease expires
        except BaseException:
            yield from self._release(lease)
            raise
        yield from self._release(lease)
        return result

    def _under_lease(self) -> Renewal:
        stored: StoredToken | None = yield GetStored(self.key)  # someone may have just written
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        previous = None if stored is None else stored.token.refresh_token
        if previous:
            grant: Grant = RefreshToken(previous)
        elif self.grant is not None:
            grant = self.grant
        elif stored is None:
            raise ConfigurationError(
                f"nothing is stored under key {scrub(self.key, 80)!r} and no grant is configured"
            )
        else:
            raise ConfigurationError(
                "the token cannot be renewed: it has no refresh token and no grant is configured"
            )
        try:
            token = yield from self.client.flow(grant, deadline=self._deadline())
        except InvalidGrant as exc:
            if not isinstance(grant, RefreshToken | AuthorizationCode):
                raise
            return (yield from self._refused(stored, grant, exc))
        if previous and token.refresh_token is None:
            # RFC 6749 §6: no new refresh token in the response means the old one stays valid.
            token = msgspec.structs.replace(token, refresh_token=previous)
        written = yield from self._write(stored, token)
        rotated = bool(previous) and token.refresh_token != previous
        self.observer.renewed(self.key, written.token, rotated)
        return Cached(written)

    def _deadline(self) -> float:
        """The request's deadline: the client's, capped by how long callers wait for it."""
        deadline = self.client.deadline
        return self.wait_timeout if deadline is None else min(deadline, self.wait_timeout)

    def _refused(
        self, stored: StoredToken | None, grant: Grant, exc: InvalidGrant
    ) -> Generator[RenewalStep, Any, Cached]:
        """``invalid_grant``: adopt a token stored meanwhile, else require re-authorization."""
        latest: StoredToken | None = yield GetStored(self.key)
        version = 0 if stored is None else stored.version
        if latest is not None and latest.version > version:
            # Another refresher (whose lease outlived ours) used the refresh token first.
            usable = self._usable(latest)
            if usable is not None:
                return usable
        self.rejections.refused(version)
        what = "refresh token" if isinstance(grant, RefreshToken) else "authorization code"
        self.observer.reauthorization_required(self.key, what)
        raise ReauthorizationRequired(
            exc.error,
            f"the authorization server refused the {what}; "
            "re-authorization is needed to get a new token",
            exc.uri,
            status=exc.status,
        ) from exc

    def _write(
        self, stored: StoredToken | None, token: Token
    ) -> Generator[RenewalStep, Any, StoredToken]:
        """Store ``token`` over ``stored``; if someone wrote since, their newer token wins."""
        expected = None if stored is None else stored.version
        for _ in range(_WRITE_ATTEMPTS):
            written: StoredToken | None = yield WriteStored(self.key, expected, token)
            if written is not None:
                return written
            latest: StoredToken | None = yield GetStored(self.key)
            if latest is not None:
                return latest
            expected = None  # the key was deleted meanwhile: store ours afresh
        raise StoreError(
            f"the token stored under key {scrub(self.key, 80)!r} kept changing during the write"
        )

    def _plant_seed(
        self, stored: StoredToken | None
    ) -> Generator[RenewalStep, Any, StoredToken | None]:
        """Store the token the source was given, unless the store holds a newer one."""
        seed = self.seed
        assert seed is not None
        if stored is None or _newer(seed, stored.token):
            expected = None if stored is None else stored.version
            written: StoredToken | None = yield WriteStored(self.key, expected, seed)
            # Lost: someone wrote after our read, so what is stored now is newer than the seed.
            stored = written if written is not None else (yield GetStored(self.key))
        self.seed = None
        return stored

    def _release(self, lease: Lease) -> Generator[RenewalStep, Any, None]:
        # A failed release is harmless: the lease expires on its own, and the token is stored.
        with contextlib.suppress(StoreError):
            yield ReleaseLease(lease)

    # --- small decisions --------------------------------------------------------------------------

    def _usable(self, stored: StoredToken | None) -> Cached | None:
        if stored is None:
            return None
        if not self.rejections.accepts(stored.version):
            return None
        if not stored.token.is_fresh(self.clock()):
            return None
        return Cached(stored)

    def _check_refused(self, stored: StoredToken | None) -> None:
        self.rejections.check_refused(0 if stored is None else stored.version)

    def __repr__(self) -> str:
        return f"Renewer(key={self.key!r}, store={self.store!r}, lease_ttl={self.lease_ttl:g})"


def _newer(seed: Token, stored: Token) -> bool:
    """True if ``seed`` was received after ``stored`` (unknown times never count as newer)."""
    if seed.received_at is None:
        return False
    return stored.received_at is None or seed.received_at > stored.received_at
