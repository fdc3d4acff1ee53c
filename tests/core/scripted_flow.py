"""A harness that steps a sans-IO flow over scripted replies and a fake clock.

Each :class:`~tokenwire.core.Sleep` moves the fake clock forward by exactly its seconds, so a test
can check when each request was sent against the clock the flow was given, with no real waiting.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import msgspec

from tokenwire.core import HttpRequest, HttpResponse, Send, Sleep, TransportError, TransportFailure
from tokenwire.core.flow import Reply, Step

T = TypeVar("T")


class FakeClock:
    """A wall clock that moves only when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def json_reply(status: int, body: object, headers: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    """An HTTP response with ``body`` encoded as JSON."""
    return HttpResponse(
        status=status,
        headers=(("Content-Type", "application/json"), *headers),
        body=msgspec.json.encode(body),
    )


def failure(*, sent: bool) -> TransportFailure:
    """A transport failure, as a driver hands it into a flow."""
    return TransportFailure(TransportError("connection reset", sent=sent))


@dataclass
class Played(Generic[T]):
    """What a flow did: the requests it sent (with the clock reading at each), its sleeps, and
    how it ended (``result``, or ``error``)."""

    sent: list[tuple[float, HttpRequest]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    result: T | None = None
    error: BaseException | None = None

    @property
    def sent_at(self) -> list[float]:
        return [when for when, _ in self.sent]


def play(
    flow: Generator[Step, Reply, T],
    replies: Sequence[HttpResponse | TransportFailure],
    clock: FakeClock,
) -> Played[T]:
    """Step ``flow`` to its end, answering each Send with the next reply (running out fails)."""
    played: Played[T] = Played()
    pending = list(replies)
    reply: Reply = None
    while True:
        try:
            step = flow.send(reply)
        except StopIteration as stop:
            played.result = stop.value
            break
        except Exception as exc:  # the flow's typed error: the test inspects it
            played.error = exc
            break
        if isinstance(step, Sleep):
            played.sleeps.append(step.seconds)
            clock.now += step.seconds
            reply = None
        else:
            assert isinstance(step, Send)
            played.sent.append((clock.now, step.request))
            assert pending, "the flow sent more requests than the script has replies"
            reply = pending.pop(0)
    assert not pending, f"{len(pending)} scripted replies were never asked for"
    return played
