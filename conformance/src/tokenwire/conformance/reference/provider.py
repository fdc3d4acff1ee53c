"""``ReferenceProvider``: an embedded OAuth 2.0 provider on a loopback port.

One authlib authorization server per provider, in the shape of one flavor (plain RFC 6749, Tencent
CIAM or the ``/api/v1`` variant), optionally broken in named ways, with knobs that other tests need:
refresh-token rotation on or off, the access-token lifetime, a server-side delay on token requests
(to see single-flight refresh at work) and a count of token requests received.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import msgspec

from tokenwire.conformance.loopback import HOST, serving
from tokenwire.conformance.reference.broken import BROKEN_MODES, apply_broken
from tokenwire.conformance.reference.clients import (
    BASIC_CLIENT,
    DEFAULT_CLIENTS,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    RegisteredClient,
)
from tokenwire.conformance.reference.device import DEVICE_PATH
from tokenwire.conformance.reference.endpoints import INTROSPECTION_PATH, REVOCATION_PATH
from tokenwire.conformance.reference.flavors import Flavor, FlavorName, flavor_named
from tokenwire.conformance.reference.handler import ReferenceHTTPServer
from tokenwire.conformance.reference.replies import ProviderReply, text_reply
from tokenwire.conformance.reference.server import ReferenceAuthorizationServer
from tokenwire.conformance.reference.store import Store
from tokenwire.core import (
    ConfigurationError,
    HttpRequest,
    Profile,
    ProtocolError,
    encode_form,
    header,
    parse_callback,
)
from tokenwire.core.response import error_from_json


class ReferenceProvider:
    """An OAuth 2.0 provider served on ``127.0.0.1`` while started (or inside ``with``).

    Clients :data:`POST_CLIENT`, :data:`BASIC_CLIENT` and :data:`PUBLIC_CLIENT` are registered
    from the start (also reachable as attributes); :meth:`register_client` adds more. State
    (clients, codes, refresh tokens, the request count) survives :meth:`stop`; a provider started
    again serves it on a new port.
    """

    POST_CLIENT = POST_CLIENT
    BASIC_CLIENT = BASIC_CLIENT
    PUBLIC_CLIENT = PUBLIC_CLIENT
    REDIRECT_URI = REDIRECT_URI

    def __init__(
        self,
        flavor: FlavorName | str = "rfc6749",
        *,
        rotate_refresh_tokens: bool = True,
        access_token_lifetime: int | None = None,
        token_delay: float = 0.0,
        broken: frozenset[str] = frozenset(),
        device_expires_in: int = 1800,
        device_interval: int = 5,
    ) -> None:
        self.flavor: Flavor = flavor_named(flavor)
        unknown = set(broken) - BROKEN_MODES
        if unknown:
            raise ConfigurationError(
                f"unknown broken mode(s) {', '.join(sorted(unknown))}; "
                f"expected some of {', '.join(sorted(BROKEN_MODES))}"
            )
        if token_delay < 0:
            raise ConfigurationError("token_delay must not be negative")
        if access_token_lifetime is not None and access_token_lifetime < 0:
            raise ConfigurationError("access_token_lifetime must not be negative")
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.access_token_lifetime = (
            self.flavor.access_token_lifetime
            if access_token_lifetime is None
            else access_token_lifetime
        )
        self.token_delay = token_delay
        self.broken = frozenset(broken)
        self.store = Store()
        for client in DEFAULT_CLIENTS:
            self.store.add_client(client)
        self._server = ReferenceAuthorizationServer(
            self.flavor,
            self.store,
            rotate_refresh_tokens=rotate_refresh_tokens,
            access_token_lifetime=self.access_token_lifetime,
            issuer=self._issuer,
            device_expires_in=device_expires_in,
            device_interval=device_interval,
        )
        self._http: ReferenceHTTPServer | None = None
        self._running = contextlib.ExitStack()

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        """Start serving on a free loopback port (no-op if already serving)."""
        if self._http is None:
            http = ReferenceHTTPServer(self._respond)
            self._running.enter_context(serving(http))
            self._http = http
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (no-op if not serving)."""
        self._http = None
        self._running.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._http.base_url if self._http is not None else "stopped"
        broken = f", broken={sorted(self.broken)}" if self.broken else ""
        return f"ReferenceProvider({self.flavor.name!r}, {where}{broken})"

    # --- where it is --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; only while serving."""
        if self._http is None:
            raise RuntimeError("the reference provider is not started")
        return self._http.base_url

    @property
    def token_url(self) -> str:
        return self.base_url + self.flavor.token_path

    @property
    def authorization_url(self) -> str:
        return self.base_url + self.flavor.authorize_path

    @property
    def device_authorization_url(self) -> str:
        return self.base_url + DEVICE_PATH

    @property
    def revocation_url(self) -> str:
        return self.base_url + REVOCATION_PATH

    @property
    def introspection_url(self) -> str:
        return self.base_url + INTROSPECTION_PATH

    def profile(self) -> Profile:
        """The tokenwire profile for this provider (``generic``, ``tencent_ciam`` or ``api_v1``),
        with its device authorization, revocation and introspection URLs."""
        return msgspec.structs.replace(
            self.flavor.profile(self.base_url),
            device_authorization_url=self.device_authorization_url,
            revocation_url=self.revocation_url,
            introspection_url=self.introspection_url,
        )

    # --- clients and codes --------------------------------------------------------------------
    def register_client(self, client: RegisteredClient) -> RegisteredClient:
        """Register ``client`` (replacing one with the same id) and return it."""
        self.store.add_client(client)
        return client

    def approve(self, authorization_url: str) -> str:
        """Answer ``authorization_url`` in-process as ``GET /authorize`` would; return the redirect.

        The returned URL carries ``code`` and ``state``, or ``error`` (read it with
        :func:`tokenwire.core.parse_callback`). A request too broken to redirect (unknown client,
        unregistered redirect URI) raises the matching :class:`~tokenwire.core.OAuthError`.
        """
        reply = self._server.authorize_reply(
            HttpRequest(method="GET", url=authorization_url, headers=())
        )
        location = header(reply.headers, "location")
        if reply.status == 302 and location:
            return location
        raise _refusal(reply)

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str = REDIRECT_URI,
        *,
        code_challenge: str | None = None,
        scope: str | None = None,
    ) -> str:
        """An authorization code for these parameters, without the HTTP hop.

        ``code_challenge`` is an S256 challenge (``tokenwire.core.code_challenge(verifier)``).
        Raises the matching :class:`~tokenwire.core.OAuthError` if the request is refused.
        """
        state = secrets.token_urlsafe(16)
        fields = [("response_type", "code"), ("client_id", client_id)]
        fields.append(("redirect_uri", redirect_uri))
        if scope is not None:
            fields.append(("scope", scope))
        fields.append(("state", state))
        if code_challenge is not None:
            fields += [("code_challenge", code_challenge), ("code_challenge_method", "S256")]
        url = f"{self._issuer()}{self.flavor.authorize_path}?{encode_form(fields).decode()}"
        return parse_callback(self.approve(url), expected_state=state).code

    # --- the device flow's user side -----------------------------------------------------------
    def decide_device(self, user_code: str, *, approved: bool = True) -> None:
        """Approve (or deny) ``user_code`` as the test user would at the verification URI.

        Raises :class:`~tokenwire.core.ConfigurationError` for a user code no live device code has.
        """
        if not self.store.decide(user_code, approved):
            raise ConfigurationError("no pending device authorization has this user code")

    def slow_down(self, polls: int) -> None:
        """Answer ``slow_down`` (RFC 8628 §3.5) to the next ``polls`` pending device polls."""
        self.store.set_slow_downs(polls)

    # --- observability ------------------------------------------------------------------------
    @property
    def token_requests(self) -> int:
        """How many requests reached the token endpoint (any method, any outcome)."""
        return self.store.token_requests

    # --- serving ------------------------------------------------------------------------------
    def _issuer(self) -> str:
        http = self._http
        return http.base_url if http is not None else f"http://{HOST}"

    def _respond(self, request: HttpRequest) -> ProviderReply:
        path = urlsplit(request.url).path
        if path == self.flavor.token_path:
            self.store.count_token_request()
            if self.token_delay:
                time.sleep(self.token_delay)  # the point: a provider that answers slowly
            return apply_broken(self._server.token_reply(request), self.broken)
        if path == self.flavor.authorize_path:
            return self._server.authorize_reply(request)
        endpoint = _ENDPOINTS.get(path)
        if endpoint is not None:
            return self._server.endpoint_reply(endpoint, request)
        return text_reply(404, "not found\n")


#: The other endpoints, by path, and the names authlib registers them under.
_ENDPOINTS = {
    DEVICE_PATH: "device_authorization",
    REVOCATION_PATH: "revocation",
    INTROSPECTION_PATH: "introspection",
}


def _refusal(reply: ProviderReply) -> Exception:
    """The typed error for an authorization request refused without a redirect."""
    if reply.json is not None and reply.is_error:
        return error_from_json(reply.json, reply.status)
    return ProtocolError("the authorization endpoint did not redirect", status=reply.status)
