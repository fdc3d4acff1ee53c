"""The user's side of a login against the OIDC reference provider, for the login-flow tests.

The reference provider consents at once: a GET of the authorization URL answers the redirect to
the client, whose ``Location`` is the callback URL a browser would bring back (with ``code``,
``state`` and, RFC 9207, ``iss``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.oidc_peer import send
from tokenwire.core import HttpRequest

REDIRECT_URI = "http://127.0.0.1/cb"


def follow(url: str) -> str:
    """Play the user at the reference provider; return the callback URL it redirects to."""
    reply = send(HttpRequest(method="GET", url=url, headers=()))
    assert reply.status == 302, reply.status
    location = reply.header("location")
    assert location is not None
    return location


def with_params(callback: str, **changes: str | None) -> str:
    """``callback`` with query parameters replaced (a value) or removed (``None``)."""
    parts = urlsplit(callback)
    params = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return parts._replace(query=urlencode(params)).geturl()


def secrets_of(url: str, callback: str) -> list[str]:
    """The secret values of a login: state, nonce, PKCE challenge (from the URL) and the code."""
    asked = dict(parse_qsl(urlsplit(url).query))
    came = dict(parse_qsl(urlsplit(callback).query))
    return [asked["state"], asked["nonce"], asked["code_challenge"], came["code"]]
