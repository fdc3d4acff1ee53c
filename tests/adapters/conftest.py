"""Fixtures for the adapters tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.recording_provider import RecordingProvider, provider_starter
from tests.redis_peer import (
    RedisPeer,
    cluster_client,
    redis_cluster,
    redis_executable,
    redis_server,
)
from tests.transport_harness import HARNESSES, Harness
from tests.transport_servers import Server, server_pool
from tokenwire.adapters.stores import RedisStore
from tokenwire.conformance.reference.handler import ReferenceRequestHandler


@pytest.fixture(scope="session")
def redis_peer() -> Iterator[RedisPeer]:
    """One real redis-server for the whole run; tests keep apart by key prefix."""
    executable = redis_executable()
    with redis_server(executable) as peer:
        yield peer


@pytest.fixture(scope="session")
def redis_cluster_peer() -> Iterator[RedisPeer]:
    """One real redis-server in cluster mode (one node owning every slot) for the whole run."""
    executable = redis_executable()
    with redis_cluster(executable) as peer:
        yield peer


@pytest.fixture
def redis_cluster_client(redis_cluster_peer: RedisPeer) -> Iterator[Any]:
    """A redis-py ``RedisCluster`` client on the shared cluster."""
    client = cluster_client(redis_cluster_peer)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def redis_client(redis_peer: RedisPeer) -> Iterator[Any]:
    """A plain redis-py client on the shared server, for inspecting and corrupting keys."""
    import redis

    client = redis.Redis.from_url(redis_peer.url, socket_timeout=5.0)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own on the shared server."""
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
def redis_store(redis_peer: RedisPeer, redis_prefix: str) -> Iterator[RedisStore]:
    """A RedisStore on the shared server, under ``redis_prefix``."""
    store = RedisStore(redis_peer.url, prefix=redis_prefix)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def recording_providers(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., RecordingProvider]]:
    """Start providers that record every grant they are sent; all stop at the end of the test."""
    # TCP_NODELAY: the provider writes headers and body separately (see test_source.py).
    monkeypatch.setattr(ReferenceRequestHandler, "disable_nagle_algorithm", True)
    with provider_starter(RecordingProvider) as start:
        yield start


@pytest.fixture
def rotating_provider(recording_providers: Callable[..., RecordingProvider]) -> RecordingProvider:
    """A recording provider that rotates refresh tokens and refuses a reused one."""
    return recording_providers(rotate_refresh_tokens=True)


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
