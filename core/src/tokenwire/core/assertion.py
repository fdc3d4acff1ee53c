"""Client assertions (RFC 7523 §2.2, OIDC Core §9): the JWT a ``*_jwt`` client authenticates with.

The claims are fixed by OIDC Core §9: ``iss`` and ``sub`` the client id, ``aud`` the token
endpoint (or the issuer, for a provider whose profile says so), a unique ``jti``, ``iat`` and an
``exp`` :data:`ASSERTION_LIFETIME` seconds ahead. An assertion is signed for each attempt (a retry
signs anew) and never cached: a provider that remembers ``jti`` values (oidc-provider does)
refuses a second use.

Sans-IO like the rest of core: the time and the randomness behind ``jti`` come in as arguments
(:func:`sign_assertion` takes the flow's ``clock`` and ``random``). ``client_secret_jwt`` signs
with HMAC from the standard library; ``private_key_jwt`` needs the ``oidc`` extra, whose key loading
lives in :mod:`tokenwire.core.oidc._sign`, imported only when such a client is built.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import Protocol

import msgspec
from typing_extensions import override

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.profile import Profile

__all__ = [
    "ASSERTION_LIFETIME",
    "ASSERTION_METHODS",
    "CLIENT_ASSERTION_TYPE",
    "HMAC_ALGS",
    "AssertionSigner",
    "assertion_audience",
    "client_assertion",
    "hmac_signer",
    "key_signer",
    "new_jti",
    "sign_assertion",
]

#: ``client_assertion_type`` for a JWT (RFC 7523 §2.2).
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: The methods that send a signed client assertion.
ASSERTION_METHODS = frozenset({"client_secret_jwt", "private_key_jwt"})
#: Seconds from ``iat`` to ``exp``: short, as the assertion is made for one request.
ASSERTION_LIFETIME = 60
#: The HMAC algorithms ``client_secret_jwt`` signs with, and their hashes.
HMAC_ALGS: dict[str, Callable[[], object]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
_INSTALL_HINT = 'pip install "tokenwire-core[oidc]"'
_encode = msgspec.json.encode


class AssertionSigner(msgspec.Struct, frozen=True):
    """A loaded signing key: the JWS header (encoded once) and the signing function."""

    alg: str
    kid: str | None
    header: bytes
    sign: Callable[[bytes], bytes]

    @override
    def __repr__(self) -> str:  # the signing function holds the key: never shown
        return f"AssertionSigner(alg={self.alg!r}, kid={self.kid!r})"


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """Unpadded base64url, as bytes (the signing input is bytes)."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _signer(alg: str, kid: str | None, sign: Callable[[bytes], bytes]) -> AssertionSigner:
    fields = {"alg": alg, "typ": "JWT"} if kid is None else {"alg": alg, "typ": "JWT", "kid": kid}
    return AssertionSigner(alg, kid, _b64(_encode(fields)), sign)


def hmac_signer(secret: str, alg: str | None, kid: str | None) -> AssertionSigner:
    """The ``client_secret_jwt`` signer: HMAC keyed with the client secret (default HS256)."""
    alg = alg or "HS256"
    digest = HMAC_ALGS.get(alg)
    if digest is None:
        raise ConfigurationError(
            f"client_secret_jwt signs with {', '.join(HMAC_ALGS)}, not {alg!r}"
        )
    key = secret.encode("utf-8", "surrogatepass")

    def sign(data: bytes) -> bytes:
        return hmac.new(key, data, digest).digest()  # type: ignore[arg-type]

    return _signer(alg, kid, sign)


def key_signer(key: str | bytes, alg: str | None, kid: str | None) -> AssertionSigner:
    """The ``private_key_jwt`` signer for a PEM or JWK private key (needs the ``oidc`` extra)."""
    try:
        from tokenwire.core.oidc._sign import load_private_key
    except ImportError:
        missing = True
    else:
        missing = False
    if missing:
        raise ConfigurationError(
            f"private_key_jwt needs the 'cryptography' package: {_INSTALL_HINT}"
        )
    alg, kid, sign = load_private_key(key, alg, kid)
    return _signer(alg, kid, sign)


class _AssertingClient(Protocol):
    """What signing asks of a client (a :class:`~tokenwire.core.ClientAuth`)."""

    @property
    def client_id(self) -> str: ...

    @property
    def method(self) -> str: ...

    @property
    def signer(self) -> AssertionSigner: ...


def client_assertion(client: _AssertingClient, audience: str, *, now: float, jti: str) -> str:
    """Sign a client assertion for ``client`` to ``audience``, issued at ``now``, with ``jti``.

    The public building block: flows call :func:`sign_assertion`, which picks the audience and
    the ``jti`` for them.
    """
    signer = client.signer
    issued = int(now)
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": audience,
        "jti": jti,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = signer.header + b"." + _b64(_encode(claims))
    return (signing_input + b"." + _b64(signer.sign(signing_input))).decode("ascii")


def new_jti(random: Callable[[], float]) -> str:
    """A fresh ``jti``: 104 bits from two draws of the flow's ``random`` (floats in [0, 1))."""
    return f"{int(random() * 2**52):013x}{int(random() * 2**52):013x}"


def assertion_audience(profile: Profile) -> str:
    """The ``aud`` a provider expects: its token endpoint, or its issuer if the profile says."""
    if profile.client_assertion_audience == "issuer":
        if profile.issuer is None:
            raise ConfigurationError(
                "the profile wants the issuer as the client assertion's audience but has no issuer"
            )
        return profile.issuer
    return profile.token_url


def sign_assertion(
    profile: Profile,
    client: _AssertingClient,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
) -> str | None:
    """A new assertion for one request if ``client``'s method sends one, else ``None``."""
    if client.method not in ASSERTION_METHODS:
        return None
    return client_assertion(client, assertion_audience(profile), now=clock(), jti=new_jti(random))
