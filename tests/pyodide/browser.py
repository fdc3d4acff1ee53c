"""A same-origin site serving Pyodide to the session's headless Chromium (``tests/browser.py``).

:class:`PyodideSite` serves, from one loopback origin: the page, Pyodide's files from
``tests/pyodide/node_modules/pyodide``, the wheels, a ``/params`` document for the page, and
``/token``, forwarded to a reference provider's token endpoint (so the endpoint is same-origin and
no CORS is involved). It records the headers each ``/token`` request arrived with.
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.pyodide.harness import PYODIDE_PACKAGE
from tokenwire.conformance.loopback import LoopbackHTTPServer

TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tokenwire in Pyodide</title>
<script src="/pyodide/pyodide.js"></script></head>
<body><script>
(async () => {
  try {
    const params = await (await fetch("/params")).json();
    const pyodide = await loadPyodide({ indexURL: "/pyodide/" });
    await pyodide.loadPackage(params.wheels.map((name) => "/wheels/" + name));
    pyodide.globals.set("params_json", JSON.stringify(params));
    window.result = await pyodide.runPythonAsync(`
import json
from js import location
from tokenwire.adapters.client import AsyncTokenClient
from tokenwire.adapters.fetch import FetchTransport
from tokenwire.core import ClientAuth, Profile, RefreshToken
params = json.loads(params_json)
client = AsyncTokenClient(
    Profile(token_url=location.origin + "/token"),
    ClientAuth(params["client_id"], None, "none"),
    FetchTransport(),
)
token = await client.request(RefreshToken(params["refresh_token"]))
rotated = bool(token.refresh_token) and token.refresh_token != params["refresh_token"]
json.dumps({"access": bool(token.access_token), "rotated": rotated})
`);
  } catch (error) {
    window.result = JSON.stringify({ error: String(error) });
  }
})();
</script></body></html>
"""


class PyodideSite(LoopbackHTTPServer):
    """One origin serving the page, Pyodide, the wheels and a forwarded token endpoint."""

    def __init__(self, wheels: list[Path], token_url: str, params: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _SiteHandler)
        self.wheels = {wheel.name: wheel for wheel in wheels}
        self.token_url = token_url
        self.params = {**params, "wheels": sorted(self.wheels)}
        self.lock = threading.Lock()
        #: The headers of each request forwarded to the token endpoint, names lower-cased.
        self.token_requests: list[dict[str, str]] = []


class _SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: PyodideSite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            self._reply(200, PAGE.encode(), "text/html; charset=utf-8")
        elif path == "/params":
            self._reply(200, json.dumps(self.server.params).encode(), "application/json")
        elif path.startswith("/pyodide/") and "/" not in path[len("/pyodide/") :]:
            self._file(PYODIDE_PACKAGE / path[len("/pyodide/") :])
        elif path.startswith("/wheels/") and path[len("/wheels/") :] in self.server.wheels:
            self._file(self.server.wheels[path[len("/wheels/") :]])
        else:
            self._reply(404, b"not found", "text/plain")

    def _file(self, file: Path) -> None:
        if not file.is_file():
            self._reply(404, b"not found", "text/plain")
            return
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        self._reply(200, file.read_bytes(), kind or "application/octet-stream")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path != "/token":
            self._reply(404, b"not found", "text/plain")
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.server.lock:
            self.server.token_requests.append(headers)
        target = urlsplit(self.server.token_url)
        conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        try:
            forwarded = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
            conn.request("POST", target.path, body=body, headers=forwarded)
            answer = conn.getresponse()
            self._reply(answer.status, answer.read(), answer.getheader("Content-Type") or "")
        finally:
            conn.close()


#: What the site passes on to the provider: what the core set, not what the browser added.
_FORWARDED = frozenset({"content-type", "accept", "authorization"})
