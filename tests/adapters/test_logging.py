"""Log records (issue 12 item 1): what a renewal logs, at which level, and that nothing is secret.

The renewal under test waits on a lease held by a dead holder, takes it over, refreshes, gets a
503 with ``Retry-After``, retries, and receives a rotated refresh token, all against the replay
server over loopback. The record list it produces is asserted whole (numbers that vary, such as
ports, milliseconds and dates, are normalized). Every record of every flow run here, at DEBUG, is
searched for the secrets involved: its message, its ``args`` and its formatted text.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator

import pytest

from tests.ops_replies import BUSY, Ticking, token_reply
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.stores import MemoryStore
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.vectors import CannedResponse
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    Profile,
    ReauthorizationRequired,
    RetryPolicy,
    Token,
    TokenwireError,
    TransportTimeout,
)

SECRET = "LogClientSecret-93be1f"
OLD_REFRESH = "OldRefreshSecret-7c0d2a"
NEW_REFRESH = "NewRefreshSecret-e41b96"
OLD_ACCESS = "OldAccessSecret-11d7f3"
NEW_ACCESS = "NewAccessSecret-5a8c02"
SECRETS = (SECRET, OLD_REFRESH, NEW_REFRESH, OLD_ACCESS, NEW_ACCESS)
CLIENT = ClientAuth("log-client", SECRET)
KEY = "svc/orders"

ROTATED = token_reply(access_token=NEW_ACCESS, expires_in=3600, refresh_token=NEW_REFRESH)
INVALID_GRANT = ScriptedReply(
    response=CannedResponse(
        status=400,
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"error": "invalid_grant", "error_description": OLD_REFRESH}),
    )
)
QUICK = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every tokenwire record at DEBUG; after the test, each is checked for secrets."""
    caplog.set_level(logging.DEBUG, logger="tokenwire")
    yield caplog
    for record in caplog.get_records("call"):
        assert_no_secret(record)


def assert_no_secret(record: logging.LogRecord) -> None:
    texts = [str(record.msg), record.getMessage(), repr(record.args)]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{record.name} record leaks a secret: {text}"


def normalized(records: list[logging.LogRecord]) -> list[tuple[str, str, str]]:
    def norm(text: str) -> str:
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<when>", text)
        text = re.sub(r"127\.0\.0\.1:\d+", "<server>", text)
        return re.sub(r"\d+(\.\d+)?(e-?\d+)?", "N", text)

    return [(r.name, r.levelname, norm(r.getMessage())) for r in records]


def expired_token() -> Token:
    now = time.time()
    return Token(
        access_token=OLD_ACCESS,
        token_type="Bearer",
        expires_in=60,
        refresh_token=OLD_REFRESH,
        expires_at=now - 10,
        received_at=now - 70,
    )


def test_a_refresh_with_a_lease_wait_a_retry_and_a_rotation_logs_these_records(
    server: ReplayServer, logs: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore(monotonic=Ticking())
    store.compare_and_set(KEY, None, expired_token())
    # A holder that dies with its lease: it expires after the source's first look at it.
    assert store.acquire_lease(KEY, 1.5) is not None
    server.arm([BUSY, ROTATED])
    profile = Profile(token_url=f"{server.base_url}/token")
    with TokenClient(profile, CLIENT, StdlibTransport(), retry=QUICK) as client:
        source = TokenSource(client, store=store, key=KEY)
        assert source.access_token() == NEW_ACCESS
        renewal = list(logs.records)
        assert source.access_token() == NEW_ACCESS  # the cached hot path logs nothing
        assert logs.records == renewal
    assert server.take().requests == 2
    url = "http://<server>/token"
    assert normalized(renewal) == [
        (
            "tokenwire.source",
            "INFO",
            "waited N s for another refresher of key 'svc/orders'; took over its lease: "
            "it stored no new token (it failed, or died)",
        ),
        ("tokenwire.flow", "DEBUG", f"sending POST {url} (refresh_token, attempt N, N s left)"),
        ("tokenwire.flow", "DEBUG", f"response N from {url} in N ms (attempt N)"),
        (
            "tokenwire.flow",
            "WARNING",
            "attempt N failed (HTTP N temporarily_unavailable); retrying in N s, "
            "as its Retry-After asks",
        ),
        ("tokenwire.flow", "DEBUG", f"sending POST {url} (refresh_token, attempt N, N s left)"),
        ("tokenwire.flow", "DEBUG", f"response N from {url} in N ms (attempt N)"),
        (
            "tokenwire.source",
            "INFO",
            "renewed the token of key 'svc/orders': expires <when>, refresh token rotated",
        ),
    ]


def test_an_invalid_grant_that_forces_reauthorization_is_a_warning(
    server: ReplayServer, logs: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    store.compare_and_set(KEY, None, expired_token())
    server.arm([INVALID_GRANT])
    profile = Profile(token_url=f"{server.base_url}/token")
    with TokenClient(profile, CLIENT, StdlibTransport(), retry=QUICK) as client:
        source = TokenSource(client, store=store, key=KEY)
        with pytest.raises(ReauthorizationRequired):
            source.access_token()
    warnings = [(r.name, r.getMessage()) for r in logs.records if r.levelno == logging.WARNING]
    assert warnings == [
        (
            "tokenwire.source",
            "the authorization server refused the refresh token of key 'svc/orders' "
            "(invalid_grant): re-authorization is needed",
        )
    ]


def test_a_refused_retry_after_is_a_warning(
    server: ReplayServer, logs: pytest.LogCaptureFixture
) -> None:
    too_long = ScriptedReply(
        response=CannedResponse(status=429, headers=[("Retry-After", "600")], body="")
    )
    server.arm([too_long])
    profile = Profile(token_url=f"{server.base_url}/token")
    client = TokenClient(profile, CLIENT, StdlibTransport(), retry=QUICK)
    with client, pytest.raises(TokenwireError, match="429") as raised:
        client.request(ClientCredentials())
    assert "Retry-After" in str(raised.value.__notes__)
    warnings = [(r.name, r.getMessage()) for r in logs.records if r.levelno == logging.WARNING]
    assert warnings == [
        ("tokenwire.flow", "Retry-After of 600 s is over the 30 s cap: not waited for; giving up")
    ]


def test_a_request_ended_by_its_deadline_logs_each_attempt_and_retry(
    server: ReplayServer, logs: pytest.LogCaptureFixture
) -> None:
    server.arm([ScriptedReply(action="stall")] * 3)
    profile = Profile(token_url=f"{server.base_url}/token")
    transport = StdlibTransport()
    client = TokenClient(profile, CLIENT, transport, retry=QUICK, deadline=0.3)
    with client, pytest.raises(TransportTimeout):
        client.request(ClientCredentials())
    seen = server.take().requests
    sent = [r for r in logs.records if r.getMessage().startswith("sending POST")]
    # The server saw the attempts whose request reached it: the last may end before that.
    assert 1 <= seen <= len(sent) <= 3
    levels = [(r.name, r.levelname) for r in logs.records]
    assert levels.count(("tokenwire.flow", "DEBUG")) == 2 * len(sent)
    assert levels.count(("tokenwire.flow", "WARNING")) == len(sent) - 1
    warnings = [r.getMessage() for r in logs.records if r.levelno == logging.WARNING]
    assert all("failed (TransportTimeout); retrying in" in w for w in warnings)
