"""A deadline across retries, and steps that say why, in ``token_flow`` (issue 12 items 1 and 3).

The flow is stepped by hand with a fake monotonic clock that each step advances by what it would
take (an attempt by the time it "ran", a sleep by its length), so the test sees exactly what the
flow schedules: no attempt starts and no sleep is scheduled past the deadline, each attempt is
sent with what is left as its timeout, and the flow ends with ``TransportTimeout`` (or the last
OAuth error) naming the attempts made.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpResponse,
    Profile,
    RefreshToken,
    RetryPolicy,
    Send,
    Sleep,
    TemporarilyUnavailable,
    Token,
    TokenwireError,
    TransportError,
    TransportFailure,
    TransportTimeout,
    token_flow,
)
from tokenwire.core.flow import Reply

PROFILE = Profile(token_url="https://as.example.com/token")
CLIENT = ClientAuth("client", "secret")
OK = HttpResponse(
    status=200,
    headers=(("Content-Type", "application/json"),),
    body=b'{"access_token":"AT","token_type":"Bearer","expires_in":300}',
)
BUSY = HttpResponse(
    status=503,
    headers=(("Content-Type", "application/json"), ("Retry-After", "2")),
    body=b'{"error":"temporarily_unavailable"}',
)
RESET = TransportFailure(TransportError("connection reset", sent=False))
TIMED_OUT = TransportFailure(TransportTimeout("read timed out"))


class FakeMonotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stepped:
    """Drive a flow over scripted (reply, seconds the attempt took) pairs on a fake clock."""

    def __init__(
        self,
        script: Sequence[tuple[HttpResponse | TransportFailure, float]],
        *,
        deadline: float | None,
        retry: RetryPolicy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=4.0),  # noqa: B008
        grant: ClientCredentials | RefreshToken = ClientCredentials(),  # noqa: B008
    ) -> None:
        clock = FakeMonotonic()
        self.start = clock.now
        #: (step, fake time when it was yielded)
        self.steps: list[tuple[Send | Sleep, float]] = []
        self.result: Token | TokenwireError
        flow = token_flow(
            PROFILE,
            CLIENT,
            grant,
            clock=lambda: 1_700_000_000.0,
            random=lambda: 0.5,
            retry=retry,
            deadline=deadline,
            monotonic=clock,
        )
        pending = list(script)
        answer: Reply = None
        while True:
            try:
                step = flow.send(answer)
            except StopIteration as stop:
                self.result = stop.value
                break
            except TokenwireError as exc:
                self.result = exc
                break
            self.steps.append((step, clock.now))
            if isinstance(step, Send):
                reply, took = pending.pop(0)
                clock.now += took
                answer = reply
            else:
                clock.now += step.seconds
                answer = None
        self.end = clock.now

    def sends(self) -> list[tuple[Send, float]]:
        return [(s, t) for s, t in self.steps if isinstance(s, Send)]

    def sleeps(self) -> list[tuple[Sleep, float]]:
        return [(s, t) for s, t in self.steps if isinstance(s, Sleep)]


def test_each_attempt_is_sent_with_what_is_left_of_the_deadline_as_its_timeout() -> None:
    run = Stepped([(RESET, 0.5), (RESET, 1.0), (OK, 0.2)], deadline=10.0)
    assert isinstance(run.result, Token)
    for send, at in run.sends():
        assert send.timeout == pytest.approx(run.start + 10.0 - at)
        assert send.request.timeout == send.timeout
    assert [s.attempt for s, _ in run.sends()] == [1, 2, 3]
    assert {s.operation for s, _ in run.sends()} == {"client_credentials"}


def test_no_attempt_or_sleep_is_scheduled_past_the_deadline() -> None:
    # Attempts that each hang 1.5 s, back-off of 0.75 s, 1.5 s, 3 s...: the deadline of 5 s
    # leaves room for two attempts and one sleep; the second sleep would cross it.
    run = Stepped([(TIMED_OUT, 1.5)] * 5, deadline=5.0)
    deadline = run.start + 5.0
    for step, at in run.steps:
        assert at < deadline
        if isinstance(step, Sleep):
            assert at + step.seconds < deadline
        else:
            assert step.timeout is not None
            assert at + step.timeout == pytest.approx(deadline)
    assert run.end <= deadline
    error = run.result
    assert type(error) is TransportTimeout
    assert "5 s deadline" in str(error)
    assert f"after {len(run.sends())} attempts" in str(error)


def test_an_attempt_that_times_out_at_the_deadline_ends_the_flow_naming_the_attempts() -> None:
    # The transport honours the attempt's timeout: the last attempt ends exactly at the deadline.
    run = Stepped([(RESET, 1.0), (TIMED_OUT, 2.5)], deadline=4.0)
    assert len(run.sends()) == 2
    error = run.result
    assert type(error) is TransportTimeout
    assert "4 s deadline" in str(error)
    assert "after 2 attempts" in str(error)
    assert "read timed out" in str(error)


def test_the_last_oauth_error_ends_a_flow_whose_retry_after_would_cross_the_deadline() -> None:
    run = Stepped([(BUSY, 0.1), (BUSY, 0.1)], deadline=3.0)
    # The first Retry-After (2 s) fits; the second would end past the deadline.
    assert [s.seconds for s, _ in run.sleeps()] == [2.0]
    error = run.result
    assert isinstance(error, TemporarilyUnavailable)
    assert any("3 s deadline after 2 attempts" in note for note in error.__notes__)


def test_without_a_deadline_nothing_changes_and_requests_carry_no_timeout() -> None:
    run = Stepped([(RESET, 100.0), (OK, 100.0)], deadline=None)
    assert isinstance(run.result, Token)
    assert [s.timeout for s, _ in run.sends()] == [None, None]


def test_a_sleep_says_why_and_after_which_attempt() -> None:
    run = Stepped([(RESET, 0.0), (BUSY, 0.0), (OK, 0.0)], deadline=None)
    sleeps = [s for s, _ in run.sleeps()]
    assert [(s.reason, s.attempt, s.retry_after) for s in sleeps] == [
        ("TransportError", 1, False),
        ("HTTP 503 temporarily_unavailable", 2, True),
    ]


def test_a_refused_retry_after_is_noted_on_the_error() -> None:
    long_wait = HttpResponse(status=503, headers=(("Retry-After", "120"),))
    run = Stepped([(long_wait, 0.0)], deadline=None)
    error = run.result
    assert isinstance(error, TokenwireError)
    assert any("Retry-After of 120 s" in note for note in error.__notes__)


@pytest.mark.parametrize("deadline", [0, -1.0, float("inf"), float("nan"), True, "3"])
def test_a_deadline_that_is_not_a_positive_number_is_a_configuration_error(
    deadline: object,
) -> None:
    run = Stepped([(OK, 0.0)], deadline=deadline)  # type: ignore[arg-type]
    assert isinstance(run.result, ConfigurationError)
    assert "deadline" in str(run.result)
    assert run.steps == []  # raised at the first step: nothing was sent
