"""Broken modes: deliberate deviations from RFC 6749 that live probes must catch.

Each mode rewrites the token endpoint's replies the way some real provider or proxy gets them
wrong. Modes combine; ``error-200`` applies to JSON error bodies, so together with
``html-errors`` the HTML page keeps its error status.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

from tokenwire.conformance.reference.replies import ProviderReply

#: Omit ``Cache-Control: no-store`` and ``Pragma: no-cache`` (RFC 6749 §5.1, §5.2).
NO_STORE = "no-store"
#: Answer OAuth errors with status 200 instead of 400/401.
ERROR_200 = "error-200"
#: Send ``expires_in`` as a JSON string (``"3600"``) instead of a number.
EXPIRES_IN_STRING = "expires-in-string"
#: Answer OAuth errors with an HTML page, as a proxy in front of the server would.
HTML_ERRORS = "html-errors"

BROKEN_MODES = frozenset({NO_STORE, ERROR_200, EXPIRES_IN_STRING, HTML_ERRORS})

_CACHE_HEADERS = frozenset({"cache-control", "pragma"})


def apply_broken(reply: ProviderReply, broken: frozenset[str]) -> ProviderReply:
    """``reply`` as a provider broken in the ways ``broken`` names would send it."""
    if HTML_ERRORS in broken and reply.is_error:
        reply = html_error_page(reply)
    elif ERROR_200 in broken and reply.is_error:
        reply = replace(reply, status=200)
    if EXPIRES_IN_STRING in broken and reply.json is not None:
        expires_in = reply.json.get("expires_in")
        if isinstance(expires_in, int):
            reply = replace(reply, json={**reply.json, "expires_in": str(expires_in)})
    if NO_STORE in broken:
        headers = tuple((k, v) for k, v in reply.headers if k.lower() not in _CACHE_HEADERS)
        reply = replace(reply, headers=headers)
    return reply


def html_error_page(reply: ProviderReply) -> ProviderReply:
    """An nginx-style HTML error page with the error's status, and no OAuth error in it."""
    status = HTTPStatus(reply.status)
    title = f"{status.value} {status.phrase}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    headers = tuple((k, v) for k, v in reply.headers if k.lower() != "content-type")
    return ProviderReply(
        reply.status, (("Content-Type", "text/html"), *headers), body=page.encode()
    )
