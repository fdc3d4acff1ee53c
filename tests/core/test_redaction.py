"""No printer shows a secret: ``repr``, ``str`` and rich's ``__rich_repr__``, structs and errors.

msgspec gives every struct a ``__rich_repr__`` that yields each field as it is; ``rich`` prefers it
to ``repr``, so it is walked here the way rich walks it (recursively, into nested structs).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import msgspec
import pytest

from tokenwire import core
from tokenwire.core import (
    AuthorizationCode,
    AuthorizationRequest,
    Callback,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    ExtensionGrant,
    HttpRequest,
    HttpResponse,
    OAuthError,
    Profile,
    ProtocolError,
    RefreshToken,
    Send,
    Sleep,
    StateMismatch,
    Token,
    TokenwireError,
    TransportError,
    TransportFailure,
    authorization_url,
    check_endpoint_url,
    parse_callback,
    parse_token_response,
    prepare_token_request,
)
from tokenwire.core.errors import ERROR_CLASSES

SECRET = "tw0_Secret-Value.abc123"
CLIENT_SECRET = "p@ss w0rd:&+/%=?"  # not token-shaped: only structs may hold it, never echo it
ACCESS = "tw0_Access.Token-xyz789"
REFRESH = "tw0_Refresh.Token-xyz789"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
CODE = "tw0_Code-SplxlOBeZQQYbYS6WxSbIA"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
ALL_SECRETS = (SECRET, CLIENT_SECRET, ACCESS, REFRESH, ID_TOKEN, CODE, VERIFIER)

PROFILE = Profile(
    token_url="https://as.example.com/token", authorization_url="https://as.example.com/authorize"
)


def rich_walk(value: object, depth: int = 0) -> Iterator[str]:
    """What rich's pretty printer would render: ``__rich_repr__`` items, else ``repr``."""
    rich_repr = getattr(value, "__rich_repr__", None)
    if rich_repr is None or isinstance(value, type) or depth > 5:
        yield repr(value)
        return
    for item in rich_repr():
        parts = item if isinstance(item, tuple) else (item,)
        for part in parts:
            yield from rich_walk(part, depth + 1)


def everything_shown(value: object) -> str:
    parts = [repr(value), str(value), *rich_walk(value)]
    if isinstance(value, BaseException):
        parts += [repr(arg) for arg in value.args]
        for chained in (value.__cause__, value.__context__):
            if chained is not None:
                parts.append(everything_shown(chained))
    return "\n".join(parts)


def assert_hidden(value: object) -> None:
    text = everything_shown(value)
    for secret in ALL_SECRETS:
        assert secret not in text, f"{type(value).__name__} shows a secret: {text}"


def raised(call: object) -> TokenwireError:
    assert callable(call)
    with pytest.raises(TokenwireError) as info:
        call()
    return info.value


def secret_request() -> HttpRequest:
    return prepare_token_request(
        PROFILE,
        ClientAuth("client", CLIENT_SECRET, "client_secret_basic"),
        AuthorizationCode(CODE, "https://app.example/cb", VERIFIER),
    )


TOKEN = Token(
    access_token=ACCESS,
    token_type="Bearer",
    expires_in=299,
    refresh_token=REFRESH,
    id_token=ID_TOKEN,
    scope="openid",
    expires_at=1299.0,
    received_at=1000.0,
    extra={"session_token": SECRET},
)

