"""HTTP/1.1 message heads and bodies read off a socket, for the test proxy in tests.proxy_server.

The proxy must see the exact bytes a client sends (a CONNECT's early TLS bytes go through the
tunnel, not into a parser's buffer) and must refuse what it cannot frame rather than guess, so
it reads with this small buffered reader instead of ``http.server``. Only ``Content-Length``
framing is understood: a token request never needs more, and anything else is a 400 (or a 502 for
an upstream answer), which a test sees.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = [
    "CHUNK",
    "Malformed",
    "Reader",
    "Request",
    "get",
    "length_of",
    "parse_request",
    "refusal",
    "status_of",
]

CHUNK = 65536
MAX_LINE = 8192
MAX_HEADERS = 100
REASONS = {400: "Bad Request", 407: "Proxy Authentication Required", 502: "Bad Gateway"}
REALM = 'Basic realm="tokenwire-test"'
Headers = list[tuple[str, str]]


class Malformed(Exception):
    """A message that cannot be read as HTTP/1.1: 400 for a request, 502 for an answer."""


class Reader:
    """Buffered reads from a socket that keep what was read ahead (a tunnel forwards it)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self) -> bool:
        chunk = self.sock.recv(CHUNK)
        self.buffer += chunk
        return bool(chunk)

    def head(self) -> list[str] | None:
        """The lines of a message head (without the blank line); None if closed before one."""
        lines: list[str] = []
        while True:
            while (end := self.buffer.find(b"\n")) < 0:
                if len(self.buffer) > MAX_LINE:
                    raise Malformed("line too long")
                if not self._fill():
                    if lines or self.buffer:
                        raise ConnectionError("closed mid-head")
                    return None
            line = bytes(self.buffer[:end]).rstrip(b"\r").decode("latin-1")
            del self.buffer[: end + 1]
            if not line:
                return lines
            if len(lines) > MAX_HEADERS:
                raise Malformed("too many headers")
            lines.append(line)

    def body(self, length: int | None) -> Iterator[bytes]:
        """``length`` bytes in chunks, or (``None``) everything until the peer closes."""
        left = length
        while left is None or left > 0:
            if not self.buffer and not self._fill():
                if left is None:
                    return
                raise ConnectionError("closed mid-body")
            chunk = bytes(self.buffer if left is None else self.buffer[:left])
            del self.buffer[: len(chunk)]
            left = None if left is None else left - len(chunk)
            yield chunk

    def take(self) -> bytes:
        """Whatever was read ahead and not consumed yet."""
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


@dataclass
class Request:
    """A request as parsed so far: the log needs method and target even when parsing fails."""

    method: str = ""
    target: str = ""
    authorization: str | None = None
    headers: Headers = field(default_factory=list)
    host: str = ""
    port: int = 0
    path: str = ""  # the origin form; empty for CONNECT
    length: int | None = None


def fields(lines: list[str]) -> Headers:
    """The ``(name, value)`` pairs of header lines, in order."""
    headers = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise Malformed("bad header line")
        headers.append((name, value.strip()))
    return headers


def get(headers: Headers, name: str) -> str | None:
    """The first value of the header ``name`` (lower case), or None."""
    return next((value for key, value in headers if key.lower() == name), None)


def length_of(headers: Headers) -> int | None:
    """The ``Content-Length``, None when absent; any other framing is refused, not guessed."""
    values = {value for key, value in headers if key.lower() == "content-length"}
    if get(headers, "transfer-encoding") is not None or len(values) > 1:
        raise Malformed("only one Content-Length frames a body here")
    value = values.pop() if values else None
    if value is not None and not value.isdigit():
        raise Malformed("bad Content-Length")
    return None if value is None else int(value)


def authority(target: str, default_port: int | None) -> tuple[str, int]:
    """``host`` and ``port`` of ``host:port`` (IPv6 in brackets); never looks a name up."""
    parts = urlsplit("//" + target)
    try:
        port = parts.port or default_port
    except ValueError:
        raise Malformed("bad port") from None
    if not parts.hostname or port is None or parts.username is not None:
        raise Malformed("bad authority")
    return parts.hostname, port


def parse_request(request: Request, lines: list[str]) -> None:
    """Fill ``request`` in from a request head; raise :class:`Malformed` where it is not one."""
    request.method, _, rest = lines[0].partition(" ")
    request.target, _, version = rest.partition(" ")
    if not (request.method and request.target and version.startswith("HTTP/1.")) or " " in version:
        raise Malformed("bad request line")
    request.headers = fields(lines[1:])
    request.authorization = get(request.headers, "proxy-authorization")
    if request.method == "CONNECT":
        request.host, request.port = authority(request.target, None)
    elif request.target.lower().startswith("http://"):
        parts = urlsplit(request.target)
        request.host, request.port = authority(parts.netloc, 80)
        request.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request.length = length_of(request.headers)
    else:  # origin form is not a proxy request; https:// in absolute form needs a tunnel
        raise Malformed("not a proxy request")


def status_of(lines: list[str] | None) -> tuple[int, Headers]:
    """The status and headers of a response head; :class:`Malformed` where it is not one."""
    version, _, rest = lines[0].partition(" ") if lines else ("", "", "")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit() or int(rest[:3]) < 100:
        raise Malformed("bad status line")
    return int(rest[:3]), fields(lines[1:] if lines else [])


def refusal(status: int) -> bytes:
    """The whole answer for a request the proxy refuses; it closes the connection after it."""
    extra = f"Proxy-Authenticate: {REALM}\r\n" if status == 407 else ""
    head = f"HTTP/1.1 {status} {REASONS[status]}\r\n{extra}Content-Length: 0\r\n"
    return (head + "Connection: close\r\n\r\n").encode()
