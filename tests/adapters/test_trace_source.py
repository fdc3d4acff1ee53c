"""Trace events of a token source (issue 12 item 2): renewals, lease waits and store failures.

Against the replay server over loopback: a renewal that waits on a dead holder's lease, takes it
over and gets a rotated refresh token reports, in order, its start, the lease wait, the request
and its end (fetched, rotated); a store that fails reports which operation failed, and logs it
under ``tokenwire.store``; the cached hot path reports nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from tests.ops_replies import Ticking, token_reply
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.stores import MemoryStore, StoredToken, StoreError
from tokenwire.adapters.trace import (
    LeaseWaited,
    RenewalFinished,
    RenewalStarted,
    RequestFinished,
    RequestStarted,
    StoreFailed,
)
from tokenwire.conformance.replay import ReplayServer
from tokenwire.core import ClientAuth, ClientCredentials, Profile, Token

KEY = "svc/billing"
CLIENT = ClientAuth("trace-client", "TraceSourceSecret-2e8d51")
ROTATED = token_reply(
    access_token="TraceAccess-9a7b3c", expires_in=3600, refresh_token="TraceRefreshNew-4c2d19"
)


class BrokenStore(MemoryStore):
    """A store whose reads fail, as a Redis that went away does."""

    def get(self, key: str) -> StoredToken | None:
        raise StoreError("the store is unreachable")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


def test_a_renewal_reports_its_start_the_lease_wait_the_request_and_its_end(
    server: ReplayServer,
) -> None:
    now = time.time()
    store = MemoryStore(monotonic=Ticking())
    old = Token(
        access_token="TraceAccessOld-1f0e2d",
        token_type="Bearer",
        expires_in=60,
        refresh_token="TraceRefreshOld-6b5a48",
        expires_at=now - 10,
        received_at=now - 70,
    )
    store.compare_and_set(KEY, None, old)
    assert store.acquire_lease(KEY, 1.5) is not None  # its holder dies: expired at the 2nd look
    server.arm([ROTATED])
    events: list[object] = []
    profile = Profile(token_url=f"{server.base_url}/token")
    with TokenClient(profile, CLIENT, StdlibTransport()) as client:
        source = TokenSource(client, store=store, key=KEY, trace=events.append)
        source.access_token()
        count = len(events)
        source.access_token()  # cached: nothing reported
        assert len(events) == count
    assert [type(e) for e in events] == [
        RenewalStarted,
        LeaseWaited,
        RequestStarted,
        RequestFinished,
        RenewalFinished,
    ]
    waited, finished = events[1], events[-1]
    assert isinstance(waited, LeaseWaited)
    assert (waited.key, waited.took_over) == (KEY, True)
    assert isinstance(finished, RenewalFinished)
    assert (finished.key, finished.fetched, finished.rotated, finished.error) == (
        KEY,
        True,
        True,
        None,
    )
    assert finished.expires_at is not None
    assert finished.expires_at > now


def test_a_store_failure_is_reported_and_logged_then_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[object] = []
    client = TokenClient(Profile(token_url="http://127.0.0.1:9/token"), CLIENT, StdlibTransport())
    source = TokenSource(
        client, ClientCredentials(), store=BrokenStore(), key=KEY, trace=events.append
    )
    with caplog.at_level(logging.WARNING, logger="tokenwire.store"), pytest.raises(StoreError):
        source.access_token()
    assert events[1:] == [
        StoreFailed(KEY, "get", "StoreError"),
        RenewalFinished(KEY, events[-1].duration, error="StoreError"),  # type: ignore[attr-defined]
    ]
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("tokenwire.store", "get on key 'svc/billing' failed: StoreError: the store is unreachable")
    ]
