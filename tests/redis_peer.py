"""A real ``redis-server`` on a free loopback port, for the store tests.

Started with persistence off (``--save "" --appendonly no``) in a scratch directory, waited for by
polling ``PING`` (never a fixed sleep), stopped by PID. A port race with another process (the
port was free a moment ago) is retried on a fresh port. :func:`redis_cluster` runs one in cluster
mode, owning every hash slot, for the RedisStore-on-Redis-Cluster tests.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.peers import require_executable, stop_process
from tokenwire.conformance.loopback import HOST, free_port

READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class RedisPeer:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"


def redis_executable() -> str:
    """The redis-server binary (skip, or fail under TOKENWIRE_REQUIRE_PEERS=1, without it)."""
    return require_executable(
        "redis-server", "apt-get install -y --no-install-recommends redis-server"
    )


def ping(port: int) -> bool:
    """True if a Redis server answers ``PING`` on ``port`` right now."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(1.0)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def poll(
    ready: Callable[[], bool], failed: Callable[[], bool], describe: Callable[[], str]
) -> bool:
    """Poll ``ready`` until it holds (True), ``failed`` holds (False), or time runs out (raise
    TimeoutError with ``describe()``)."""
    deadline = time.monotonic() + READY_TIMEOUT
    delay = 0.005
    while not ready():
        if failed():
            return False
        if time.monotonic() >= deadline:
            raise TimeoutError(describe())
        time.sleep(delay)  # poll interval, not a wait for readiness
        delay = min(delay * 2, 0.1)
    return True


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> bool:
    """Poll PING until ready (True), the server exits (False), or time runs out (raise)."""
    return poll(
        lambda: ping(port),
        lambda: process.poll() is not None,
        lambda: f"redis-server not ready on port {port}: {log.read_text(errors='replace')[-2000:]}",
    )


@contextlib.contextmanager
def redis_server(
    executable: str, *, attempts: int = 3, options: tuple[str, ...] = ()
) -> Iterator[RedisPeer]:
    """Run ``redis-server`` on 127.0.0.1 for the duration of the block, with extra ``options``
    (for example ``("--maxmemory", "8mb")``)."""
    with tempfile.TemporaryDirectory(prefix="tokenwire-redis-") as scratch:
        log = Path(scratch) / "redis.log"
        for _ in range(attempts):
            port = free_port()
            command = [
                executable,
                "--port", str(port),
                "--bind", HOST,
                "--save", "",
                "--appendonly", "no",
                "--dir", scratch,
                "--logfile", str(log),
                "--daemonize", "no",
                *options,
            ]  # fmt: skip
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            try:
                if _wait_ready(process, port, log):
                    yield RedisPeer(port=port, pid=process.pid)
                    return
            finally:
                stop_process(process, STOP_TIMEOUT)
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"redis-server did not start after {attempts} attempts: {tail}")


#: Every hash slot of a Redis Cluster (the spec's 16384, numbered from 0).
CLUSTER_SLOTS = (0, 16383)


@contextlib.contextmanager
def redis_cluster(executable: str) -> Iterator[RedisPeer]:
    """Run a one-node Redis Cluster on 127.0.0.1 for the duration of the block.

    The node owns every hash slot (``CLUSTER ADDSLOTSRANGE``), and the block starts once
    ``CLUSTER INFO`` reports ``cluster_state:ok``. One node is enough for what the tests need
    from a cluster: the cluster client's routing, and the ``CROSSSLOT`` refusal of a script whose
    keys hash to different slots, which Redis applies whichever node owns the slots.
    """
    import redis

    options = ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")  # in --dir
    with redis_server(executable, options=options) as peer:
        client: Any = redis.Redis(host=HOST, port=peer.port, socket_timeout=5.0)
        try:
            client.execute_command("CLUSTER ADDSLOTSRANGE", *CLUSTER_SLOTS)
            poll(
                lambda: cluster_state(client) == "ok",
                lambda: False,
                lambda: f"redis cluster on port {peer.port} never became ok",
            )
        finally:
            client.close()
        yield peer


def cluster_state(client: Any) -> str:
    """The ``cluster_state`` that ``CLUSTER INFO`` reports on ``client``'s node (redis-py parses
    the reply into a dict)."""
    info: dict[str, Any] = client.execute_command("CLUSTER INFO")
    return str(info.get("cluster_state", ""))


def cluster_client(peer: RedisPeer) -> Any:
    """A redis-py ``RedisCluster`` client on a :func:`redis_cluster` node; the caller closes it."""
    from redis.cluster import RedisCluster

    return RedisCluster(host=HOST, port=peer.port, socket_timeout=5.0)
