"""Drivers: step a sans-IO generator to its end, synchronously or asynchronously.

All the logic (what to send, when to retry, how long to wait, what to read or write) is in the
generator; a driver only performs the steps it yields and sends back what happened. There is one
loop per mode, :func:`drive` and :func:`adrive`, and they differ only by ``await``:

* a :class:`~tokenwire.core.Send` goes to the transport; a
  :class:`~tokenwire.core.TransportError` comes back *into* the generator as a
  :class:`~tokenwire.core.TransportFailure` value, so the flow, not the driver, decides whether to
  retry;
* a :class:`~tokenwire.core.Sleep` goes to the sleep;
* any other step goes to the ``perform`` callback (a token source's store operations, for
  instance), and its result is sent back.

Any other exception raised while performing a step (by the transport, the sleep or ``perform``,
``KeyboardInterrupt`` and cancellation included) is thrown into the generator with ``throw``, so
that the generator can clean up (a token source releases its lease) before the error leaves.

Each request, response and retry is reported to an ``observer``
(:class:`~tokenwire.adapters.observe.Observer`: log records under ``tokenwire.flow`` and trace
events); by default one that only logs. A per-attempt time limit travels on the request
(:attr:`~tokenwire.core.HttpRequest.timeout`), so the transport is called as ``send(request)``
whatever it supports.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from tokenwire.adapters.observe import QUIET, Observer
from tokenwire.adapters.transport import AsyncTransport, Transport
from tokenwire.core import Send, Sleep, TransportError, TransportFailure

__all__ = ["adrive", "drive"]

T = TypeVar("T")

#: What a driver steps: any generator that yields steps and receives their results.
Steps = Generator[object, Any, T]


def _unknown(step: object) -> Any:
    raise TypeError(f"this driver has no perform for a {type(step).__name__} step")


async def _aunknown(step: object) -> Any:
    _unknown(step)


def drive(
    flow: Steps[T],
    transport: Transport,
    *,
    sleep: Callable[[float], None] = time.sleep,
    perform: Callable[[Any], object] = _unknown,
    observer: Observer = QUIET,
) -> T:
    """Run ``flow`` to completion over a sync ``transport``; other steps go to ``perform``."""
    reply: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.send(reply) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except Exception as exc:
            observer.ended(exc)
            raise
        reply, error = None, None
        try:
            if isinstance(step, Send):
                started = observer.sending(step)
                try:
                    reply = transport.send(step.request)
                except TransportError as exc:
                    reply = TransportFailure(exc)
                    observer.answered(step, exc, started)
                else:
                    observer.answered(step, reply, started)
            elif isinstance(step, Sleep):
                observer.sleeping(step)
                sleep(step.seconds)
            else:
                reply = perform(step)
        except BaseException as exc:  # thrown into the flow, which cleans up and re-raises it
            error = exc


async def adrive(
    flow: Steps[T],
    transport: AsyncTransport,
    *,
    sleep: Callable[[float], Awaitable[object]],
    perform: Callable[[Any], Awaitable[object]] = _aunknown,
    observer: Observer = QUIET,
) -> T:
    """Run ``flow`` to completion over an async ``transport``: :func:`drive` with ``await``.

    ``sleep`` is the event loop's sleep; ``perform`` returns an awaitable.
    """
    reply: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.send(reply) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except Exception as exc:
            observer.ended(exc)
            raise
        reply, error = None, None
        try:
            if isinstance(step, Send):
                started = observer.sending(step)
                try:
                    reply = await transport.send(step.request)
                except TransportError as exc:
                    reply = TransportFailure(exc)
                    observer.answered(step, exc, started)
                else:
                    observer.answered(step, reply, started)
            elif isinstance(step, Sleep):
                observer.sleeping(step)
                await sleep(step.seconds)
            else:
                reply = await perform(step)
        except BaseException as exc:  # thrown into the flow, which cleans up and re-raises it
            error = exc
