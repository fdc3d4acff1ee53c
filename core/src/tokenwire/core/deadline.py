"""A flow's deadline: how much of it is left, and the error that ends a flow at it.

Kept apart from the retry rules (:mod:`tokenwire.core.flow`) that consult it. The deadline is
measured on a monotonic clock the flow is given (the core reads no clock of its own), never on the
wall clock of ``expires_at``, so a wall-clock step cannot stretch or cut it.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenwire.core.errors import ConfigurationError, OAuthError, TokenwireError, TransportTimeout

__all__ = ["Budget", "check_deadline"]


def check_deadline(deadline: float) -> float:
    """``deadline`` as a positive, finite float, or a :class:`ConfigurationError`."""
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int | float)
        or not 0 < deadline < float("inf")
    ):
        raise ConfigurationError("deadline must be a positive, finite number of seconds")
    return float(deadline)


#: A timeout this close to the deadline is the deadline's doing (clocks and timers are coarse).
_SLACK = 0.01


class Budget:
    """A flow's deadline (``None``: none): what is left of it, and the error that ends the flow
    at it."""

    __slots__ = ("_end", "_monotonic", "seconds")

    def __init__(self, deadline: float | None, monotonic: Callable[[], float] | None) -> None:
        self.seconds = deadline
        if deadline is None:
            self._end: float | None = None
            return
        if monotonic is None:
            raise TypeError("a flow with a deadline needs a monotonic clock")
        deadline = check_deadline(deadline)
        self._monotonic = monotonic
        self._end = monotonic() + deadline

    def left(self) -> float | None:
        """Seconds left (may be <= 0 once past it), ``None`` without a deadline."""
        if self._end is None:
            return None
        return self._end - self._monotonic()

    def allows(self, delay: float) -> bool:
        """True if, after sleeping ``delay``, some time would be left for another attempt."""
        return self._end is None or self._monotonic() + delay < self._end

    def expired(self, last: TokenwireError | None, attempts: int) -> TokenwireError:
        """The error that ends the flow at its deadline: ``last`` if an OAuth error, else a
        :class:`TransportTimeout` that says what the last failure was."""
        said = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(last, OAuthError):
            last.add_note(f"gave up at the {self.seconds:g} s deadline after {said}")
            return last
        error = TransportTimeout(
            f"the {self.seconds:g} s deadline left no time to try again after {said}"
            + ("" if last is None else f" (last: {last})")
        )
        error.__cause__ = last
        return error

    def final(self, error: TokenwireError, attempts: int) -> TokenwireError:
        """The error a flow ends with when no retry is allowed: ``error``, or at the deadline
        (a timeout of the last attempt's time left) a deadline timeout naming the attempts."""
        if (
            self._end is not None
            and isinstance(error, TransportTimeout)
            and self._monotonic() >= self._end - _SLACK
        ):
            return self.expired(error, attempts)
        return error
