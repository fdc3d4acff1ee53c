"""``TokenAuth`` for httpx (sync; async on asyncio and trio) and requests, over real loopback.

Each test plays one scenario through every client kind (:mod:`tests.bearer_clients`): the
embedded reference provider issues client_credentials tokens to a token source, and a protected
resource server accepts only the token the source stored last. The provider's request count is
the number of renewals; the resource server's record says how often each request was sent and
with which token.
"""

from __future__ import annotations

import logging
import threading

import pytest

from tests.bearer_clients import KINDS, Kind, Outcome, harness, play
from tests.resource_server import INVALID_TOKEN

pytestmark = pytest.mark.parametrize("kind", KINDS)


@pytest.mark.parametrize(
    "challenge",
    [INVALID_TOKEN, None, 'Bearer realm="api"', 'Basic realm="api", Bearer error=invalid_token'],
    ids=["invalid_token", "bare-401", "bearer-without-error", "two-challenges"],
)
def test_a_rejected_token_is_renewed_once_and_the_request_sent_once_more(
    kind: Kind, challenge: str | None
) -> None:
    with harness() as h:
        h.resource.challenge = challenge
        played = play(kind, h, [["bytes"]], warm=h.revoke)
        assert played.phases == [[Outcome(200, (401,))]]
        assert h.token_requests == 2  # the first token, and one renewal
        tokens = h.resource.tokens()
        assert len(tokens) == 2
        assert tokens[0] == h.revoked
        assert tokens[1] not in (None, h.revoked)
        assert [seen.body for seen in h.resource.seen] == [b"tokenwire streamed body"] * 2


def test_a_second_401_is_returned_and_not_retried_again(kind: Kind) -> None:
    with harness() as h:
        h.resource.refuse_all = True
        played = play(kind, h, [["none"]], warm=lambda _: None)
        assert played.phases == [[Outcome(401, (401,))]]
        assert h.resource.requests == 2
        assert h.token_requests == 2


def test_a_401_naming_another_bearer_error_is_returned_without_renewal(kind: Kind) -> None:
    with harness() as h:
        h.resource.challenge = 'Bearer error="insufficient_scope", scope="admin"'
        h.resource.refuse_all = True
        played = play(kind, h, [["none"], ["none"]], warm=lambda _: None)
        assert played.phases == [[Outcome(401, ())], [Outcome(401, ())]]
        assert h.resource.requests == 2
        assert h.token_requests == 1  # the token was not invalidated
        assert len(set(h.resource.tokens())) == 1


def test_a_streamed_body_is_not_sent_again_but_the_next_request_gets_a_new_token(
    kind: Kind,
) -> None:
    with harness() as h:
        played = play(kind, h, [["stream"], ["none"]], warm=h.revoke)
        assert played.phases == [[Outcome(401, ())], [Outcome(200, ())]]
        seen = h.resource.seen
        assert [(s.token == h.revoked, s.chunked, s.body) for s in seen] == [
            (True, True, b"tokenwire streamed body"),
            (False, False, b""),
        ]
        assert h.token_requests == 2


def test_no_token_appears_in_a_log_record_or_the_auth_repr(
    kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with harness() as h:
        played = play(kind, h, [["bytes"]], warm=h.revoke)
        assert played.phases == [[Outcome(200, (401,))]]
        tokens = [token for token in h.resource.tokens() if token is not None]
    assert len(tokens) == 2
    # Every record of the client side: tokenwire, httpx, httpcore, requests, urllib3. The one
    # logger left out is the token endpoint's own (authlib's server, inside the reference
    # provider), which logs each token it issues at DEBUG: that is the server, not the client.
    said = [r.getMessage() for r in caplog.records if not r.name.startswith("authlib.")]
    assert any(r.name.startswith(("httpx", "httpcore", "urllib3")) for r in caplog.records)
    assert any("access token rejected" in line for line in said), said
    for token in tokens:
        assert token not in played.auth_repr
        for line in said:
            assert token not in line
    assert played.auth_repr.startswith("TokenAuth(")


def test_200_concurrent_requests_on_a_cold_source_cause_one_token_request(kind: Kind) -> None:
    with harness(token_delay=0.2) as h:
        played = play(kind, h, [["none"] * 200])
        assert played.phases == [[Outcome(200, ())] * 200]
        assert h.token_requests == 1
        assert len(set(h.resource.tokens())) == 1


def test_50_concurrent_401s_cause_one_renewal(kind: Kind) -> None:
    with harness() as h:
        h.resource.hold_refusals = threading.Barrier(50)
        played = play(kind, h, [["bytes"] * 50], warm=h.revoke)
        assert played.phases == [[Outcome(200, (401,))] * 50]
        assert h.token_requests == 2  # the first token, and one renewal for all 50
        tokens = h.resource.tokens()
        assert tokens.count(h.revoked) == 50
        assert len(set(tokens)) == 2
