"""A loopback token endpoint that reads Basic credentials without form-decoding them.

Some real servers take the ``id:secret`` pair of ``Authorization: Basic`` as it is, against
RFC 6749 §2.3.1: a client that encodes (as it must) is refused whenever encoding changes its
id or secret. This one accepts exactly the unencoded pair of :data:`CLIENT`, issues a token for
client_credentials, and refuses everything else as RFC 6749 §5.2 says.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import msgspec
from typing_extensions import override

from tokenwire.conformance.loopback import LoopbackHTTPServer, serving
from tokenwire.core import ClientAuth, decode_form
from tokenwire.core.auth import basic_authorization

#: Its one client: ``+`` and ``%`` change under form-urlencoding.
CLIENT = ClientAuth("raw-basic-client", "raw+secret%20value", "client_secret_basic")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @override
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read outcomes, not access logs."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(decode_form(self.rfile.read(length)))
        assert CLIENT.client_secret is not None
        raw = basic_authorization(CLIENT.client_id, CLIENT.client_secret, urlencode=False)
        if self.headers.get("Authorization") != raw:
            self._reply(401, {"error": "invalid_client"}, challenge=True)
        elif form.get("grant_type") == "client_credentials":
            token = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer"}
            self._reply(200, token | {"expires_in": 300})
        elif "grant_type" not in form:
            self._reply(400, {"error": "invalid_request"})
        elif form["grant_type"] == "refresh_token":
            self._reply(400, {"error": "invalid_grant"})
        else:
            self._reply(400, {"error": "unsupported_grant_type"})

    def _reply(self, status: int, body: dict[str, object], *, challenge: bool = False) -> None:
        data = msgspec.json.encode(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        if challenge:
            self.send_header("WWW-Authenticate", 'Basic realm="token"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def undecoded_basic_server() -> Iterator[str]:
    """Serve on a free loopback port; yields the token URL."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Handler)
    with serving(server):
        yield f"{server.base_url}/token"
