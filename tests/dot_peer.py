"""django-oauth-toolkit (Django, PyPI) as a second real third-party provider for tests.

:class:`DotPeer` runs ``python -m tests.dot_provider.serve PORT`` (see :mod:`tests.dot_provider`)
as a child process on a free loopback port, with a SQLite database in a temporary directory and
an RSA key generated for the run (``cryptography``), waits until its discovery document answers,
and stops it by PID. :meth:`DotPeer.obtain_code` plays the user: the test project's login signs
the one user in, and its applications skip the consent screen, so the authorization endpoint
answers with a code after two redirects, followed by hand within the provider.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin

import httpx
import msgspec
import pytest

from tests.child_peer import ChildPeer, poll_until_ready
from tests.dot_provider.seed import CONFIDENTIAL, PUBLIC, REDIRECT_URI, SECRET, SERVICE
from tests.peers import peers_required
from tokenwire.adapters.profiles import generic
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.core import ClientAuth, Profile, encode_form
from tokenwire.core.auth import AuthMethod
from tokenwire.core.authorize import parse_callback

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 10.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
MAX_HOPS = 6


@dataclass(frozen=True)
class DotClient:
    """An application of the test project; ``repr`` never shows the secret."""

    client_id: str
    client_secret: str | None = field(repr=False)
    method: AuthMethod

    @property
    def auth(self) -> ClientAuth:
        return ClientAuth(self.client_id, self.client_secret, self.method)


#: Authorization code (and refresh), confidential, Basic by default at DOT.
CODE_CLIENT = DotClient(CONFIDENTIAL, SECRET, "client_secret_basic")
#: The same party's client_credentials application (one grant type per application).
SERVICE_CLIENT = DotClient(SERVICE, SECRET, "client_secret_post")
#: A public client: no secret, PKCE.
PUBLIC_CLIENT = DotClient(PUBLIC, None, "none")


def require_dot() -> None:
    """Skip unless django-oauth-toolkit is importable (fail under TOKENWIRE_REQUIRE_PEERS=1)."""
    try:
        import oauth2_provider  # noqa: F401
    except ImportError:
        message = "django-oauth-toolkit is not installed (uv sync installs the dev group)"
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
        pytest.skip(message)


def _rsa_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


class PeerError(AssertionError):
    """The peer or the user-agent walk did something a test did not expect."""


class DotPeer:
    """One Django process serving django-oauth-toolkit; a context manager."""

    def __init__(self) -> None:
        self.port = 0
        self._child = ChildPeer()
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}/o"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token/"

    def profile(self) -> Profile:
        return generic(
            self.token_url,
            authorization_url=f"{self.issuer}/authorize/",
            revocation_url=f"{self.issuer}/revoke_token/",
            introspection_url=f"{self.issuer}/introspect/",
            jwks_url=f"{self.issuer}/.well-known/jwks.json",
            issuer=self.issuer,
            name="django-oauth-toolkit",
        )

    def start(self, *, timeout: float = START_TIMEOUT) -> None:
        """Start the server; return once its discovery document names the right issuer."""
        if self._child.running:
            raise PeerError("the django-oauth-toolkit peer is already running")
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="tokenwire-dot-")
        env = dict(
            os.environ,
            DOT_DATABASE=str(Path(self._dir.name) / "db.sqlite3"),
            DOT_RSA_KEY=_rsa_key_pem(),
            DOT_SECRET_KEY=secrets.token_urlsafe(32),
            PYTHONPATH=str(ROOT),
        )
        env.pop("DJANGO_SETTINGS_MODULE", None)
        argv = [sys.executable, "-m", "tests.dot_provider.serve", str(self.port)]
        self._child.spawn(argv, cwd=ROOT, env=env)
        try:
            poll_until_ready(
                self._child, self._ready, timeout=timeout, what="the DOT server", error=PeerError
            )
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        try:
            response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1.0)
        except httpx.TransportError:
            return False
        if response.status_code != 200:
            return False
        issuer = msgspec.json.decode(response.content).get("issuer")
        if issuer != self.issuer:
            raise PeerError(f"discovery names issuer {issuer!r}")
        return True

    def log(self) -> str:
        """What the server printed so far (its access log is off; it never prints a secret)."""
        return self._child.log()

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the process by its PID, and remove its database."""
        self._child.stop(timeout)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> DotPeer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def obtain_code(
        self, client: DotClient, scope: str, code_challenge: str, *, nonce: str | None = None
    ) -> str:
        """Authorize ``client`` as the test user and return the code from the callback."""
        state = secrets.token_urlsafe(16)
        fields = [
            ("response_type", "code"),
            ("client_id", client.client_id),
            ("redirect_uri", REDIRECT_URI),
            ("scope", scope),
            ("state", state),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
        ]
        if nonce is not None:
            fields.append(("nonce", nonce))
        url = f"{self.issuer}/authorize/?{encode_form(fields).decode('ascii')}"
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as browser:
            response = browser.get(url)
            for _ in range(MAX_HOPS):
                if not response.is_redirect:
                    status = response.status_code
                    raise PeerError(f"the authorization walk stopped at HTTP {status}")
                location = urljoin(str(response.url), response.headers.get("location", ""))
                if location.split("?", 1)[0] == REDIRECT_URI:
                    return parse_callback(location, expected_state=state).code
                if not location.startswith(f"http://{HOST}:{self.port}/"):
                    raise PeerError("the authorization walk left the provider")
                response = browser.get(location)
        raise PeerError(f"no callback after {MAX_HOPS} hops")
