"""``token_flow`` driven by hand: scripted replies, injected clock and randomness.

The retry rules under test (docs/design.md "Retries", issue 3 item 1): 429/503 honour Retry-After
(seconds or HTTP date, capped); 500/502/504 and ``server_error``/``temporarily_unavailable`` are
retried only for grants safe to repeat; a failed connect is retried for any grant, a failure after
sending only for repeatable grants; other OAuth errors never; attempts are bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    ExtensionGrant,
    Grant,
    HttpResponse,
    InvalidClient,
    InvalidGrant,
    OAuthError,
    Profile,
    ProtocolError,
    RefreshToken,
    RetryPolicy,
    Send,
    ServerError,
    Sleep,
    TemporarilyUnavailable,
    Token,
    TokenwireError,
    TransportError,
    TransportFailure,
    prepare_token_request,
    token_flow,
)
from tokenwire.core.flow import Reply, Step, retry_after

NOW = 1_700_000_000.0
PROFILE = Profile(token_url="https://as.example.com/token")
CLIENT = ClientAuth("client", "secret")
CC = ClientCredentials(scope="read")
REFRESH = RefreshToken("RT")
CODE = AuthorizationCode("CODE", "https://app.example/cb", "v" * 43)
POLICY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=8.0, max_retry_after=30.0)

OK = HttpResponse(
    status=200,
    headers=(("Content-Type", "application/json"),),
    body=b'{"access_token":"AT","token_type":"Bearer","expires_in":300}',
)


def reply(status: int, body: object = b"", headers: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    return HttpResponse(status=status, headers=tuple(headers), body=raw)


def failure(*, sent: bool) -> TransportFailure:
    return TransportFailure(TransportError("connection reset", sent=sent))


class Run:
    """The steps a flow yielded and how it ended, driven over a scripted list of replies."""

    def __init__(
        self,
        grant: Grant,
        replies: Sequence[HttpResponse | TransportFailure],
        *,
        retry: RetryPolicy = POLICY,
        random: float = 0.5,
        clock: float = NOW,
    ) -> None:
        self.randoms = 0
        self.steps: list[Step] = []
        self.result: Token | TokenwireError

        def rnd() -> float:
            self.randoms += 1
            return random

        flow = token_flow(PROFILE, CLIENT, grant, clock=lambda: clock, random=rnd, retry=retry)
        pending = list(replies)
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
            self.steps.append(step)
            if isinstance(step, Send):
                assert pending, "the flow sent more requests than the script has replies"
                answer = pending.pop(0)
            else:
                answer = None
        assert not pending, "the flow stopped before using every scripted reply"

    @property
    def sleeps(self) -> list[float]:
        return [s.seconds for s in self.steps if isinstance(s, Sleep)]

    @property
    def sends(self) -> int:
        return sum(isinstance(s, Send) for s in self.steps)

    def token(self) -> Token:
        assert isinstance(self.result, Token), f"expected a token, got {self.result!r}"
        return self.result

    def error(self) -> TokenwireError:
        assert isinstance(self.result, TokenwireError), f"expected an error, got {self.result!r}"
        return self.result


def test_success_sends_the_prepared_request_once() -> None:
    run = Run(CC, [OK])
    assert run.steps == [Send(prepare_token_request(PROFILE, CLIENT, CC), 1, "client_credentials")]
    token = run.token()
    assert token.access_token == "AT"
    assert token.received_at == NOW
    assert token.expires_at == NOW + 300


def test_429_with_retry_after_seconds_sleeps_then_succeeds() -> None:
    run = Run(REFRESH, [reply(429, headers=[("Retry-After", "2")]), OK])
    assert run.sleeps == [2.0]
    assert [type(s) for s in run.steps] == [Send, Sleep, Send]
    assert run.token().access_token == "AT"
    assert run.randoms == 0


def test_retry_after_as_an_http_date_uses_the_injected_clock() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW + 7, tz=UTC), usegmt=True)
    run = Run(CC, [reply(503, headers=[("retry-after", when)]), OK])
    assert run.sleeps == [7.0]
    past = format_datetime(datetime.fromtimestamp(NOW - 60, tz=UTC), usegmt=True)
    assert Run(CC, [reply(503, headers=[("Retry-After", past)]), OK]).sleeps == [0.0]


def test_retry_after_over_the_cap_raises_without_sleeping() -> None:
    body = {"error": "temporarily_unavailable"}
    run = Run(CC, [reply(503, body, headers=[("Retry-After", "31")])])
    assert run.sleeps == []
    assert isinstance(run.error(), TemporarilyUnavailable)
    far = format_datetime(datetime.fromtimestamp(NOW + 3600, tz=UTC), usegmt=True)
    run = Run(CC, [reply(429, headers=[("Retry-After", far)])])
    assert run.sleeps == []
    assert isinstance(run.error(), ProtocolError)
    assert run.error().status == 429  # type: ignore[attr-defined]


@pytest.mark.parametrize("random", [0.0, 0.5, 0.999999])
def test_503_without_retry_after_backs_off_with_jitter(random: float) -> None:
    run = Run(CC, [reply(503), reply(503), OK], random=random)
    first, second = run.sleeps
    assert 0.5 <= first < 1.0, "attempt 1: between half and all of base_delay"
    assert 1.0 <= second < 2.0, "attempt 2: the ceiling doubles"
    assert run.randoms == 2
    run.token()


def test_back_off_is_capped_by_max_delay() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=1.0, max_delay=3.0)
    run = Run(CC, [reply(502)] * 7 + [OK], retry=policy, random=0.999999)
    assert all(s < 3.0 for s in run.sleeps)
    assert run.sleeps[-1] > 2.9


def test_unknown_error_codes_follow_the_status_rules() -> None:
    run = Run(REFRESH, [reply(429, {"error": "rate_limited"}, [("Retry-After", "1")]), OK])
    assert run.sleeps == [1.0]
    assert Run(REFRESH, [reply(500, {"error": "oops"})]).sends == 1
    assert Run(CC, [reply(500, {"error": "oops"}), OK]).sends == 2


def test_garbage_retry_after_falls_back_to_back_off() -> None:
    run = Run(CC, [reply(429, headers=[("Retry-After", "soon")]), OK], random=0.0)
    assert run.sleeps == [0.5]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_is_retried_for_client_credentials(status: int) -> None:
    run = Run(CC, [reply(status, b"<h1>oops</h1>"), OK])
    assert run.sends == 2
    run.token()


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("grant", [REFRESH, CODE], ids=["refresh_token", "authorization_code"])
def test_5xx_is_not_retried_for_grants_that_are_not_repeatable(status: int, grant: Grant) -> None:
    run = Run(grant, [reply(status, b"<h1>oops</h1>")])
    assert run.sends == 1
    error = run.error()
    assert isinstance(error, ProtocolError)
    assert error.status == status


@pytest.mark.parametrize("code", ["server_error", "temporarily_unavailable"])
@pytest.mark.parametrize("status", [200, 400])
def test_transient_oauth_errors_are_retried_only_for_repeatable_grants(
    code: str, status: int
) -> None:
    body = {"error": code}
    assert Run(CC, [reply(status, body), OK]).sends == 2
    for grant in (REFRESH, CODE):
        run = Run(grant, [reply(status, body)])
        assert run.sends == 1
        assert isinstance(run.error(), ServerError | TemporarilyUnavailable)


@pytest.mark.parametrize(
    ("body", "status", "cls"),
    [
        ({"error": "invalid_grant"}, 400, InvalidGrant),
        ({"error": "invalid_client"}, 401, InvalidClient),
        ({"error": "invalid_client"}, 500, InvalidClient),
        ({"error": "invalid_grant"}, 503, InvalidGrant),
        ({"error": "invalid_request"}, 429, OAuthError),
        ({"error": "slow_down"}, 400, OAuthError),
        (b"<html>not json</html>", 400, ProtocolError),
        (b'{"token_type":"Bearer"}', 200, ProtocolError),
    ],
)
def test_other_errors_are_never_retried(body: object, status: int, cls: type[Exception]) -> None:
    run = Run(CC, [reply(status, body, headers=[("Retry-After", "1")])])
    assert run.sends == 1
    assert run.sleeps == []
    assert isinstance(run.error(), cls)


@pytest.mark.parametrize("grant", [CC, REFRESH, CODE], ids=lambda g: g.grant_type)
def test_failed_connect_is_retried_for_any_grant(grant: Grant) -> None:
    run = Run(grant, [failure(sent=False), OK])
    assert [type(s) for s in run.steps] == [Send, Sleep, Send]
    run.token()


def test_failure_after_sending_is_retried_only_for_client_credentials() -> None:
    assert Run(CC, [failure(sent=True), OK]).sends == 2
    for grant in (REFRESH, CODE):
        lost = failure(sent=True)
        run = Run(grant, [lost])
        assert run.sends == 1
        assert run.error() is lost.error


def test_extension_grants_are_retried_only_when_declared_repeatable() -> None:
    once = ExtensionGrant("urn:example:grant")
    assert Run(once, [reply(500)]).sends == 1
    assert Run(once, [failure(sent=True)]).sends == 1
    again = ExtensionGrant("urn:example:grant", repeatable=True)
    assert Run(again, [reply(500), failure(sent=True), OK]).sends == 3


def test_attempts_are_bounded_and_the_last_error_is_typed() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.01)
    body = {"error": "temporarily_unavailable", "error_description": "try later"}
    run = Run(CC, [reply(503, body)] * 4, retry=policy)
    assert run.sends == 4
    assert len(run.sleeps) == 3
    error = run.error()
    assert isinstance(error, TemporarilyUnavailable)
    assert error.status == 503
    assert error.description == "try later"


def test_transport_failures_are_bounded_too() -> None:
    policy = RetryPolicy(max_attempts=2)
    last = failure(sent=False)
    run = Run(REFRESH, [failure(sent=False), last], retry=policy)
    assert run.sends == 2
    assert run.error() is last.error


def test_single_attempt_policy_never_retries() -> None:
    run = Run(CC, [reply(503, headers=[("Retry-After", "1")])], retry=RetryPolicy(max_attempts=1))
    assert run.sends == 1
    assert isinstance(run.error(), ProtocolError)


def test_a_reply_that_is_not_a_response_is_a_driver_bug() -> None:
    flow = token_flow(PROFILE, CLIENT, CC, clock=lambda: NOW, random=lambda: 0.5)
    assert isinstance(next(flow), Send)
    with pytest.raises(TypeError, match="HttpResponse"):
        flow.send(None)


@settings(max_examples=300, deadline=None, database=None)
@given(
    value=st.text(max_size=40)
    | st.from_regex(r"\A[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{1,6} [\d:]{1,9} [A-Z+\-0-9]{0,5}\Z")
)
def test_retry_after_never_raises(value: str) -> None:
    delay = retry_after(reply(429, headers=[("Retry-After", value)]), lambda: NOW)
    assert delay is None or delay >= 0.0