STRUCTS = [
    pytest.param(ClientAuth("client", CLIENT_SECRET), id="ClientAuth-post"),
    pytest.param(ClientAuth("client", SECRET, "client_secret_basic"), id="ClientAuth-basic"),
    pytest.param(
        AuthorizationCode(CODE, "https://app.example/cb", VERIFIER), id="AuthorizationCode"
    ),
    pytest.param(RefreshToken(REFRESH, scope="openid"), id="RefreshToken"),
    pytest.param(ClientCredentials(scope="read"), id="ClientCredentials"),
    pytest.param(
        ExtensionGrant(
            "urn:ietf:params:oauth:grant-type:token-exchange",
            (("subject_token", SECRET), ("actor_token", ACCESS)),
        ),
        id="ExtensionGrant",
    ),
    pytest.param(secret_request(), id="HttpRequest"),
    pytest.param(
        HttpResponse(
            status=200,
            headers=(("Set-Cookie", f"sid={SECRET}"), ("Content-Type", "application/json")),
            body=msgspec.json.encode({"access_token": ACCESS, "refresh_token": REFRESH}),
        ),
        id="HttpResponse",
    ),
    pytest.param(TOKEN, id="Token"),
    pytest.param(
        AuthorizationRequest(
            url="https://as.example.com/authorize?state=s",
            state="s",
            redirect_uri="https://app.example/cb",
            code_verifier=VERIFIER,
        ),
        id="AuthorizationRequest",
    ),
    pytest.param(Callback(code=CODE, state=SECRET, iss="https://as.example.com"), id="Callback"),
    pytest.param(Send(secret_request()), id="Send"),
    pytest.param(TransportFailure(TransportError("connection reset")), id="TransportFailure"),
    pytest.param(
        ClientCredentials(resource=("https://api.example/",), extra=(("audience", SECRET),)),
        id="ClientCredentials-extra",
    ),
    pytest.param(core.DeviceCode(SECRET, extra=(("x", ACCESS),)), id="DeviceCode"),
    pytest.param(
        core.TokenExchange(
            subject_token=SECRET,
            subject_token_type=core.TokenTypes.ACCESS_TOKEN,
            actor_token=ACCESS,
            actor_token_type=core.TokenTypes.JWT,
        ),
        id="TokenExchange",
    ),
    pytest.param(core.JwtBearer(ID_TOKEN, extra=(("x", SECRET),)), id="JwtBearer"),
    pytest.param(
        core.DeviceAuthorization(
            device_code=SECRET,
            user_code="WDJB-MJHT",
            verification_uri="https://as.example.com/device",
            expires_in=1800,
            extra={"session": ACCESS},
        ),
        id="DeviceAuthorization",
    ),
    pytest.param(
        core.Introspection(active=True, extra={"access_token": ACCESS}), id="Introspection"
    ),
    pytest.param(
        core.IdTokenClaims(
            iss="https://as.example.com",
            sub="user-1",
            aud=("client",),
            exp=2.0e9,
            iat=1.9e9,
            nonce=SECRET,
            at_hash=ACCESS,
            c_hash=CODE,
            extra={"refresh_token": REFRESH},
        ),
        id="IdTokenClaims",
    ),
    pytest.param(core.Userinfo(sub="user-1", claims={"access_token": ACCESS}), id="Userinfo"),
]


@pytest.mark.parametrize("value", STRUCTS)
def test_struct_shows_no_secret(value: object) -> None:
    assert_hidden(value)
    assert repr(value).startswith(type(value).__name__ + "(")


def test_reprs_still_say_what_is_there() -> None:
    """Redaction hides values but keeps the shape: presence, lengths, non-secret fields."""
    request = secret_request()
    assert "body=<" in repr(request)
    assert f"<{len(request.body)} bytes>" in repr(request)
    assert "('Authorization', '<redacted>')" in repr(request)
    assert "('Accept', 'application/json')" in repr(request)
    assert "refresh_token='<redacted>'" in repr(TOKEN)
    assert "scope='openid'" in repr(TOKEN)
    assert "extra=<1 members>" in repr(TOKEN)
    assert "id_token=None" in repr(Token(access_token=ACCESS, token_type="Bearer"))
    assert "client_id='client'" in repr(ClientAuth("client", CLIENT_SECRET))
    assert "params=<['subject_token']>" in repr(ExtensionGrant("x", (("subject_token", SECRET),)))
    assert ("client_secret", "<redacted>") in ClientAuth("c", SECRET).__rich_repr__()


