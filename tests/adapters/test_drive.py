"""``drive`` and ``adrive``: one loop per mode, stepping any sans-IO generator.

Each test runs in both modes, over real transports (stdlib and async httpcore) to the loopback
replay server: a ``Send`` goes to the transport, a ``Sleep`` to the sleep, any other step to
``perform``, and whatever goes wrong while performing a step is thrown into the generator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterator
from typing import Any

import msgspec
import pytest

from tokenwire.adapters.drive import adrive, drive
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import HttpRequest, Send, Sleep, TransportFailure

MODES = ["sync", "asyncio"]


class Note(msgspec.Struct, frozen=True):
    """A step of the tests' own, which only ``perform`` understands."""

    text: str


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt or a cancellation arriving during a step."""


Steps = Generator[object, Any, Any]


def run(
    mode: str,
    flow: Steps,
    *,
    perform: Callable[[Any], object] | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
) -> Any:
    """Step ``flow`` with ``drive`` (sync) or ``adrive`` (asyncio), the same callbacks for both."""
    if mode == "sync":
        with StdlibTransport() as transport:
            if perform is None:
                return drive(flow, transport, sleep=sleep)
            return drive(flow, transport, sleep=sleep, perform=perform)

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    async def aperform(step: Any) -> object:
        assert perform is not None
        return perform(step)

    async def main() -> Any:
        async with AsyncHttpcoreTransport() as transport:
            if perform is None:
                return await adrive(flow, transport, sleep=asleep)
            return await adrive(flow, transport, sleep=asleep, perform=aperform)

    return asyncio.run(main())


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


def post(replay: ReplayServer) -> HttpRequest:
    return HttpRequest(
        method="POST",
        url=f"{replay.base_url}/token",
        headers=(("content-type", "application/x-www-form-urlencoded"),),
        body=b"grant_type=client_credentials",
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_step_that_is_neither_send_nor_sleep_goes_to_perform_and_its_result_comes_back(
    mode: str,
) -> None:
    def flow() -> Steps:
        first = yield Note("one")
        second = yield Note("two")
        return [first, second]

    assert run(mode, flow(), perform=lambda note: note.text.upper()) == ["ONE", "TWO"]


@pytest.mark.parametrize("mode", MODES)
def test_a_transport_error_comes_back_into_the_flow_as_a_transport_failure_value(
    mode: str, replay: ReplayServer
) -> None:
    replay.arm([ScriptedReply(action="reset")])

    def flow() -> Steps:
        reply = yield Send(post(replay))
        return reply

    reply = run(mode, flow())
    assert isinstance(reply, TransportFailure)
    assert replay.take().requests == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_error_raised_by_perform_is_thrown_into_the_flow_at_its_step(mode: str) -> None:
    def perform(note: Note) -> object:
        raise ValueError(f"cannot do {note.text}")

    def flow() -> Steps:
        try:
            yield Note("this")
        except ValueError as exc:
            return f"caught: {exc}"
        return "not thrown in"

    assert run(mode, flow(), perform=perform) == "caught: cannot do this"


@pytest.mark.parametrize("mode", MODES)
def test_an_interrupted_sleep_lets_the_flow_clean_up_before_the_interruption_leaves(
    mode: str,
) -> None:
    done: list[str] = []

    def sleep(seconds: float) -> None:
        raise Interrupted

    def flow() -> Steps:
        yield Note("take the lease")
        try:
            yield Sleep(1.0)
        except BaseException:
            yield Note("release the lease")  # still driven: the driver performs it
            raise
        return "slept"

    with pytest.raises(Interrupted):
        run(mode, flow(), perform=lambda note: done.append(note.text), sleep=sleep)
    assert done == ["take the lease", "release the lease"]


@pytest.mark.parametrize("mode", MODES)
def test_a_step_without_a_perform_is_a_type_error_thrown_into_the_flow(mode: str) -> None:
    def flow() -> Steps:
        try:
            yield Note("orphan")
        except TypeError as exc:
            return str(exc)
        return "performed"

    assert run(mode, flow()) == "this driver has no perform for a Note step"
