"""Fixtures for the adapters tests."""

from __future__ import annotations

from collections.abc import Iterator

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
