"""Conformance vectors: the providers' own samples, as data.

A vector holds the profile and client, the grant, the exact request the provider must receive,
the response it sends back, and the outcome a client must reach. The files live in ``vectors/``
(package data) so that anyone can run them; this module loads them and checks a request or an
outcome against one, with mismatch messages that never show a secret value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
from typing_extensions import override

from tokenwire.adapters import profiles
from tokenwire.core import USER_AGENT as CORE_USER_AGENT
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    DeviceCode,
    ExtensionGrant,
    Grant,
    HttpRequest,
    HttpResponse,
    JwtBearer,
    OAuthError,
    Profile,
    ProtocolError,
    RefreshToken,
    Token,
    TokenExchange,
    decode_form,
)
from tokenwire.core import errors as core_errors
from tokenwire.core.redact import SECRET_FIELDS, RedactedStruct, Shown, hidden

ProfileName = Literal["tencent-ciam", "api-v1", "generic"]

#: Where each profile's samples are addressed in the providers' documents.
DEFAULT_BASES: dict[str, str] = {
    "tencent-ciam": "https://sample.portal.tencentciam.com",
    "api-v1": "https://oneaccess.example.com",
    "generic": "https://as.example.com",
}


class VectorClient(RedactedStruct, frozen=True, kw_only=True):
    """The client a vector authenticates as; ``repr`` hides the secret, as everywhere."""

    client_id: str
    client_secret: str | None = None
    method: str = "client_secret_post"

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "client_id", self.client_id
        yield "client_secret", hidden(self.client_secret)
        yield "method", self.method

    def build(self) -> ClientAuth:
        return ClientAuth(self.client_id, self.client_secret, self.method)  # type: ignore[arg-type]


class VectorGrant(RedactedStruct, frozen=True, kw_only=True):
    """The grant a vector sends; ``repr`` names its parameters but shows no value.

    A parameter that may be repeated (``resource``, ``audience``) holds its values separated by
    spaces, which URIs and audience names never contain.
    """

    grant_type: str
    params: dict[str, str] = msgspec.field(default_factory=dict)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "grant_type", self.grant_type
        yield "params", Shown(f"<{sorted(self.params)!r}>")

    def build(self) -> Grant:
        p = self.params
        if self.grant_type == "authorization_code":
            return AuthorizationCode(p["code"], p["redirect_uri"], p.get("code_verifier"))
        if self.grant_type == "refresh_token":
            return RefreshToken(p["refresh_token"], p.get("scope"))
        if self.grant_type == "client_credentials":
            return ClientCredentials(p.get("scope"))
        if self.grant_type == DeviceCode.grant_type:
            return DeviceCode(p["device_code"])
        if self.grant_type == JwtBearer.grant_type:
            return JwtBearer(p["assertion"], p.get("scope"), resource=_many(p, "resource"))
        if self.grant_type == TokenExchange.grant_type:
            return TokenExchange(
                subject_token=p["subject_token"],
                subject_token_type=p["subject_token_type"],
                actor_token=p.get("actor_token"),
                actor_token_type=p.get("actor_token_type"),
                requested_token_type=p.get("requested_token_type"),
                audience=_many(p, "audience"),
                scope=p.get("scope"),
                resource=_many(p, "resource"),
            )
        return ExtensionGrant(self.grant_type, tuple(p.items()))


def _many(params: dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(params.get(name, "").split())


class ExpectedRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the provider must receive. Form fields compare as a multiset (order is free)."""

    method: str = "POST"
    path: str
    content_type: str = "application/x-www-form-urlencoded"
    form: list[tuple[str, str]]
    #: The exact Authorization header, or ``None`` when none may be sent.
    authorization: str | None = None
    #: The exact Accept header: the core asks for JSON, and a transport must not change that
    #: (``None``: not compared, for holding another library's client to a vector).
    accept: str | None = "application/json"
    #: The exact User-Agent header: the core's own (``tokenwire/<version>``), never a
    #: transport's (``None``: not compared).
    user_agent: str | None = CORE_USER_AGENT


