"""panva's ``oidc-provider`` (Node.js, OpenID certified) as a real third-party peer for tests.

tokenwire's own reference provider can only prove that tokenwire agrees with itself; this peer is
someone else's reading of RFC 6749, so the round trips here catch what a shared misreading would
hide (Basic auth encoding, PKCE, refresh-token rotation). :class:`OidcProviderPeer` runs
``tests/oidc_provider/server.mjs`` as a child process on a free loopback port, waits until its
discovery document answers, and stops it by PID. :meth:`OidcProviderPeer.authorize` plays the
user: it walks the authorization endpoint and the provider's development login and consent forms
over plain HTTP with a cookie jar, following each redirect by hand, until the redirect to the
client's ``redirect_uri`` carries the code.

The token requests themselves go through :meth:`OidcProviderPeer.send`, a bare ``http.client``
exchange, so these tests depend on the sans-IO core only and not on any tokenwire transport.
"""

from __future__ import annotations

import http.client
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec
import pytest

from tests.child_peer import ChildPeer, poll_until_ready
from tests.peers import peers_required, require_executable
from tokenwire.adapters.profiles import generic
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.core import ClientAuth, HttpRequest, HttpResponse, Profile, encode_form
from tokenwire.core.auth import AuthMethod
from tokenwire.core.authorize import parse_callback

#: The npm project holding ``server.mjs``, its ``package-lock.json`` and, once installed,
#: ``node_modules``.
NODE_PROJECT = Path(__file__).parent / "oidc_provider"

#: Registered for every client in ``server.mjs``. Nothing listens there: the redirect carrying the
#: code is read from the ``Location`` header and never followed.
REDIRECT_URI = "http://127.0.0.1/cb"

#: The resource server a client_credentials token is issued for (``server.mjs``), and its scopes.
API_RESOURCE = "urn:tokenwire:api"
API_SCOPES = ("api:read", "api:write")

#: Any login is accepted by the provider's development interactions.
LOGIN = "tokenwire-user"

#: A bound on every network wait; nothing in these tests may hang.
TIMEOUT = 10.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0

#: Redirects and forms from the authorization request to the callback: login and consent take
#: six hops; more means the provider is looping.
MAX_HOPS = 12


@dataclass(frozen=True)
class OidcClient:
    """A client registered in ``server.mjs``; ``repr`` never shows the secret."""

    client_id: str
    client_secret: str | None = field(repr=False)
    method: AuthMethod
    redirect_uri: str = REDIRECT_URI

    @property
    def auth(self) -> ClientAuth:
        return ClientAuth(self.client_id, self.client_secret, self.method)

    @property
    def confidential(self) -> bool:
        return self.client_secret is not None


POST_CLIENT = OidcClient("tw-post", "tw-post-secret", "client_secret_post")
#: RFC 6749 §2.3.1 exercised for real: ``:`` would split the Basic pair, ``%41`` and ``+`` decode
#: to ``A`` and a space when a client forgets to encode, a bare ``%`` breaks the decoder.
BASIC_CLIENT = OidcClient("tw:basic %41+id", "s:e%41c+r et%/=&?", "client_secret_basic")
#: A public client: no secret, PKCE required (``pkce.required`` in ``server.mjs``).
PUBLIC_CLIENT = OidcClient("tw-public", None, "none")
#: A native public client (RFC 8252): its loopback redirect may take any port, so a test can run
#: a real listener on a free one (``native_redirect_uri``). PKCE required, as for any public client.
NATIVE_CLIENT = OidcClient("tw-native", None, "none", redirect_uri="http://127.0.0.1/callback")
#: The example web app's client (``examples/starlette_login``): confidential, and native only so
#: that the app may run on any loopback port.
WEB_CLIENT = OidcClient(
    "tw-web", "tw-web-secret", "client_secret_basic", redirect_uri="http://127.0.0.1/callback"
)
CLIENTS = (POST_CLIENT, BASIC_CLIENT, PUBLIC_CLIENT)


def native_redirect_uri(port: int) -> str:
    """:data:`NATIVE_CLIENT`'s redirect URI on loopback port ``port``."""
    return f"http://{HOST}:{port}/callback"


class PeerError(AssertionError):
    """The peer or the user-agent walk did something a test did not expect."""


def require_oidc_provider() -> str:
    """Path of ``node``, once ``node`` and the locked npm packages are both present.

    Skips the test when either is missing, or fails it under ``TOKENWIRE_REQUIRE_PEERS=1``.
    """
    node = require_executable("node", "install Node.js 20 or later for the oidc-provider peer")
    if not (NODE_PROJECT / "node_modules" / "oidc-provider").is_dir():
        message = "oidc-provider is not installed (run: npm ci --prefix tests/oidc_provider)"
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
        pytest.skip(message)
    return node


def send(request: HttpRequest, *, timeout: float = TIMEOUT) -> HttpResponse:
    """Send ``request`` to a loopback server over ``http.client``, exactly as built."""
    parts = urlsplit(request.url)
    if parts.scheme != "http" or parts.hostname != HOST or parts.port is None:
        raise PeerError(f"the oidc-provider peer lives at http://{HOST}:PORT, not {parts.netloc}")
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    connection = http.client.HTTPConnection(HOST, parts.port, timeout=timeout)
    try:
        connection.putrequest(request.method, target, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        if request.body or request.method == "POST":
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body or None)
        response = connection.getresponse()
        return HttpResponse(
            status=response.status, headers=tuple(response.getheaders()), body=response.read()
        )
    finally:
        connection.close()


