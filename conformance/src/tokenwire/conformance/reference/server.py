"""The authorization server: authlib's, with its framework hooks implemented over plain data.

authlib leaves the web framework's part to an integration (Flask, Django, ...). Here that part is
small: a request arrives as a tokenwire :class:`~tokenwire.core.HttpRequest` and leaves as a
:class:`ProviderReply`. The checks authlib does not make at the token endpoint but RFC 6749
requires, and that live probes test (repeated parameters, a missing ``grant_type``, credentials
in two places, the form content type), are made here, before authlib sees the request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from typing_extensions import override

from tokenwire.conformance.reference.device import DeviceEndpoint, DeviceGrant
from tokenwire.conformance.reference.endpoints import Introspection, Revocation
from tokenwire.conformance.reference.exchange import TokenExchangeGrant
from tokenwire.conformance.reference.flavors import Flavor
from tokenwire.conformance.reference.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    S256CodeChallenge,
    authenticate_client_secret_basic,
    basic_credentials,
)
from tokenwire.conformance.reference.models import TEST_USER, ClientModel, IssuedRefreshToken
from tokenwire.conformance.reference.records import IssuedAccessToken
from tokenwire.conformance.reference.replies import ProviderReply, text_reply
from tokenwire.conformance.reference.store import Store
from tokenwire.conformance.reference.tokens import TokenMinter
from tokenwire.core import HttpRequest, decode_form
from tokenwire.core.http import Headers, header
from tokenwire.core.request import FORM_CONTENT_TYPE


class HeaderView:
    """The ``headers.get(name)`` authlib calls, answered by tokenwire's case-insensitive lookup."""

    def __init__(self, headers: Headers) -> None:
        self._headers = headers

    def get(self, name: str, default: str | None = None) -> str | None:
        value = header(self._headers, name)
        return default if value is None else value


