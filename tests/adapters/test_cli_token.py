"""`tokenwire token` end to end, in-process, against the loopback reference providers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tokenwire.adapters.cli import main
from tokenwire.conformance.loopback import free_port
from tokenwire.conformance.reference import BASIC_CLIENT, POST_CLIENT, ReferenceProvider

SECRET = POST_CLIENT.client_secret or ""


@pytest.fixture(scope="module")
def tencent() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("tencent-ciam") as provider:
        yield provider


@pytest.fixture(scope="module")
def html_errors() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749", broken=frozenset({"html-errors"})) as provider:
        yield provider


@pytest.mark.parametrize("transport", ["httpcore", "stdlib"])
def test_prints_the_token_response_as_json(
    tencent: ReferenceProvider,
    transport: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOKENWIRE_CLIENT_SECRET", SECRET)
    code = main(
        [
            "token",
            "--profile",
            "tencent-ciam",
            "--domain",
            tencent.base_url,
            "--client-id",
            POST_CLIENT.client_id,
            "--transport",
            transport,
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["token_type"] == "Bearer"
    assert document["expires_in"] == 299
    assert document["access_token"]


def test_basic_auth_with_awkward_credentials(
    tencent: ReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "token",
            "--token-url",
            tencent.token_url,
            "--client-id",
            BASIC_CLIENT.client_id,
            "--client-secret",
            BASIC_CLIENT.client_secret or "",
            "--auth-method",
            "client_secret_basic",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["access_token"]


def test_oauth_error_exits_3_without_the_secret(
    tencent: ReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-" + SECRET
    code = main(
        [
            "token",
            "--token-url",
            tencent.token_url,
            "--client-id",
            POST_CLIENT.client_id,
            "--client-secret",
            wrong,
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    document = json.loads(err)
    assert document["error"]["type"] == "InvalidClient"
    assert document["exit_code"] == 3
    assert wrong not in err


def test_bad_refresh_token_exits_3_and_never_shows_it(
    tencent: ReferenceProvider, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENWIRE_REFRESH_TOKEN", "bogus-refresh-token-value-123")
    code = main(
        [
            "token",
            "--token-url",
            tencent.token_url,
            "--client-id",
            POST_CLIENT.client_id,
            "--client-secret",
            SECRET,
            "--grant",
            "refresh_token",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 3
    assert err.startswith("tokenwire: InvalidGrant: invalid_grant")
    assert err.count("\n") == 1
    assert "bogus-refresh-token-value-123" not in err
    assert SECRET not in err


def test_protocol_error_exits_4(
    html_errors: ReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "token",
            "--token-url",
            html_errors.token_url,
            "--client-id",
            POST_CLIENT.client_id,
            "--client-secret",
            "not-the-secret",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 4
    assert "ProtocolError" in err


def test_transport_error_exits_5(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/token"
    code = main(
        [
            "token",
            "--token-url",
            url,
            "--client-id",
            "c",
            "--client-secret",
            SECRET,
            "--timeout",
            "2",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 5
    assert "TransportError" in err
    assert SECRET not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--client-id", "c"], "give --profile NAME --domain D, or --token-url URL"),
        (["--profile", "tencent-ciam", "--client-id", "c"], "needs --domain"),
        (["--token-url", "http://as.example.com/token", "--client-id", "c"], "plain http://"),
        (
            [
                "--token-url",
                "https://as.example.com/token",
                "--client-id",
                "c",
                "--grant",
                "authorization_code",
            ],
            "needs --code and --redirect-uri",
        ),
    ],
)
def test_configuration_errors_exit_2_before_anything_is_sent(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["token", *argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
