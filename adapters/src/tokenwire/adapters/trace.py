"""Trace events: what clients and sources report to a callback, for metrics and tracing.

A hook without a dependency: ``trace=`` on :class:`~tokenwire.adapters.client.TokenClient`,
:class:`~tokenwire.adapters.source.TokenSource` and their async twins takes one callable, or a
sequence of them, each called with every :data:`TraceEvent` as it happens (synchronously, in the
thread or task doing the work). ``docs/operability.md`` shows them feeding OpenTelemetry spans and
Prometheus-style counters in a few lines.

Events are frozen dataclasses holding only what may be shown: URLs and keys have been through
:func:`tokenwire.core.redact.scrub`, errors are named by their class, never quoted. A callback
that raises does not break the token request: its error is logged (``tokenwire.trace``) and the
other callbacks still run. Nothing is reported on the cached hot path (a fresh token handed out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "LeaseWaited",
    "RenewalFinished",
    "RenewalStarted",
    "RequestFinished",
    "RequestStarted",
    "RetryScheduled",
    "StoreFailed",
    "TraceCallback",
    "TraceEvent",
    "Tracing",
]


@dataclass(frozen=True, slots=True)
class RequestStarted:
    """A request is about to be sent (``attempt`` counts from 1)."""

    operation: str
    method: str
    url: str
    attempt: int
    #: What is left of the operation's deadline, if it has one (seconds).
    timeout: float | None


@dataclass(frozen=True, slots=True)
class RequestFinished:
    """A request's exchange ended: ``status`` when a response came, else the ``error`` class."""

    operation: str
    method: str
    url: str
    attempt: int
    status: int | None
    #: Seconds from sending to the whole response read (or the failure).
    duration: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """The flow will try again after ``delay`` seconds, because of ``reason``."""

    reason: str
    delay: float
    #: The attempt that failed.
    attempt: int
    #: True when the server's ``Retry-After`` set the delay.
    retry_after: bool


@dataclass(frozen=True, slots=True)
class RenewalStarted:
    """A token source started renewing the token stored under ``key``."""

    key: str


@dataclass(frozen=True, slots=True)
class RenewalFinished:
    """A token source's renewal ended: a token in hand, or the ``error`` class it raised.

    ``fetched`` is true when this source got the token from the token endpoint (false: another
    holder stored it meanwhile); ``rotated`` whether the server sent a new refresh token.
    """

    key: str
    duration: float
    expires_at: float | None = None
    fetched: bool = False
    rotated: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LeaseWaited:
    """A source waited ``waited`` seconds on another holder's refresher lease.

    ``took_over`` is true when it then took the lease itself because the other holder stored no
    new token (it failed, or died and its lease expired).
    """

    key: str
    waited: float
    took_over: bool


@dataclass(frozen=True, slots=True)
class StoreFailed:
    """A token store operation (``get``, ``compare_and_set``, ``acquire_lease``, ...) raised."""

    key: str
    operation: str
    error: str


#: Every event a trace callback may receive.
TraceEvent = (
    RequestStarted
    | RequestFinished
    | RetryScheduled
    | RenewalStarted
    | RenewalFinished
    | LeaseWaited
    | StoreFailed
)
#: A trace callback.
TraceCallback = Callable[[TraceEvent], object]
#: What ``trace=`` accepts: one callback, several, or none.
Tracing = TraceCallback | Sequence[TraceCallback] | None