class OidcProviderPeer:
    """One ``node server.mjs`` child process on a free loopback port.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, node: str) -> None:
        self.node = node
        self.port = 0
        self._child = ChildPeer()

    # --- where things are -------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def authorization_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def pid(self) -> int | None:
        return self._child.pid

    def profile(self) -> Profile:
        """A plain RFC 6749 profile for this provider: no quirk needed."""
        return generic(
            self.token_url,
            authorization_url=self.authorization_url,
            revocation_url=f"{self.issuer}/token/revocation",
            introspection_url=f"{self.issuer}/token/introspection",
            userinfo_url=f"{self.issuer}/me",
            jwks_url=f"{self.issuer}/jwks",
            issuer=self.issuer,
            name="oidc-provider",
        )

    # --- process lifetime -------------------------------------------------------------------

    def start(self, *, timeout: float = START_TIMEOUT) -> None:
        """Start the provider and return once its discovery document names the right issuer."""
        if self._child.running:
            raise PeerError("the oidc-provider peer is already running")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "NODE_OPTIONS")}
        self._child.spawn([self.node, "server.mjs", str(self.port)], cwd=NODE_PROJECT, env=env)
        try:
            poll_until_ready(
                self._child, self._ready, timeout=timeout, what="oidc-provider", error=PeerError
            )
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        discovery = HttpRequest(
            method="GET",
            url=f"{self.issuer}/.well-known/openid-configuration",
            headers=(("Accept", "application/json"),),
        )
        try:
            response = send(discovery, timeout=1.0)
        except OSError:
            return False
        if response.status != 200:
            return False
        document = msgspec.json.decode(response.body)
        if document.get("issuer") != self.issuer:
            raise PeerError(f"discovery names issuer {document.get('issuer')!r}")
        return True

    def log(self) -> str:
        """What the provider printed so far (it never prints a token or secret)."""
        return self._child.log()

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the process by its PID: SIGTERM, then SIGKILL if it lingers."""
        self._child.stop(timeout)

    def __enter__(self) -> OidcProviderPeer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def rotate_keys(self) -> str:
        """Make the provider sign with a new key (``server.mjs``'s admin hook); return its kid."""
        reply = send(
            HttpRequest(method="POST", url=f"{self.issuer}/__tokenwire/rotate-keys", headers=())
        )
        if reply.status != 200:
            raise PeerError(f"key rotation answered HTTP {reply.status}")
        kid: str = msgspec.json.decode(reply.body)["kid"]
        return kid

    # --- the user's side of the authorization code flow -------------------------------------

    def obtain_code(
        self,
        client: OidcClient,
        scope: str,
        code_challenge: str | None,
        state: str,
        nonce: str | None,
        prompt: str | None = "consent",
    ) -> str:
        """Authorize ``client`` as a user would and return the code from the callback.

        ``prompt="consent"`` is what makes the provider honour ``offline_access`` (OpenID Connect
        Core §11), and so issue a refresh token. ``code_challenge`` is sent with ``S256``.
        """
        fields = [
            ("response_type", "code"),
            ("client_id", client.client_id),
            ("redirect_uri", client.redirect_uri),
            ("scope", scope),
            ("state", state),
        ]
        if nonce is not None:
            fields.append(("nonce", nonce))
        if code_challenge is not None:
            fields += [("code_challenge", code_challenge), ("code_challenge_method", "S256")]
        if prompt is not None:
            fields.append(("prompt", prompt))
        url = f"{self.authorization_url}?{encode_form(fields).decode('ascii')}"
        return self.authorize(url, expected_state=state, redirect_uri=client.redirect_uri)

    def authorize(self, url: str, *, expected_state: str, redirect_uri: str = REDIRECT_URI) -> str:
        """Walk from authorization URL ``url`` to the callback and return its code.

        Each hop is either a redirect (followed by hand, only within this provider) or a page
        with the login or consent form (submitted, the login filled in). The callback is checked
        with :func:`tokenwire.core.parse_callback`: ``state`` must match and ``iss`` (RFC 9207)
        must be this provider; an ``error=`` callback raises the matching ``OAuthError``.
        A fresh cookie jar each time means a fresh login each time.
        """
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as browser:
            response = browser.get(url)
            for _ in range(MAX_HOPS):
                where = urlsplit(str(response.url)).path
                if response.is_redirect:
                    location = urljoin(str(response.url), response.headers.get("location", ""))
                    if location.split("?", 1)[0].split("#", 1)[0] == redirect_uri:
                        callback = parse_callback(
                            location, expected_state=expected_state, issuer=self.issuer
                        )
                        return callback.code
                    if not location.startswith(self.issuer + "/"):
                        raise PeerError(f"{where} redirected off the provider")
                    response = browser.get(location)
                elif response.status_code == 200:
                    form = _post_form(response.text)
                    if form is None:
                        raise PeerError(f"{where} answered a page without a form")
                    action, fields = form
                    filled = [(n, LOGIN if n in ("login", "password") else v) for n, v in fields]
                    response = browser.post(
                        urljoin(str(response.url), action),
                        content=encode_form(filled),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                else:
                    raise PeerError(f"{where} answered HTTP {response.status_code}")
        raise PeerError(f"no callback after {MAX_HOPS} hops")


class _FormParser(HTMLParser):
    """Collects the first ``method=post`` form: its action and its named inputs, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done and attributes.get("method", "").lower() == "post":
            self.action = attributes.get("action", "")
            self._inside = True
        elif tag == "input" and self._inside and attributes.get("name"):
            self.fields.append((attributes["name"], attributes.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside = False
            self._done = True


def _post_form(html: str) -> tuple[str, list[tuple[str, str]]] | None:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    if parser.action is None:
        return None
    return parser.action, parser.fields
