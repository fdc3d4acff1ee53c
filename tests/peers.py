"""Real third-party peers (redis-server, Node's oidc-provider) for tests.

A test that needs a peer asks :func:`require_executable`; when the peer is missing the test is
skipped, unless ``TOKENWIRE_REQUIRE_PEERS=1`` (as in CI), where a missing peer fails the run.
Peers are started on free loopback ports and stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest


def peers_required() -> bool:
    return os.environ.get("TOKENWIRE_REQUIRE_PEERS") == "1"


def require_executable(name: str, hint: str) -> str:
    """Path of executable ``name``; skip (or fail under TOKENWIRE_REQUIRE_PEERS=1) if missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found ({hint})"
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
        pytest.skip(message)
    return path


def stop_process(process: subprocess.Popen[Any], timeout: float) -> None:
    """Stop a peer by its PID: SIGTERM, then SIGKILL if it is still there after ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
