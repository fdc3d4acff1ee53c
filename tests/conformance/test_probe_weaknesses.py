"""Six ways the probes misjudged real servers, each pinned by a test that failed before its fix.

1. a token URL that redirects or answers 404 is a wrong URL, not thirteen MUST failures;
2. a public client refused ``invalid_client`` to a bad grant is no deviation (RFC 6749 §5.2 sets
   no order between the server's checks);
3. ``Cache-Control: no-store`` on an error answer is informational (RFC 6749 §5.1's rule covers
   answers carrying tokens);
4. a refresh token "rotated" while the old one still works is not rotated, and RFC 9700 §4.14.2's
   revocation of the active token on reuse is checked;
5. ``application/problem+json`` survives scrubbing, and a problem's ``detail`` reaches the user;
6. a server that does not form-decode Basic credentials gets a hint instead of "check your
   credentials", and both CLI commands can send unencoded Basic.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from tests.conformance.test_probe_reference import TOKEN, probe
from tests.undecoded_basic import CLIENT as RAW_CLIENT
from tests.undecoded_basic import undecoded_basic_server
from tokenwire.adapters.cli import main
from tokenwire.adapters.httpcore import HttpcoreTransport
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.probes import ProbeTarget, run_probes
from tokenwire.conformance.reference import POST_CLIENT, PUBLIC_CLIENT
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.vectors import CannedResponse
from tokenwire.core import ConfigurationError, HttpResponse, ProtocolError, parse_token_response
from tokenwire.core.redact import scrub

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)
JSON = ("Content-Type", "application/json")
NO_STORE = ("Cache-Control", "no-store")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENWIRE_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("TOKENWIRE_REFRESH_TOKEN", raising=False)


def reply(status: int, body: dict[str, object], *headers: tuple[str, str]) -> ScriptedReply:
    canned = CannedResponse(
        status=status, headers=[*headers], body=msgspec.json.encode(body).decode()
    )
    return ScriptedReply(response=canned)


def error(status: int, code: str, *headers: tuple[str, str]) -> ScriptedReply:
    return reply(status, {"error": code}, JSON, NO_STORE, *headers)


# --- 1. not a token endpoint ----------------------------------------------------------------


@pytest.mark.parametrize("transport", [HttpcoreTransport, StdlibTransport])
def test_a_token_url_that_redirects_stops_the_run_saying_where_it_redirects(
    replay: ReplayServer, transport: type[HttpcoreTransport | StdlibTransport]
) -> None:
    moved = CannedResponse(status=301, headers=[("Location", f"{replay.base_url}/token/")])
    replay.arm([ScriptedReply(response=moved)] * 3)
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=POST_CLIENT.auth())

    with pytest.raises(ConfigurationError, match="not a token endpoint: it redirects to") as caught:
        run_probes(target, transport(options=OPTIONS), interval=0)

    assert f"{replay.base_url}/token/" in str(caught.value)
    assert replay.take().requests == 1


@pytest.mark.parametrize("status", [404, 405])
def test_a_token_url_that_is_not_found_stops_the_run_after_one_request(
    replay: ReplayServer, status: int
) -> None:
    page = CannedResponse(
        status=status, headers=[("Content-Type", "text/html")], body="<h1>no</h1>"
    )
    replay.arm([ScriptedReply(response=page)] * 3)
    target = ProbeTarget(token_url=f"{replay.base_url}/oauth", auth=PUBLIC_CLIENT.auth())

    with pytest.raises(ConfigurationError, match=f"not a token endpoint: it answers HTTP {status}"):
        probe(target)

    assert replay.take().requests == 1


def test_the_cli_exits_2_for_a_url_that_redirects(
    replay: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = CannedResponse(status=302, headers=[("Location", "https://login.example/")])
    replay.arm([ScriptedReply(response=moved)])
    args = ["conformance", "--token-url", f"{replay.base_url}/token", "--client-id", "c"]

    code = main([*args, "--interval", "0"])

    assert code == 2
    assert "it redirects to https://login.example/" in capsys.readouterr().err


# --- 2. a public client authenticated first --------------------------------------------------


def test_a_public_client_refused_invalid_client_for_a_bad_grant_is_not_a_failure(
    replay: ReplayServer,
) -> None:
    challenge = ("WWW-Authenticate", 'Basic realm="token"')
    replay.arm([error(401, "invalid_client", challenge)] * 3)
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=PUBLIC_CLIENT.auth())

    report = probe(target)

    for check in (
        "errors.unsupported-grant-type",
        "errors.missing-grant-type",
        "errors.invalid-grant",
    ):
        assert report.outcomes[check] == "skip", check
        assert "sets no order" in report.result(check).detail
    assert report.ok


def test_a_confidential_client_refused_invalid_client_for_a_bad_grant_still_fails(
    replay: ReplayServer,
) -> None:
    replay.arm([ScriptedReply(response=TOKEN), *[error(400, "invalid_client")] * 10])
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=POST_CLIENT.auth())

    report = probe(target)

    assert report.outcomes["errors.unsupported-grant-type"] == "fail"


# --- 3. no-store on errors is informational --------------------------------------------------


def test_error_answers_without_no_store_are_informational(replay: ReplayServer) -> None:
    replay.arm([error(400, "invalid_request")] * 3)
    # The replayed errors lack no-store: drop it from each.
    replay.arm([reply(400, {"error": "unsupported_grant_type"}, JSON)] * 3)
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=PUBLIC_CLIENT.auth())

    report = probe(target)

    result = report.result("errors.cache-control")
    assert (result.level, result.outcome) == ("INFO", "pass")
    assert "without Cache-Control: no-store" in result.detail
    assert "only on responses carrying tokens" in result.detail


# --- 4. rotation that is not, and reuse detection --------------------------------------------

OLD = "rt-old-0123456789abcdefghij"
NEW = "rt-new-0123456789abcdefghij"
REFRESHED = reply(
    200,
    {"access_token": "at-0123456789abcdef", "token_type": "Bearer", "refresh_token": NEW},
    JSON,
    NO_STORE,
)
PUBLIC_ERRORS = [
    error(400, "unsupported_grant_type"),
    error(400, "invalid_request"),
    error(400, "invalid_grant"),
]


def public_refresh_target(replay: ReplayServer) -> ProbeTarget:
    return ProbeTarget(
        token_url=f"{replay.base_url}/token", auth=PUBLIC_CLIENT.auth(), refresh_token=OLD
    )


def test_a_new_refresh_token_while_the_old_one_still_works_is_not_rotation(
    replay: ReplayServer,
) -> None:
    replay.arm([*PUBLIC_ERRORS, REFRESHED, REFRESHED])

    report = probe(public_refresh_target(replay))

    rotation = report.result("refresh.rotation")
    assert rotation.outcome == "warn"
    assert "not rotated in effect" in rotation.detail
    assert report.outcomes["refresh.old-token-refused"] == "warn"
    assert report.outcomes["refresh.reuse-revokes-grant"] == "skip"
    assert "was accepted" in report.result("refresh.reuse-revokes-grant").detail
    assert replay.take().requests == 5


def test_reuse_of_the_old_refresh_token_must_revoke_the_active_one(replay: ReplayServer) -> None:
    replay.arm([*PUBLIC_ERRORS, REFRESHED, error(400, "invalid_grant"), REFRESHED])

    report = probe(public_refresh_target(replay))

    assert report.outcomes["refresh.rotation"] == "pass"
    assert report.outcomes["refresh.old-token-refused"] == "pass"
    revoked = report.result("refresh.reuse-revokes-grant")
    assert revoked.outcome == "warn"
    assert "did not revoke the active refresh token" in revoked.detail
    assert replay.take().requests == 6
    assert NEW not in report.to_json().decode()


def test_a_provider_that_revokes_on_reuse_passes(replay: ReplayServer) -> None:
    replay.arm(
        [*PUBLIC_ERRORS, REFRESHED, error(400, "invalid_grant"), error(400, "invalid_grant")]
    )

    report = probe(public_refresh_target(replay))

    assert report.outcomes["refresh.reuse-revokes-grant"] == "pass"


# --- 5. problem+json ---------------------------------------------------------------------------

PROBLEM = ("Content-Type", "application/problem+json")
PROBLEM_BODY = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "grant_type is not supported here",
}


def test_scrub_keeps_a_structured_media_type() -> None:
    assert scrub("application/problem+json; charset=utf-8") == (
        "application/problem+json; charset=utf-8"
    )
    assert scrub("eyJhbGciOiJSUzI1NiJ9+eyJzdWIiOiIxMjM0NTY3ODkwIn0") == "<redacted>"


def test_a_problem_details_answer_shows_its_detail_in_the_probe_report(
    replay: ReplayServer,
) -> None:
    replay.arm([reply(400, PROBLEM_BODY, PROBLEM, NO_STORE)] * 3)
    target = ProbeTarget(token_url=f"{replay.base_url}/token", auth=PUBLIC_CLIENT.auth())

    report = probe(target)

    unsupported = report.result("errors.unsupported-grant-type")
    assert unsupported.outcome == "fail"
    assert "grant_type is not supported here" in unsupported.detail
    evidence = unsupported.evidence[0]
    assert evidence.headers["Content-Type"] == "application/problem+json"
    assert "grant_type is not supported here" in evidence.body


def test_a_problem_details_answer_reaches_the_user_of_the_core() -> None:
    response = HttpResponse(status=400, headers=(PROBLEM,), body=msgspec.json.encode(PROBLEM_BODY))
    from tokenwire.adapters.profiles import generic

    with pytest.raises(ProtocolError) as caught:
        parse_token_response(generic("https://as.example/token"), response, received_at=0.0)

    assert "Bad Request: grant_type is not supported here" in str(caught.value)


# --- 6. Basic credentials a server does not decode ------------------------------------------


def test_refused_basic_credentials_that_encoding_changes_hint_at_decoding() -> None:
    with undecoded_basic_server() as url:
        target = ProbeTarget(token_url=url, auth=RAW_CLIENT)
        with pytest.raises(ConfigurationError, match="does not form-decode") as caught:
            probe(target)

    assert "--basic-unencoded" in str(caught.value)
    assert RAW_CLIENT.client_secret is not None
    assert RAW_CLIENT.client_secret not in str(caught.value)


def test_the_probe_can_send_unencoded_basic_and_says_it_did() -> None:
    with undecoded_basic_server() as url:
        report = probe(ProbeTarget(token_url=url, auth=RAW_CLIENT, basic_urlencode=False))

    assert report.outcomes["success.status"] == "pass"
    basic = report.result("client-auth.basic")
    assert basic.outcome == "warn"
    assert "--basic-unencoded" in basic.detail


@pytest.mark.parametrize("command", ["token", "conformance"])
def test_both_cli_commands_send_unencoded_basic_on_request(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert RAW_CLIENT.client_secret is not None
    with undecoded_basic_server() as url:
        argv = [
            command,
            "--token-url",
            url,
            "--client-id",
            RAW_CLIENT.client_id,
            "--client-secret",
            RAW_CLIENT.client_secret,
            "--auth-method",
            "client_secret_basic",
            "--basic-unencoded",
        ]
        if command == "conformance":
            argv += ["--interval", "0", "--format", "json"]
        code = main(argv)

    out, err = capsys.readouterr()
    assert code == 0, err
    assert RAW_CLIENT.client_secret not in out + err
    if command == "token":
        assert msgspec.json.decode(out)["token_type"] == "Bearer"
    else:
        results = msgspec.json.decode(out)["results"]
        assert {r["id"]: r["outcome"] for r in results}["success.status"] == "pass"
