"""Fixtures for the adapters tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.peers import require_executable
from tests.redis_peer import RedisPeer, redis_server
from tests.transport_harness import HARNESSES, Harness
from tests.transport_servers import Server, server_pool


@pytest.fixture(scope="session")
def redis_peer() -> Iterator[RedisPeer]:
    """One real redis-server for the whole run; tests keep apart by key prefix."""
    executable = require_executable(
        "redis-server", "apt-get install -y --no-install-recommends redis-server"
    )
    with redis_server(executable) as peer:
        yield peer


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """``serve(handler, tls=None)`` starts a loopback server, stopped after the test."""
    with server_pool() as start:
        yield start


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request: pytest.FixtureRequest) -> Harness:
    """Each built-in transport in turn, behind the one harness interface."""
    chosen: Harness = request.param
    return chosen
