"""Pyodide under Node for tests: the pinned assets, tokenwire's wheels, and one running interpreter.

:class:`PyodideProcess` runs ``tests/pyodide/run.mjs`` (Node) as a child process and talks to it in
JSON lines: each :meth:`PyodideProcess.run` sends Python code, which runs inside Pyodide with
top-level ``await`` allowed, and returns the ``str`` the code ends with. The interpreter loads
Pyodide from ``tests/pyodide/node_modules`` (``npm ci``, pinned by ``package-lock.json``), the
wheels of ``wheels.txt`` from ``.cache/pyodide-wheels`` (checked against their pinned hashes here)
and tokenwire's own wheels built by ``uv build``; nothing is fetched from anywhere else.
``scripts/install-peers`` installs both; without them the tests skip, or fail under
``TOKENWIRE_REQUIRE_PEERS=1``.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from tests.peers import peers_required, require_executable, stop_process

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PYODIDE_PACKAGE = HERE / "node_modules" / "pyodide"
WHEELS_FILE = HERE / "wheels.txt"
WHEEL_CACHE = ROOT / ".cache" / "pyodide-wheels"
#: How long Pyodide may take to load (a cold start is a few seconds on a busy machine).
START_TIMEOUT = 120.0

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)\s+--hash=sha256:(?P<hash>[0-9a-f]{64})"
)


def missing_peer(message: str) -> None:
    """Skip the test, or fail it under ``TOKENWIRE_REQUIRE_PEERS=1``."""
    if peers_required():
        pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
    pytest.skip(message)


def pinned_wheels() -> list[Path]:
    """The wheels of ``wheels.txt`` in the cache, each checked against its pinned sha256."""
    found = []
    for line in WHEELS_FILE.read_text().splitlines():
        pin = _PIN.match(line)
        if pin is None:
            continue
        stem = pin["name"].replace("-", "_")
        matches = sorted(WHEEL_CACHE.glob(f"{stem}-{pin['version']}-*.whl"))
        if not matches:
            missing_peer(
                f"{pin['name']}=={pin['version']} is not in {WHEEL_CACHE} (scripts/install-peers)"
            )
        digest = hashlib.sha256(matches[0].read_bytes()).hexdigest()
        assert digest == pin["hash"], f"{matches[0].name} does not match its pinned hash"
        found.append(matches[0])
    return found


def build_tokenwire_wheels(out: Path) -> list[Path]:
    """``uv build`` the core and adapters wheels (the only tokenwire code Pyodide runs)."""
    uv = require_executable("uv", "the uv package manager")
    for package in ("tokenwire-core", "tokenwire-adapters"):
        subprocess.run(
            [uv, "build", "-q", "--package", package, "--wheel", "-o", str(out)],
            cwd=ROOT,
            check=True,
            timeout=300,
        )
    return sorted(out.glob("tokenwire_*.whl"))


class PyodideError(Exception):
    """Python code run inside Pyodide raised; the message is its traceback's last line."""


class PyodideProcess:
    """One Pyodide interpreter in a Node child process, fed Python code over stdin."""

    def __init__(self, wheels: list[Path]) -> None:
        node = require_executable("node", "Node.js, installed by scripts/install-peers")
        if not (PYODIDE_PACKAGE / "pyodide.asm.wasm").is_file():
            missing_peer(f"{PYODIDE_PACKAGE} is missing (npm ci --prefix tests/pyodide)")
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._process = subprocess.Popen(
            [node, str(HERE / "run.mjs"), str(ROOT), *map(str, wheels)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._next_id = 0
        ready = self._receive(START_TIMEOUT)
        assert ready == {"ready": True}, ready

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"Pyodide did not answer in {timeout:g} s{self.stderr_tail()}"
            ) from None
        if line is None:
            raise AssertionError(f"the Pyodide process exited{self.stderr_tail()}")
        message: dict[str, Any] = json.loads(line)
        return message

    def stderr_tail(self, size: int = 4000) -> str:
        """The end of what the process (and Python's print) wrote, for a failure message."""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")[-size:]
        return f"\n--- pyodide stderr ---\n{text}" if text else ""

    def run(self, code: str, timeout: float = 60.0) -> str:
        """Run ``code`` inside Pyodide and return the ``str`` its last expression gives."""
        assert self._process.stdin is not None
        self._next_id += 1
        self._process.stdin.write(json.dumps({"id": self._next_id, "code": code}) + "\n")
        self._process.stdin.flush()
        reply = self._receive(timeout)
        assert reply.get("id") == self._next_id, reply
        if not reply["ok"]:
            raise PyodideError(reply["error"])
        return str(reply["value"])

    def alive(self) -> bool:
        """Whether the interpreter still answers (a fatal error kills the whole process)."""
        return self._process.poll() is None and self.run("str(6 * 7)") == "42"

    def close(self) -> None:
        """Close stdin (the runner then exits) and stop the process by its PID."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop_process(self._process, timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()
