"""A sync transport for CPython that sends each request through a FetchTransport inside Pyodide.

The conformance runner drives transports in its own process; the fetch transport can only live in
Pyodide. :class:`BridgeTransport` carries each request over the runner's JSON-lines pipe to
``inside.send`` (tests/pyodide/inside.py), where a fresh ``FetchTransport`` sends it with the
runtime's ``fetch``, and carries the response back; a transport error comes back as its class,
message and ``sent`` flag and is raised again here, chained to a :class:`BridgedCause` naming the
error the runtime gave. So every case of the suite plays through the real ``fetch``.
"""

from __future__ import annotations

import base64
import json
from typing import ClassVar

from tests.pyodide.harness import PyodideProcess
from tokenwire.core import (
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    ResponseTooLarge,
    TransportError,
    TransportTimeout,
)

#: What Node's fetch adds to every request (a browser adds more; see docs/transports.md).
NODE_RUNTIME_HEADERS = frozenset(
    {"accept-encoding", "accept-language", "connection", "sec-fetch-mode", "user-agent"}
)

#: The classes a FetchTransport raises, by name, to raise again on this side.
_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls for cls in (TransportError, TransportTimeout, ResponseTooLarge)
}


class BridgedCause(Exception):
    """Stands for the exception inside Pyodide that caused a bridged transport error."""


class BridgeTransport:
    """Send each request through a ``FetchTransport`` in ``pyodide``, with these options."""

    #: The runtime headers of Node's fetch, which the suite's header checks must allow for.
    runtime_headers: ClassVar[frozenset[str]] = NODE_RUNTIME_HEADERS

    def __init__(self, pyodide: PyodideProcess, **options: float) -> None:
        self._pyodide = pyodide
        self._options = options

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` from inside Pyodide; its response, or its error raised here."""
        document = json.dumps(
            {
                "method": request.method,
                "url": request.url,
                "headers": [list(pair) for pair in request.headers],
                "body": base64.b64encode(request.body).decode("ascii"),
                "options": self._options,
            }
        )
        answer = json.loads(self._pyodide.run(f"await inside.send({document!r})"))
        if "error" in answer:
            cls = _ERRORS.get(answer["error"])
            cause = BridgedCause(answer["cause"])
            if cls is None:
                raise ConfigurationError(answer["message"]) from cause
            if cls is TransportError:
                raise TransportError(answer["message"], sent=answer["sent"]) from cause
            raise cls(answer["message"]) from cause
        return HttpResponse(
            status=answer["status"],
            headers=tuple((name, value) for name, value in answer["headers"]),
            body=base64.b64decode(answer["body"]),
        )
