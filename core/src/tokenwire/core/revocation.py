"""Token revocation (RFC 7009): the request, the answer, and a retrying flow.

The rules of the answer (§2.2): a 200 is success whatever its body, also for a token the server
did not know (the client's purpose, getting rid of the token, is served either way); an error
body is typed (``unsupported_token_type`` is :class:`UnsupportedTokenType`, RFC 7009 §2.2.1);
a 503 is retried after its ``Retry-After`` (§2.2.1), by the token flow's own rules
(:func:`~tokenwire.core.flow.request_flow`): revoking twice is harmless, so a failure after
sending is retried too.

The request builder here (:func:`token_request`) is shared with introspection (RFC 7662 §2.1),
whose request has the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable

from tokenwire.core.auth import ClientAuth
from tokenwire.core.errors import ConfigurationError, ProtocolError
from tokenwire.core.flow import DEFAULT_RETRY, Reply, RetryPolicy, Step, endpoint_flow
from tokenwire.core.form import encode_form
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.params import Params, check_params
from tokenwire.core.profile import Profile
from tokenwire.core.redact import Secrets, describe_json
from tokenwire.core.request import authenticated_request
from tokenwire.core.response import decode_json_body, error_from_json

__all__ = [
    "RevocationFlow",
    "parse_revocation_response",
    "revocation_flow",
    "revocation_request",
    "token_request",
]

RevocationFlow = Generator[Step, Reply, None]


def token_request(
    profile: Profile,
    client: ClientAuth,
    url: str | None,
    endpoint: str,
    token: str,
    token_type_hint: str | None,
    extra: Params,
    assertion: str | None = None,
) -> HttpRequest:
    """POST ``token`` (and its hint) to ``url``, the client authenticated as at the token endpoint.

    ``endpoint`` names the endpoint (its profile field) for the error when ``url`` is missing;
    ``assertion`` is a ``*_jwt`` client's assertion for this request.
    """
    if url is None:
        raise ConfigurationError(f"the profile has no {endpoint}_url")
    if not isinstance(token, str) or not token:
        raise ConfigurationError("the token must be a non-empty string")
    check_params(extra, "extra")
    fields = [("token", token)]
    if token_type_hint is not None:
        fields.append(("token_type_hint", token_type_hint))
    body = encode_form([*fields, *extra])
    return authenticated_request(profile, client, url, body, assertion=assertion)


def revocation_request(
    profile: Profile,
    client: ClientAuth,
    token: str,
    token_type_hint: str | None = None,
    *,
    extra: Params = (),
    assertion: str | None = None,
) -> HttpRequest:
    """Build the revocation request (RFC 7009 §2.1) to the profile's ``revocation_url``.

    ``token_type_hint`` is ``"access_token"`` or ``"refresh_token"`` (or a registered extension);
    ``assertion`` is a ``*_jwt`` client's assertion for this request.
    """
    url = profile.revocation_url
    return token_request(
        profile, client, url, "revocation", token, token_type_hint, extra, assertion
    )


def parse_revocation_response(
    profile: Profile, response: HttpResponse, *, secrets: Iterable[str | None] | Secrets = ()
) -> None:
    """Return if the token is revoked (any 200, §2.2); raise the typed error otherwise.

    ``secrets`` are the values the request carried (the token, the client's secret): cut out of
    any error, since a server may echo the token it refuses in its ``error_description``.
    """
    if response.status == 200:
        return
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    data = decode_json_body(profile, response, "revocation endpoint", secrets=known)
    if "error" in data:
        raise error_from_json(data, response.status, known)
    raise ProtocolError(
        "revocation endpoint answered a non-200 status without an OAuth error",
        status=response.status,
        excerpt=describe_json(data, known),
    )


def revocation_flow(
    profile: Profile,
    client: ClientAuth,
    token: str,
    token_type_hint: str | None = None,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
) -> RevocationFlow:
    """Revoke ``token``, retrying a 503 (after ``Retry-After``) and transport failures.

    ``clock``, ``random``, ``deadline`` and ``monotonic`` are as for
    :func:`~tokenwire.core.flow.token_flow`.
    """

    def build(assertion: str | None) -> HttpRequest:
        return revocation_request(profile, client, token, token_type_hint, assertion=assertion)

    sent = Secrets((*client.secret_values(), token))

    def parse(response: HttpResponse) -> None:
        parse_revocation_response(profile, response, secrets=sent)

    yield from endpoint_flow(
        profile,
        client,
        build,
        parse,
        operation="revocation",
        clock=clock,
        random=random,
        retry=retry,
        deadline=deadline,
        monotonic=monotonic,
    )
