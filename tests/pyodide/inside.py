"""Runs inside Pyodide (loaded by tests/pyodide/conftest.py): tokenwire over the fetch transport.

Each coroutine takes one JSON document and returns one, so the CPython side of the tests sends
everything as text over the runner's JSON-lines pipe: :func:`send` is one request through a
:class:`FetchTransport` (the conformance bridge), :func:`token_request` a whole grant through an
``AsyncTokenClient`` over it. A :class:`TokenwireError` comes back as its class name, message,
``sent`` flag and the class of its cause, so the CPython side can check the contract.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec

from tokenwire.adapters.client import AsyncTokenClient
from tokenwire.adapters.fetch import FetchTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    Grant,
    HttpRequest,
    Profile,
    RefreshToken,
    TokenwireError,
)


def error_document(exc: TokenwireError) -> dict[str, Any]:
    """What the CPython side needs to rebuild or check a transport error."""
    cause = exc.__cause__
    return {
        "error": type(exc).__name__,
        "message": str(exc),
        "sent": getattr(exc, "sent", None),
        "cause": None if cause is None else type(cause).__name__,
        "context": None if exc.__context__ is None else type(exc.__context__).__name__,
    }


async def send(document: str) -> str:
    """One request through a fresh FetchTransport: its response, or its error."""
    spec = json.loads(document)
    request = HttpRequest(
        method=spec["method"],
        url=spec["url"],
        headers=tuple((name, value) for name, value in spec["headers"]),
        body=base64.b64decode(spec["body"]),
    )
    transport = FetchTransport(TransportOptions(**spec.get("options", {})))
    try:
        response = await transport.send(request)
    except TokenwireError as exc:
        return json.dumps(error_document(exc))
    return json.dumps(
        {
            "status": response.status,
            "headers": [list(pair) for pair in response.headers],
            "body": base64.b64encode(response.body).decode("ascii"),
        }
    )


def _grant(spec: dict[str, Any]) -> Grant:
    kind = spec.pop("type")
    if kind == "code":
        return AuthorizationCode(**spec)
    if kind == "refresh":
        return RefreshToken(**spec)
    return ClientCredentials(**spec)


async def token_request(document: str) -> str:
    """A whole token request through AsyncTokenClient over a FetchTransport."""
    spec = json.loads(document)
    profile = msgspec.json.decode(json.dumps(spec["profile"]), type=Profile)
    auth = msgspec.json.decode(json.dumps(spec["auth"]), type=ClientAuth)
    transport = FetchTransport(TransportOptions(**spec.get("options", {})))
    client = AsyncTokenClient(profile, auth, transport, sleep=_no_sleep)
    try:
        token = await client.request(_grant(spec["grant"]))
    except TokenwireError as exc:
        return json.dumps(error_document(exc))
    return json.dumps({"access_token": token.access_token, "refresh_token": token.refresh_token})


async def _no_sleep(seconds: float) -> None:
    """Retries go out at once: these tests check what is sent, not the back-off."""


class _Tally:
    """A pytest plugin counting outcomes, so the CPython side sees numbers, not a log."""

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.failures: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1
            if report.outcome == "failed":
                self.failures.append(report.nodeid)


def run_pytest(*args: str) -> str:
    """Run pytest inside Pyodide on ``args``; the exit code and the count of each outcome."""
    import os

    import pytest

    os.chdir("/home/pyodide")  # hypothesis keeps its example database under the working dir
    tally = _Tally()
    code = pytest.main(["-q", "-W", "ignore::pytest.PytestConfigWarning", *args], plugins=[tally])
    return json.dumps({"exit": int(code), "outcomes": tally.outcomes, "failures": tally.failures})