class CannedResponse(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    headers: list[tuple[str, str]] = msgspec.field(default_factory=list)
    body: str = ""

    def build(self) -> HttpResponse:
        return HttpResponse(
            status=self.status,
            headers=tuple((k, v) for k, v in self.headers),
            body=self.body.encode("utf-8"),
        )


class ExpectedError(msgspec.Struct, frozen=True, kw_only=True):
    #: Name of the tokenwire error class, e.g. ``InvalidGrant`` or ``ProtocolError``.
    type: str
    code: str | None = None
    description: str | None = None
    uri: str | None = None
    status: int | None = None
    #: For a ``TransportError``: whether the request may have reached the server (``sent``),
    #: the one fact the retry rules read (``None``: not compared).
    sent: bool | None = None


class ExpectedOutcome(msgspec.Struct, frozen=True, kw_only=True):
    #: Expected Token fields (those named are compared exactly), when the call succeeds.
    token: dict[str, Any] | None = None
    error: ExpectedError | None = None


class Vector(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    #: Where the sample comes from (seed file and section, or the quirk it stands for).
    source: str
    description: str = ""
    profile: ProfileName
    client: VectorClient
    grant: VectorGrant
    request: ExpectedRequest
    response: CannedResponse
    outcome: ExpectedOutcome
    #: The clock reading at which the response is received, for ``expires_at``.
    received_at: float = 1636449231.0

    def build_profile(self, base: str | None = None) -> Profile:
        """The vector's profile, addressed at ``base`` (e.g. a loopback replay server)."""
        return build_profile(self.profile, base, self.request.path)


def build_profile(
    name: ProfileName, base: str | None = None, token_path: str = "/token"
) -> Profile:
    """The named profile at ``base`` (default: where the provider's samples are addressed).

    ``token_path`` places the token endpoint of a generic profile; the named providers' profiles
    know their own paths.
    """
    base = base or DEFAULT_BASES[name]
    if name in profiles.BY_NAME:
        return profiles.BY_NAME[name](base)
    return profiles.generic(base + token_path)


_decoder = msgspec.json.Decoder(Vector)


def _vector_files() -> Iterator[resources.abc.Traversable]:
    folder = resources.files("tokenwire.conformance") / "vectors"
    yield from sorted(
        (f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name
    )


@cache
def load_vectors() -> tuple[Vector, ...]:
    """Every vector shipped with the package, in file-name order."""
    return tuple(_decoder.decode(f.read_bytes()) for f in _vector_files())


def _fingerprint(value: str) -> str:
    """Show which value differed without showing the value: a short hash."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:10]


def _show_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, _fingerprint(v) if k in SECRET_FIELDS else v) for k, v in pairs]


def check_request(vector: Vector, request: HttpRequest) -> list[str]:
    """Compare a request with the vector's expectation; return the mismatches (empty if none)."""
    return check_expected_request(vector.request, request)


def check_expected_request(want: ExpectedRequest, request: HttpRequest) -> list[str]:
    """Compare a request with an expected one; return the mismatches (empty if none)."""
    problems: list[str] = []
    if request.method != want.method:
        problems.append(f"method {request.method!r}, expected {want.method!r}")
    path = urlsplit(request.url).path if "://" in request.url else request.url.split("?")[0]
    if path != want.path:
        problems.append(f"path {path!r}, expected {want.path!r}")
    ctype = request.header("content-type")
    if ctype is None or ctype.split(";")[0].strip().lower() != want.content_type:
        problems.append(f"content type {ctype!r}, expected {want.content_type!r}")
    got_form = sorted(decode_form(request.body))
    if got_form != sorted(want.form):
        problems.append(
            f"form fields {_show_pairs(got_form)}, expected {_show_pairs(sorted(want.form))}"
        )
    for name, expected in (("Accept", want.accept), ("User-Agent", want.user_agent)):
        got = request.header(name)
        if expected is not None and got != expected:
            problems.append(f"{name} header {got!r}, expected {expected!r}")
    auth = request.header("authorization")
    if auth != want.authorization:
        shown = None if auth is None else _fingerprint(auth)
        wanted = None if want.authorization is None else _fingerprint(want.authorization)
        problems.append(f"Authorization header {shown}, expected {wanted}")
    if "?" in request.url:
        problems.append("request URL carries a query string; parameters belong in the body")
    return problems


def check_outcome(want: ExpectedOutcome, result: Token | BaseException) -> list[str]:
    """Compare what a client ended with against an expected outcome; return the mismatches."""
    if want.token is not None:
        if not isinstance(result, Token):
            return [f"expected a token, got {type(result).__name__}: {result}"]
        problems = []
        for name, expected in want.token.items():
            got = getattr(result, name)
            if got != expected:
                shown = _fingerprint(str(got)) if name in SECRET_FIELDS else repr(got)
                problems.append(f"token.{name} is {shown}")
        return problems
    assert want.error is not None
    return check_error(want.error, result)


def check_error(err: ExpectedError, result: object) -> list[str]:
    """Compare what a call ended with against an expected error; return the mismatches."""
    cls = getattr(core_errors, err.type, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        return [f"vector names unknown error class {err.type!r}"]
    if not isinstance(result, cls):
        return [f"expected {err.type}, got {type(result).__name__}: {result}"]
    if type(result) is not cls and err.type != "TransportError":
        return [f"expected exactly {err.type}, got {type(result).__name__}"]
    problems = []
    if isinstance(result, OAuthError):
        for name in ("code", "description", "uri", "status"):
            expected = getattr(err, name)
            got = result.error if name == "code" else getattr(result, name)
            if expected is not None and got != expected:
                problems.append(f"error {name} is {got!r}, expected {expected!r}")
    elif (
        isinstance(result, ProtocolError) and err.status is not None and result.status != err.status
    ):
        problems.append(f"error status is {result.status!r}, expected {err.status!r}")
    if isinstance(result, core_errors.TransportError) and err.sent not in (None, result.sent):
        problems.append(f"error sent is {result.sent!r}, expected {err.sent!r}")
    return problems
