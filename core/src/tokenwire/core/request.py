"""Build the exact HTTP request for a token-endpoint call (RFC 6749 §3.2, §4.1.3, §4.4, §6).

The client authentication part (:func:`authenticated_request`) is shared with the other
endpoints that authenticate the client the same way: revocation (RFC 7009 §2.1), introspection
(RFC 7662 §2.1) and device authorization (RFC 8628 §3.1).
"""

from __future__ import annotations

from tokenwire.core.assertion import ASSERTION_METHODS
from tokenwire.core.auth import ClientAuth
from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form
from tokenwire.core.grants import Grant
from tokenwire.core.http import Headers, HttpRequest
from tokenwire.core.profile import Profile
from tokenwire.core.version import USER_AGENT

__all__ = [
    "FORM_CONTENT_TYPE",
    "prepare_token_request",
]

#: The ``Content-Type`` of every token request (RFC 6749 §4.1.3, Appendix B).
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: Every token request carries these. ``User-Agent`` is the core's: some providers behind a web
#: application firewall refuse a request without one, and transports add none of their own.
_BASE_HEADERS: Headers = (
    ("Content-Type", FORM_CONTENT_TYPE),
    ("Accept", "application/json"),
    ("User-Agent", USER_AGENT),
)


def prepare_token_request(
    profile: Profile, client: ClientAuth, grant: Grant, *, assertion: str | None = None
) -> HttpRequest:
    """Build the token request for ``grant``, authenticated as ``client`` says.

    Form fields come in the order the providers' documents show them: client credentials
    first, then the grant's own fields, then the profile's extra parameters (those the grant's
    own ``extra`` names again are left out: the request's value wins). A ``*_jwt`` client needs
    a fresh ``assertion`` for each request (:func:`tokenwire.core.assertion.sign_assertion`).
    """
    body = grant.form()
    params = profile.extra_token_params
    if params:
        if grant.extra:
            names = {name for name, _ in grant.extra}
            params = tuple(pair for pair in params if pair[0] not in names)
        if params:
            body += b"&" + encode_form(params)
    return authenticated_request(profile, client, profile.token_url, body, assertion=assertion)


def authenticated_request(
    profile: Profile, client: ClientAuth, url: str, body: bytes, *, assertion: str | None = None
) -> HttpRequest:
    """POST the form ``body`` to ``url``, the client authenticated as at the token endpoint.

    ``assertion`` is the signed client assertion of a ``*_jwt`` client (one per request: a
    provider refuses a ``jti`` it has seen), and must be absent for any other method.
    """
    credentials = client.form_credentials
    if client.method in ASSERTION_METHODS:
        if not assertion:
            raise ConfigurationError(
                f"{client.method} sends a client assertion signed for each request; "
                "pass assertion=sign_assertion(profile, client, clock=..., random=...)"
            )
        credentials += assertion.encode("ascii", "replace")
    elif assertion is not None:
        raise ConfigurationError(f"method {client.method!r} sends no client assertion")
    if credentials:
        body = credentials + b"&" + body if body else credentials
    headers = _BASE_HEADERS
    if client.method == "client_secret_basic":
        authorization = client.authorization(urlencode=profile.basic_auth_urlencode)
        headers = (*headers, ("Authorization", authorization or ""))
    return HttpRequest(method="POST", url=url, headers=headers, body=body)