class FormPayload(OAuth2Payload):  # type: ignore[misc]  # authlib is untyped
    """Request parameters: ``data`` keeps the first value of each, ``datalist`` all of them."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._datalist: dict[str, list[str]] = {}
        for name, value in fields:
            self._datalist.setdefault(name, []).append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    @override
    def data(self) -> dict[str, str]:
        return self._data

    @property
    @override
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class IncomingRequest(OAuth2Request):  # type: ignore[misc]  # authlib is untyped
    """An HTTP request as authlib's grants read it; ``endpoint`` is ``"token"``, ``"authorize"``
    or the name of another POST endpoint (``"revocation"``, ...).

    POST endpoints take their parameters from the form body only, authorization requests from the
    query only, so nothing sent in the wrong place is ever acted on.
    """

    def __init__(self, http: HttpRequest, endpoint: str) -> None:
        super().__init__(http.method, http.url, headers=HeaderView(http.headers))
        self.http = http
        self.endpoint = endpoint
        source = urlsplit(http.url).query if endpoint == "authorize" else http.body
        self.payload = FormPayload(decode_form(source))

    @property
    @override
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    @override
    def args(self) -> dict[str, str]:
        return self.form


class ReferenceAuthorizationServer(AuthorizationServer):  # type: ignore[misc]  # authlib is untyped
    """authlib's :class:`AuthorizationServer` for one flavor, answering with ProviderReply."""

    def __init__(
        self,
        flavor: Flavor,
        store: Store,
        *,
        rotate_refresh_tokens: bool,
        access_token_lifetime: int,
        issuer: Callable[[], str],
        device_expires_in: int = 1800,
        device_interval: int = 5,
    ) -> None:
        super().__init__()
        self.flavor = flavor
        self.store = store
        #: The provider's base URL, read at request time (the port is known once serving).
        self.issuer = issuer
        #: Read by :class:`~tokenwire.conformance.reference.grants.RefreshTokenGrant`.
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.register_token_generator("default", TokenMinter(flavor, access_token_lifetime, issuer))
        # Replaces authlib's Basic decoder (see grants); also creates the client authenticator
        # now rather than lazily on the first, possibly concurrent, request.
        self.register_client_auth_method("client_secret_basic", authenticate_client_secret_basic)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(DeviceGrant)
        self.register_grant(TokenExchangeGrant)
        self.register_endpoint(
            DeviceEndpoint(self, expires_in=device_expires_in, interval=device_interval)
        )
        self.register_endpoint(Revocation(self))
        self.register_endpoint(Introspection(self))

    # --- entry points -------------------------------------------------------------------------
    def token_reply(self, http: HttpRequest) -> ProviderReply:
        """Answer a request to the token endpoint."""
        if http.method != "POST":
            return _method_not_allowed("POST")
        request = IncomingRequest(http, "token")
        if not _is_form(http):
            return self.handle_error_response(
                request,
                InvalidRequestError("The token request must be application/x-www-form-urlencoded."),
            )
        if self.flavor.bodiless_401_is_invalid_client:
            client_id = _claimed_client_id(request)
            if not client_id or self.store.client(client_id) is None:
                return ProviderReply(401)
        try:
            _check_token_request(request)
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        reply: ProviderReply = self.create_token_response(request)
        return reply

    def endpoint_reply(self, name: str, http: HttpRequest) -> ProviderReply:
        """Answer a POST to the ``name`` endpoint (``device_authorization``, ``revocation`` or
        ``introspection``), form-encoded like a token request."""
        if http.method != "POST":
            return _method_not_allowed("POST")
        request = IncomingRequest(http, name)
        if not _is_form(http):
            return self.handle_error_response(
                request, InvalidRequestError("The request must be form-encoded.")
            )
        reply: ProviderReply = self.create_endpoint_response(name, request)
        return reply

    def authorize_reply(self, http: HttpRequest) -> ProviderReply:
        """Answer a request to the authorization endpoint, approving it as :data:`TEST_USER`."""
        if http.method != "GET":
            return _method_not_allowed("GET")
        request = IncomingRequest(http, "authorize")
        try:
            grant = self.get_consent_grant(request, end_user=TEST_USER)
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        reply: ProviderReply = self.create_authorization_response(
            request, grant_user=TEST_USER, grant=grant
        )
        return reply

    # --- authlib's framework hooks ------------------------------------------------------------
    @override
    def query_client(self, client_id: str) -> ClientModel | None:
        client = self.store.client(client_id)
        return None if client is None else ClientModel(client, self.flavor)

    @override
    def save_token(self, token: dict[str, Any], request: IncomingRequest) -> None:
        self.store.save_access_token(
            IssuedAccessToken(
                access_token=token["access_token"],
                client_id=request.client.get_client_id(),
                scope=token.get("scope", ""),
                user=request.user,
                issued_at=int(time.time()),
                expires_in=int(token.get("expires_in") or 0),
            )
        )
        refresh_token = token.get("refresh_token")
        if not refresh_token:
            return
        # A rotated refresh token keeps the scope of the one it replaces (RFC 6749 §6), even
        # when the access token was narrowed by a ``scope`` parameter.
        old: IssuedRefreshToken | None = request.refresh_token
        self.store.save_refresh_token(
            IssuedRefreshToken(
                refresh_token=refresh_token,
                client_id=request.client.get_client_id(),
                scope=old.scope if old is not None else token.get("scope", ""),
                user=request.user,
            )
        )

    @override
    def create_oauth2_request(self, request: IncomingRequest) -> IncomingRequest:
        return request

    @override
    def create_json_request(self, request: object) -> object:
        raise NotImplementedError("the reference provider has no JSON endpoints")

    @override
    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """authlib's signals are for framework integrations; nothing listens here."""

    @override
    def get_error_uri(self, request: IncomingRequest, error: OAuth2Error) -> str | None:
        return self.flavor.error_uri

    @override
    def handle_response(
        self, status: int, body: object, headers: list[tuple[str, str]]
    ) -> ProviderReply:
        if isinstance(body, dict):
            rest = tuple((k, v) for k, v in headers if k.lower() != "content-type")
            return ProviderReply(
                status, (("Content-Type", self.flavor.content_type), *rest), json=body
            )
        raw = body.encode() if isinstance(body, str) else b""
        return ProviderReply(status, tuple(headers), body=raw)

    @override
    def handle_error_response(self, request: IncomingRequest, error: OAuth2Error) -> ProviderReply:
        """authlib's error reply, with ``invalid_client``'s status set as the flavor says.

        RFC 6749 §5.2: 401 with ``WWW-Authenticate`` when the client tried HTTP Basic; a flavor
        may use 401 always (Tencent), and then a client that did not try Basic gets no challenge.
        """
        tried_basic = _tried_basic(request)
        if isinstance(error, InvalidClientError) and request.endpoint != "authorize":
            error.status_code = self.flavor.invalid_client_status or (401 if tried_basic else 400)
        reply: ProviderReply = super().handle_error_response(request, error)
        if not tried_basic:
            headers = tuple((k, v) for k, v in reply.headers if k.lower() != "www-authenticate")
            reply = ProviderReply(reply.status, headers, json=reply.json, body=reply.body)
        return reply


def _is_form(http: HttpRequest) -> bool:
    ctype = http.header("content-type") or ""
    return ctype.split(";", 1)[0].strip().lower() == FORM_CONTENT_TYPE


def _tried_basic(request: IncomingRequest) -> bool:
    scheme = (request.http.header("authorization") or "").strip().partition(" ")[0]
    return scheme.lower() == "basic"


def _claimed_client_id(request: IncomingRequest) -> str | None:
    """The client id the request claims, from Basic credentials or else the form."""
    credentials = basic_credentials(request.http.header("authorization"))
    if credentials is not None:
        return credentials[0]
    client_id: str | None = request.payload.data.get("client_id")
    return client_id


def _check_token_request(request: IncomingRequest) -> None:
    """RFC 6749 rules authlib leaves to the integration; raises :class:`InvalidRequestError`."""
    repeated = [name for name, values in request.payload.datalist.items() if len(values) > 1]
    if repeated:
        # Only a plain name is echoed: authlib refuses descriptions with quotes or backslashes.
        name = repeated[0] if repeated[0].isascii() and repeated[0].isidentifier() else "a"
        raise InvalidRequestError(f"Parameter '{name}' is repeated (RFC 6749 section 3.2).")
    if not request.payload.data.get("grant_type"):
        raise InvalidRequestError("Missing 'grant_type' parameter.")
    if _tried_basic(request) and "client_secret" in request.payload.data:
        raise InvalidRequestError(
            "Client credentials in both the Authorization header and the body "
            "(RFC 6749 section 2.3: one method per request)."
        )


def _method_not_allowed(allowed: str) -> ProviderReply:
    reply = text_reply(405, "method not allowed\n")
    return ProviderReply(reply.status, (*reply.headers, ("Allow", allowed)), body=reply.body)
