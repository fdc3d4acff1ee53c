"""``examples/starlette_login`` run as its README says, as a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.oidc_peer import WEB_CLIENT, OidcProviderPeer, PeerError
from tests.peers import stop_process
from tokenwire.conformance.loopback import HOST, free_port

APP = Path(__file__).parents[1] / "examples" / "starlette_login" / "app.py"
START_TIMEOUT = 30.0


@contextlib.contextmanager
def example_app(peer: OidcProviderPeer) -> Iterator[str]:
    """The example app logged in against ``peer`` as ``tw-web``; yields its base URL."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = dict(os.environ)
    assert WEB_CLIENT.client_secret is not None
    env["CLIENT_SECRET"] = WEB_CLIENT.client_secret
    command = [sys.executable, str(APP), "--issuer", peer.issuer]
    command += ["--client-id", WEB_CLIENT.client_id, "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise PeerError(f"the example app exited: {log.read().decode()[-2000:]}")
                try:
                    if httpx.get(f"{base}/", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() >= deadline:
                    raise PeerError("the example app did not answer in time")
                time.sleep(0.05)  # poll interval, not a wait for readiness
            yield base
        finally:
            stop_process(process, 5.0)
            log.seek(0)
            printed = log.read().decode("utf-8", "replace")
    assert "code=" not in printed, "the example app logged a callback URL"