def test_every_struct_with_a_secret_field_is_covered() -> None:
    """A struct added to core later must be added above (or hold no secret field)."""
    secret_fields = {"client_secret", "code", "code_verifier", "refresh_token", "access_token",
                     "id_token", "state", "params", "body", "headers", "request", "device_code",
                     "subject_token", "actor_token", "assertion", "extra"}  # fmt: skip
    covered = {type(p.values[0]) for p in STRUCTS}
    # Published documents: a provider's metadata is public by definition (its ``extra`` holds
    # further metadata members, never a credential).
    public_by_design = {core.ProviderMetadata}
    for name in core.__all__:
        obj = getattr(core, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, msgspec.Struct)
            and set(obj.__struct_fields__) & secret_fields
            and obj not in public_by_design
        ):
            assert obj in covered, f"{name} holds a secret field but is not tested here"


def test_printing_structs_does_not_change_their_data() -> None:
    auth = ClientAuth("client", CLIENT_SECRET)
    repr(auth)
    assert auth.client_secret == CLIENT_SECRET
    assert msgspec.json.decode(msgspec.json.encode(TOKEN), type=Token) == TOKEN
    assert Sleep(1.5) == Sleep(1.5)


def error_instances() -> list[TokenwireError]:
    """One instance of every error class, each built from input that carries secrets."""
    errors: list[TokenwireError] = []
    classes: list[type[OAuthError]] = [OAuthError, core.ReauthorizationRequired]
    for cls in [*classes, *ERROR_CLASSES.values()]:
        errors.append(
            cls(
                cls.code or SECRET,
                f"refresh token {REFRESH} was revoked; code {CODE}",
                f"https://as.example.com/e?t={ACCESS}",
                status=400,
            )
        )
    errors += [
        raised(lambda: ClientAuth("client", SECRET, "none")),
        raised(lambda: ClientAuth("client", SECRET, "private_key_jwt")),
        raised(lambda: ExtensionGrant("x", (("client_secret", SECRET),))),
        raised(lambda: ClientCredentials(extra=(("client_secret", SECRET),))),
        raised(lambda: ClientCredentials(resource=(f"https://api.example/#{SECRET}",))),
        raised(
            lambda: core.TokenExchange(
                subject_token=SECRET, subject_token_type="t", actor_token=ACCESS
            )
        ),
        raised(
            lambda: core.revocation_request(
                Profile(token_url="https://as.example.com/token"), ClientAuth("c", SECRET), ACCESS
            )
        ),
        raised(lambda: check_endpoint_url(f"https://client:{SECRET}@as.example.com/token")),
        raised(lambda: check_endpoint_url(f"ftp://client:{SECRET}@as.example.com/token")),
        raised(lambda: check_endpoint_url(f"https://as.example.com:{SECRET}/token")),
        raised(lambda: check_endpoint_url(f"http://as.example.com/token?x={SECRET}")),
        raised(
            lambda: parse_callback(
                f"https://app/cb?code={CODE}&state={SECRET}", expected_state="other"
            )
        ),
        raised(
            lambda: parse_callback(
                f"https://app/cb?code={CODE}&state=s&iss=https://evil.example",
                expected_state="s",
                issuer="https://as.example.com",
            )
        ),
        raised(lambda: parse_callback(f"?{SECRET}=1&{SECRET}=2&state=s", expected_state="s")),
        raised(
            lambda: parse_callback(
                f"?error=access_denied&error_description=no+{CODE}&state=s", expected_state="s"
            )
        ),
        raised(
            lambda: parse_token_response(
                PROFILE,
                HttpResponse(status=502, body=f"<h1>Bad Gateway</h1>{REFRESH} {CODE}".encode()),
                received_at=0.0,
            )
        ),
        raised(
            lambda: parse_token_response(
                PROFILE,
                HttpResponse(
                    status=200,
                    body=msgspec.json.encode({"access_token": [ACCESS], "refresh_token": REFRESH}),
                ),
                received_at=0.0,
            )
        ),
        raised(
            lambda: core.validate_id_token(
                f"{ACCESS}.{REFRESH}.{CODE}",
                keys=core.JwkSet(),
                client_id="c",
                issuer="https://op.example",
                now=0.0,
            )
        ),
        raised(
            lambda: core.parse_provider_metadata(
                HttpResponse(status=502, body=f"<h1>{REFRESH}</h1>".encode()),
                issuer="https://op.example",
            )
        ),
        raised(lambda: core.parse_jwks(HttpResponse(status=200, body=f"x{REFRESH}".encode()))),
        raised(
            lambda: core.parse_userinfo(
                HttpResponse(status=200, body=msgspec.json.encode({"sub": ACCESS})),
                expected_sub=REFRESH,
            )
        ),
        ProtocolError("server broke the protocol", status=500, excerpt="short"),
        StateMismatch("state does not match"),
        TransportError("connection reset by peer", sent=True),
        core.TransportTimeout("read timeout"),
        core.ResponseTooLarge("response over 1 MiB"),
        core.CertificateError("certificate not trusted", sent=False),
        ConfigurationError("bad input"),
        TokenwireError("base class"),
    ]
    return errors


