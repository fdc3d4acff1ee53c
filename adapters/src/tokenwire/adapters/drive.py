"""Drivers: step a core flow over a transport, synchronously or asynchronously.

All the protocol logic (what to send, when to retry, how long to wait) is in the flow; a driver
only performs the I/O the flow asks for. A transport failure is handed back *into* the flow as a
:class:`~tokenwire.core.TransportFailure`, so the flow, not the driver, decides whether to retry.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator
from typing import TypeVar

from tokenwire.adapters.transport import AsyncTransport, Transport
from tokenwire.core import Send, TransportError, TransportFailure
from tokenwire.core.flow import Reply, Step

T = TypeVar("T")


def drive(
    flow: Generator[Step, Reply, T],
    transport: Transport,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``flow`` to completion over a sync ``transport``."""
    reply: Reply = None
    while True:
        try:
            step = flow.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if isinstance(step, Send):
            try:
                reply = transport.send(step.request)
            except TransportError as exc:
                reply = TransportFailure(exc)
        else:
            sleep(step.seconds)
            reply = None


async def adrive(
    flow: Generator[Step, Reply, T],
    transport: AsyncTransport,
    *,
    sleep: Callable[[float], Awaitable[object]],
) -> T:
    """Run ``flow`` to completion over an async ``transport``; ``sleep`` is the loop's sleep."""
    reply: Reply = None
    while True:
        try:
            step = flow.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if isinstance(step, Send):
            try:
                reply = await transport.send(step.request)
            except TransportError as exc:
                reply = TransportFailure(exc)
        else:
            await sleep(step.seconds)
            reply = None
