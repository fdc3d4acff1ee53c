"""Live probes against the embedded reference provider, plain and broken on purpose.

The plain provider must come out with no MUST failure; each broken mode must be flagged by the
check made for it. Throttling and transport failures are played by the replay server. Everything
runs over real loopback sockets with the interval between requests set to zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec
import pytest

from tokenwire.adapters.httpcore import HttpcoreTransport, TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.loopback import free_port
from tokenwire.conformance.probes import (
    CHECKS,
    MAX_REQUESTS,
    ProbeReport,
    ProbeTarget,
    build_plan,
    render_junit_report,
    render_table,
    run_probes,
)
from tokenwire.conformance.reference import (
    BASIC_CLIENT,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    ReferenceProvider,
    RegisteredClient,
)
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.vectors import CannedResponse
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    TransportError,
    code_challenge,
    new_code_verifier,
)
from tokenwire.core.redact import SECRET_FIELDS

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)
#: A run of base64url characters this long in a report can only be a leaked credential.
TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-]{32,}")


class Recording:
    """A transport that remembers every response, to know which tokens the provider issued."""

    def __init__(self, inner: HttpcoreTransport | StdlibTransport) -> None:
        self.inner = inner
        self.responses: list[HttpResponse] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        response = self.inner.send(request)
        self.responses.append(response)
        return response

    def issued(self) -> list[str]:
        values = []
        for response in self.responses:
            try:
                data = msgspec.json.decode(response.body)
            except msgspec.DecodeError:
                continue
            if isinstance(data, dict):
                values += [v for k, v in data.items() if k in SECRET_FIELDS and isinstance(v, str)]
        return values


def refresh_token_for(provider: ReferenceProvider, client: RegisteredClient) -> str:
    """A fresh refresh token for ``client``, from an authorization code with PKCE."""
    verifier = new_code_verifier()
    code = provider.issue_code(client.client_id, code_challenge=code_challenge(verifier))
    with TokenClient(provider.profile(), client.auth(), options=OPTIONS) as tokens:
        token = tokens.exchange_code(code, REDIRECT_URI, verifier)
    assert token.refresh_token
    return token.refresh_token


def probe(
    target: ProbeTarget, transport: Recording | None = None, sleeps: list[float] | None = None
) -> ProbeReport:
    transport = transport or Recording(HttpcoreTransport(options=OPTIONS))
    recorded = sleeps if sleeps is not None else []
    return run_probes(target, transport, interval=0, sleep=recorded.append)


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text
    assert not TOKEN_RUN.search(text), TOKEN_RUN.search(text)


@pytest.fixture
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


# What the plain rfc6749 reference provider does, check by check, for a client_secret_post
# client with a refresh token. Its one deviation: it holds a client registered for
# client_secret_post to that method, so Basic is refused (RFC 6749 §2.3.1 wants it accepted).
# And it rotates refresh tokens without reuse detection: reusing the old one is refused, but the
# rotated one stays good (RFC 9700 §4.14.2 has the active one revoked).
PLAIN_POST = {
    "success.status": "pass",
    "success.content-type": "pass",
    "success.access-token": "pass",
    "success.token-type": "pass",
    "success.expires-in": "pass",
    "success.cache-control": "pass",
    "success.pragma": "pass",
    "success.scope": "pass",
    "errors.invalid-client": "pass",
    "errors.basic-challenge": "pass",
    "errors.unauthorized-challenge": "pass",
    "errors.unsupported-grant-type": "pass",
    "errors.missing-grant-type": "pass",
    "errors.invalid-grant": "pass",
    "errors.duplicate-parameter": "pass",
    "errors.json-body": "pass",
    "errors.error-code": "pass",
    "errors.optional-members": "pass",
    "errors.cache-control": "pass",
    "errors.not-200": "pass",
    "client-auth.basic": "warn",
    "client-auth.one-method": "pass",
    "client-auth.extra-parameter": "pass",
    "refresh.new-access-token": "pass",
    "refresh.rotation": "pass",
    "refresh.old-token-refused": "pass",
    "refresh.reuse-revokes-grant": "warn",
    "throttling.retry-after": "skip",
}


@pytest.mark.parametrize("transport", [HttpcoreTransport, StdlibTransport])
def test_plain_provider_post_client(
    provider: ReferenceProvider, transport: type[HttpcoreTransport | StdlibTransport]
) -> None:
    refresh_token = refresh_token_for(provider, POST_CLIENT)
    before = provider.token_requests
    recording = Recording(transport(options=OPTIONS))
    target = ProbeTarget(
        token_url=provider.token_url, auth=POST_CLIENT.auth(), refresh_token=refresh_token
    )
    sleeps: list[float] = []

    report = probe(target, recording, sleeps)

    assert report.outcomes == PLAIN_POST
    assert report.ok
    assert report.stopped is None
    assert report.requests_sent == MAX_REQUESTS == provider.token_requests - before
    assert sleeps == [0] * (MAX_REQUESTS - 1)
    secrets = [*target.secrets, *recording.issued()]
    assert len(secrets) > 3
    for text in (report.to_json().decode(), render_table(report), render_junit_report(report)):
        assert_no_secret(text, secrets)


def test_plain_provider_basic_client(provider: ReferenceProvider) -> None:
    """The awkward Basic client: nothing deviates, and the Basic check says encoding mattered."""
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=BASIC_CLIENT.auth(),
        refresh_token=refresh_token_for(provider, BASIC_CLIENT),
    )
    report = probe(target)

    assert report.outcomes == {**PLAIN_POST, "client-auth.basic": "pass"}
    assert "form-urlencoding changes" in report.result("client-auth.basic").detail
    # Basic is the client's own method: no separate Basic requests.
    assert report.requests_sent == MAX_REQUESTS - 2


def test_plain_provider_public_client(provider: ReferenceProvider) -> None:
    """A public client: the refresh answer is the success sample; secret-based checks skip."""
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=PUBLIC_CLIENT.auth(),
        refresh_token=refresh_token_for(provider, PUBLIC_CLIENT),
    )
    report = probe(target)

    skipped = {
        "errors.invalid-client",
        "errors.basic-challenge",
        "errors.unauthorized-challenge",
        "errors.duplicate-parameter",
        "client-auth.basic",
        "client-auth.one-method",
        "client-auth.extra-parameter",
        "throttling.retry-after",
    }
    assert report.outcomes == {
        check.id: "skip" if check.id in skipped else "pass" for check in CHECKS
    } | {"refresh.reuse-revokes-grant": "warn"}
    assert report.requests_sent == 6
    assert "public client" in report.result("client-auth.basic").detail
    assert report.result("success.status").evidence[0].request.startswith("the refresh token")


def test_without_refresh_token_refresh_checks_skip(provider: ReferenceProvider) -> None:
    report = probe(ProbeTarget(token_url=provider.token_url, auth=POST_CLIENT.auth()))

    refresh = {k: v for k, v in report.outcomes.items() if k.startswith("refresh.")}
    assert refresh == dict.fromkeys(refresh, "skip")
    assert len(refresh) == 4
    assert report.result("refresh.rotation").detail == "needs --refresh-token"
    assert report.requests_sent == MAX_REQUESTS - 3


def test_reuse_check_can_be_left_out(provider: ReferenceProvider) -> None:
    refresh_token = refresh_token_for(provider, POST_CLIENT)
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=POST_CLIENT.auth(),
        refresh_token=refresh_token,
        reuse_check=False,
    )
    report = probe(target)

    assert report.outcomes["refresh.rotation"] == "pass"
    assert report.outcomes["refresh.old-token-refused"] == "skip"
    assert "--no-reuse-check" in report.result("refresh.old-token-refused").detail
    assert report.requests_sent == MAX_REQUESTS - 2


def test_refresh_without_rotation_sends_no_reuse_probe() -> None:
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=False) as provider:
        target = ProbeTarget(
            token_url=provider.token_url,
            auth=POST_CLIENT.auth(),
            refresh_token=refresh_token_for(provider, POST_CLIENT),
        )
        report = probe(target)

    assert report.outcomes["refresh.new-access-token"] == "pass"
    assert report.outcomes["refresh.rotation"] == "pass"
    assert report.result("refresh.rotation").detail.startswith("not rotated")
    assert report.outcomes["refresh.old-token-refused"] == "skip"
    assert "did not rotate" in report.result("refresh.old-token-refused").detail
    assert report.requests_sent == MAX_REQUESTS - 2


# --- broken modes ---------------------------------------------------------------------------

BROKEN = [
    ("no-store", "success.cache-control", "fail"),
    ("error-200", "errors.not-200", "fail"),
    ("expires-in-string", "success.expires-in", "warn"),
    ("html-errors", "errors.json-body", "fail"),
]


@pytest.mark.parametrize(("mode", "check", "outcome"), BROKEN)
def test_each_broken_mode_is_flagged(mode: str, check: str, outcome: str) -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({mode})) as provider:
        report = probe(ProbeTarget(token_url=provider.token_url, auth=BASIC_CLIENT.auth()))

    assert report.outcomes[check] == outcome
    assert report.ok == (outcome != "fail")
    # Only the deviations the mode causes: every other check keeps its plain outcome.
    plain = {**PLAIN_POST, "client-auth.basic": "pass"}
    changed = {k for k, v in report.outcomes.items() if v != plain[k] and "refresh." not in k}
    assert check in changed


def test_broken_no_store_also_flags_errors_and_pragma() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"no-store"})) as provider:
        report = probe(ProbeTarget(token_url=provider.token_url, auth=BASIC_CLIENT.auth()))

    # RFC 6749 §5.1's no-store covers answers carrying tokens: on errors it is informational.
    assert report.result("errors.cache-control").level == "INFO"
    assert report.outcomes["errors.cache-control"] == "pass"
    assert "without Cache-Control: no-store" in report.result("errors.cache-control").detail
    assert "informational" in report.result("errors.cache-control").detail
    assert report.outcomes["success.pragma"] == "warn"
    assert report.result("success.cache-control").evidence[0].headers.get("Cache-Control") is None


def test_broken_error_200_fails_each_error_status() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"error-200"})) as provider:
        report = probe(ProbeTarget(token_url=provider.token_url, auth=BASIC_CLIENT.auth()))

    for check in ("errors.unsupported-grant-type", "errors.missing-grant-type"):
        assert report.outcomes[check] == "fail"
        assert "HTTP 200" in report.result(check).detail
    assert report.outcomes["errors.duplicate-parameter"] == "warn"  # a SHOULD never fails


def test_broken_html_errors_shows_a_scrubbed_page() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"html-errors"})) as provider:
        report = probe(ProbeTarget(token_url=provider.token_url, auth=BASIC_CLIENT.auth()))

    evidence = report.result("errors.json-body").evidence
    assert evidence
    assert all(e.headers["Content-Type"] == "text/html" for e in evidence)
    assert "nginx" in evidence[0].body


# --- what is sent, and when -------------------------------------------------------------------


@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT, PUBLIC_CLIENT], ids=str)
@pytest.mark.parametrize("refresh", [None, "rt-0123456789"])
@pytest.mark.parametrize("reuse", [True, False])
def test_plans_are_bounded(client: RegisteredClient, refresh: str | None, reuse: bool) -> None:
    target = ProbeTarget(
        token_url="https://as.example/token",
        auth=client.auth(),
        refresh_token=refresh,
        reuse_check=reuse,
    )
    plan = build_plan(target)

    assert 0 < len(plan) <= MAX_REQUESTS
    names = [p.name for p in plan]
    assert len(set(names)) == len(names)
    if refresh is not None and reuse:
        assert names[-3:] == ["refresh", "old-refresh-token", "rotated-refresh-token-after-reuse"]


def test_announcement_says_what_will_be_sent(provider: ReferenceProvider) -> None:
    refresh_token = refresh_token_for(provider, POST_CLIENT)
    said: list[str] = []
    target = ProbeTarget(
        token_url=provider.token_url, auth=POST_CLIENT.auth(), refresh_token=refresh_token
    )
    before = provider.token_requests

    run_probes(
        target,
        HttpcoreTransport(options=OPTIONS),
        interval=0.25,
        sleep=lambda _: said.append("slept"),
        announce=said.append,
    )

    assert said[0].count("\n") > MAX_REQUESTS  # one line per request, before the first sleep
    assert said.count("slept") == MAX_REQUESTS - 1
    assert provider.token_requests - before == MAX_REQUESTS
    text = said[0]
    assert f"at most {MAX_REQUESTS} POST requests" in text
    assert "0.25 s apart" in text
    assert "WARNING" in text
    assert "revokes the whole grant" in text
    assert_no_secret(text, list(target.secrets))


def test_refused_credentials_stop_after_one_request(provider: ReferenceProvider) -> None:
    client = ClientAuth(POST_CLIENT.client_id, "not-the-secret-at-all")
    before = provider.token_requests

    with pytest.raises(ConfigurationError, match="refused the client's credentials") as caught:
        probe(ProbeTarget(token_url=provider.token_url, auth=client))

    assert provider.token_requests - before == 1
    assert "not-the-secret-at-all" not in str(caught.value)


def test_plain_http_off_loopback_is_refused_before_sending() -> None:
    with pytest.raises(ConfigurationError, match="TLS"):
        ProbeTarget(token_url="http://as.example/token", auth=POST_CLIENT.auth())


def test_bad_interval_is_refused(provider: ReferenceProvider) -> None:
    target = ProbeTarget(token_url=provider.token_url, auth=POST_CLIENT.auth())
    with pytest.raises(ConfigurationError, match="interval"):
        run_probes(target, HttpcoreTransport(options=OPTIONS), interval=-1)
    assert provider.token_requests == 0


def test_nothing_listening_is_a_transport_error() -> None:
    target = ProbeTarget(token_url=f"http://127.0.0.1:{free_port()}/token", auth=POST_CLIENT.auth())
    with pytest.raises(TransportError):
        probe(target)


# --- throttling and failures, played by the replay server ------------------------------------

TOKEN = CannedResponse(
    status=200,
    headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
    body='{"access_token":"at-replayed-0123456789abcdef","token_type":"Bearer","expires_in":60}',
)


def throttle(status: int, *headers: tuple[str, str]) -> ScriptedReply:
    body = '{"error":"temporarily_unavailable"}'
    canned = [("Content-Type", "application/json"), *headers]
    return ScriptedReply(response=CannedResponse(status=status, headers=canned, body=body))


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (throttle(429, ("Retry-After", "30")), "pass"),
        (throttle(503, ("Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT")), "pass"),
        (throttle(429), "warn"),
        (throttle(503, ("Retry-After", "soon")), "warn"),
    ],
)
def test_throttling_stops_the_run_and_is_judged(
    replay: ReplayServer, reply: ScriptedReply, outcome: str
) -> None:
    replay.arm([ScriptedReply(response=TOKEN), reply])
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=POST_CLIENT.auth())

    report = probe(target)

    assert replay.take().requests == 2
    assert report.requests_sent == 2
    assert report.outcomes["throttling.retry-after"] == outcome
    assert report.stopped is not None
    assert "probing stopped" in report.stopped
    # The throttled answer is not taken for an answer to what was asked.
    assert report.outcomes["client-auth.basic"] == "skip"
    assert "throttled" in report.result("client-auth.basic").detail
    assert report.outcomes["errors.unsupported-grant-type"] == "skip"
    assert report.result("errors.unsupported-grant-type").detail.startswith("not sent")
    assert report.outcomes["success.status"] == "pass"


def test_a_later_transport_failure_ends_the_run(replay: ReplayServer) -> None:
    replay.arm([ScriptedReply(response=TOKEN), ScriptedReply(action="reset")])
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=POST_CLIENT.auth())

    report = probe(target)

    assert replay.take().requests == 2
    assert report.transport_failed
    assert report.stopped is not None
    assert "transport error" in report.stopped
    assert report.outcomes["client-auth.basic"] == "skip"
    assert "transport error" in report.result("client-auth.basic").detail
    assert report.outcomes["success.status"] == "pass"


# --- a client that may not use client_credentials --------------------------------------------

NO_CLIENT_CREDENTIALS = RegisteredClient(
    client_id="code-only-client",
    client_secret="code-only-secret-0123456789",
    grant_types=("authorization_code", "refresh_token"),
)
VARIATIONS = (
    "client-auth.basic",
    "client-auth.extra-parameter",
    "client-auth.one-method",
    "errors.duplicate-parameter",
)


def test_client_without_client_credentials_uses_the_refresh_answer(
    provider: ReferenceProvider,
) -> None:
    provider.register_client(NO_CLIENT_CREDENTIALS)
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=NO_CLIENT_CREDENTIALS.auth(),
        refresh_token=refresh_token_for(provider, NO_CLIENT_CREDENTIALS),
    )

    report = probe(target)

    success = {k: v for k, v in report.outcomes.items() if k.startswith("success.")}
    assert success == dict.fromkeys(success, "pass")
    assert report.result("success.status").evidence[0].request.startswith("the refresh token")
    for check in VARIATIONS:  # variations of a refused request are not sent
        assert report.outcomes[check] == "skip"
        assert "was not accepted" in report.result(check).detail
    # The refusal is still an error answer, judged for its shape.
    json_body = report.result("errors.json-body")
    assert json_body.outcome == "pass"
    assert "a valid client_credentials request" in [e.request for e in json_body.evidence]
    assert report.ok


def test_client_without_client_credentials_nor_refresh_token(provider: ReferenceProvider) -> None:
    provider.register_client(NO_CLIENT_CREDENTIALS)

    report = probe(ProbeTarget(token_url=provider.token_url, auth=NO_CLIENT_CREDENTIALS.auth()))

    success = {k: v for k, v in report.outcomes.items() if k.startswith("success.")}
    assert success == dict.fromkeys(success, "skip")
    assert "unauthorized_client" in report.result("success.status").detail
    assert report.ok