def test_every_error_class_is_instantiated() -> None:
    exported = {
        obj
        for name in core.__all__
        if inspect.isclass(obj := getattr(core, name)) and issubclass(obj, TokenwireError)
    }
    built = {type(e) for e in error_instances()}
    assert exported <= built, f"untested error classes: {exported - built}"


@pytest.mark.parametrize("error", error_instances(), ids=lambda e: type(e).__name__)
def test_error_shows_no_secret(error: TokenwireError) -> None:
    assert_hidden(error)
    assert str(error)  # and still says something


def test_oauth_error_message_keeps_the_code_and_the_readable_description() -> None:
    unsupported = core.UnsupportedGrantType("unsupported_grant_type", "grant type is not supported")
    assert str(unsupported) == "unsupported_grant_type: grant type is not supported"
    unavailable = core.TemporarilyUnavailable("temporarily_unavailable", status=503)
    assert str(unavailable) == "temporarily_unavailable (HTTP 503)"


def test_authorization_request_from_authorization_url_hides_the_verifier() -> None:
    request = authorization_url(PROFILE, "client", "https://app.example/cb", nonce=True)
    assert request.code_verifier is not None
    text = everything_shown(request)
    assert request.code_verifier not in text
    assert "code_verifier='<redacted>'" in text


def test_errors_survive_pickling_with_every_attribute() -> None:
    import pickle

    from tokenwire.core import InvalidGrant, ProtocolError, ResponseTooLarge

    protocol = pickle.loads(pickle.dumps(ProtocolError("bad", status=502, excerpt="<html>")))
    assert (type(protocol), protocol.status, protocol.excerpt, str(protocol)) == (
        ProtocolError,
        502,
        "<html>",
        "bad (HTTP 502): <html>",
    )
    oauth = pickle.loads(pickle.dumps(InvalidGrant("invalid_grant", "used", None, status=400)))
    assert (type(oauth), oauth.error, oauth.description, oauth.status) == (
        InvalidGrant,
        "invalid_grant",
        "used",
        400,
    )
    transport = pickle.loads(pickle.dumps(ResponseTooLarge("too big", sent=True)))
    assert (type(transport), transport.sent) == (ResponseTooLarge, True)


def test_scrub_keeps_parameter_names_in_challenges_but_not_tokens() -> None:
    from tokenwire.core.redact import scrub

    challenge = 'Basic realm="as", error="invalid_client", error_description="auth failed"'
    assert scrub(challenge) == challenge
    assert "dGhpc2lzYXNlY3JldA==" not in scrub("token=dGhpc2lzYXNlY3JldA==")
    assert "MOCK_REFRESH_TOKEN_12345" not in scrub("rt MOCK_REFRESH_TOKEN_12345")
