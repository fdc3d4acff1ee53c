"""Fixtures for the adapters tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.peers import require_executable
from tests.redis_peer import RedisPeer, redis_server


@pytest.fixture(scope="session")
def redis_peer() -> Iterator[RedisPeer]:
    """One real redis-server for the whole run; tests keep apart by key prefix."""
    executable = require_executable(
        "redis-server", "apt-get install -y --no-install-recommends redis-server"
    )
    with redis_server(executable) as peer:
        yield peer


@pytest.fixture
def redis_client(redis_peer: RedisPeer) -> Iterator[Any]:
    """A plain redis-py client on the shared server, for inspecting and corrupting keys."""
    import redis

    client = redis.Redis.from_url(redis_peer.url, socket_timeout=5.0)
    try:
        yield client
    finally:
        client.close()
