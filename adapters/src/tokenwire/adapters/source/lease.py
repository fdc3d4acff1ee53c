"""How long a refresher may hold the store's lease, and how often the others look meanwhile.

A lease shorter than the longest token request could expire under a refresher that is still
working and let a second one start with the same refresh token; one much longer makes a crashed
holder block everyone for longer. :func:`default_lease_ttl` sizes it from the client's retry policy
and its transport's declared timeouts. :func:`poll_delay` paces the processes that wait on
someone else's lease. Both are pure arithmetic, kept apart from the renewal that uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from tokenwire.adapters.transport import DEFAULT_OPTIONS, transport_options
from tokenwire.core import ConfigurationError, RetryPolicy

__all__ = [
    "LEASE_MARGIN",
    "RetryingClient",
    "default_lease_ttl",
    "poll_delay",
    "seconds",
]

#: Added to the longest a token request can take, for the store operations around it.
LEASE_MARGIN = 15.0
#: First and longest pause between two looks at the store while another process refreshes.
POLL_FIRST = 0.01
POLL_MAX = 0.25


class RetryingClient(Protocol):
    """What lease sizing reads from a client: its retry policy (and its transport, if any)."""

    @property
    def retry(self) -> RetryPolicy: ...


def default_lease_ttl(client: RetryingClient) -> float:
    """The longest one token request through ``client`` can take, plus :data:`LEASE_MARGIN`.

    Every attempt may use the transport's whole ``total_timeout`` (30 s if the transport does not
    say), and between attempts the flow may wait up to the larger of its back-off cap and its
    ``Retry-After`` cap. A lease shorter than this could expire under a refresher that is still
    working, letting a second one start with the same refresh token.
    """
    retry = client.retry
    transport = getattr(client, "transport", None)
    options = None if transport is None else transport_options(transport)
    per_try = (options or DEFAULT_OPTIONS).total_timeout
    attempts = max(1, retry.max_attempts)
    waits = (attempts - 1) * max(retry.max_delay, retry.max_retry_after)
    return attempts * per_try + waits + LEASE_MARGIN


def poll_delay(polls: int, left: float, random: Callable[[], float]) -> float:
    """Growing, jittered pause before look number ``polls`` at the store, never past ``left``."""
    ceiling = min(POLL_MAX, POLL_FIRST * 2.0 ** (polls - 1))
    delay = ceiling / 2 + ceiling / 2 * random()
    return max(0.001, min(delay, left))


def seconds(value: float, what: str) -> float:
    """``value`` as a positive, finite float, or a :class:`ConfigurationError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigurationError(f"{what} must be a finite number of seconds")
    if value <= 0:
        raise ConfigurationError(f"{what} must be positive, got {value!r}")
    return float(value)
