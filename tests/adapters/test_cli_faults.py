"""The ``tokenwire`` command under hostile input (issue 9 items 7, 13, 14, 15, 19).

Real subprocesses where the item is about the process (a closed stdout, argv, the environment),
against a loopback endpoint that answers with exact bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

import pytest

from tests.raw_http import raw_endpoint
from tokenwire.adapters.cli import main

WAIT = 120.0  # bound on a subprocess; the conformance suite takes a few seconds
SECRET = "s3cret-value-Never-Shown"


def tokenwire(
    args: Sequence[str], *, stdout: int = subprocess.PIPE, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tokenwire.adapters.cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        timeout=WAIT,
        check=False,
    )


def with_closed_stdout(args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    """Run with stdout a pipe whose reader is already gone (``tokenwire ... | true``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return tokenwire(args, stdout=write)
    finally:
        os.close(write)


OK_BODY = b'{"access_token": "AT-1", "token_type": "Bearer", "expires_in": 60}'


def test_tokenwire_token_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    with raw_endpoint(OK_BODY) as endpoint:
        done = with_closed_stdout(["token", "--token-url", endpoint.url, "--client-id", "c"])
    assert done.stderr == b""
    assert done.returncode == 141
    assert len(endpoint.forms) == 1


def test_tokenwire_conformance_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    done = with_closed_stdout(["conformance"])
    assert b"Traceback" not in done.stderr
    assert done.returncode == 141


def test_a_body_with_invalid_utf8_in_a_string_exits_4_without_a_traceback() -> None:
    body = b'{"access_token": "AT-\xff\xfe-SECRETBYTES", "token_type": "Bearer"}'
    with raw_endpoint(body) as endpoint:
        done = tokenwire(["token", "--token-url", endpoint.url, "--client-id", "c"])
    assert done.returncode == 4
    assert done.stderr.startswith(b"tokenwire: ProtocolError")
    assert b"SECRETBYTES" not in done.stderr


def test_a_mistyped_secret_option_is_named_without_its_value() -> None:
    for command in (["token", "--client-id", "c"], ["conformance"]):
        done = tokenwire([*command, "--client-secert", SECRET, f"--client-secrte={SECRET}"])
        assert done.returncode == 2
        assert b"--client-secert" in done.stderr
        assert b"--client-secrte" in done.stderr
        assert SECRET.encode() not in done.stderr


def test_the_code_and_verifier_come_from_the_environment() -> None:
    verifier = "v" * 43
    with raw_endpoint(OK_BODY) as endpoint:
        done = tokenwire(
            [
                "token",
                "--token-url",
                endpoint.url,
                "--client-id",
                "c",
                "--grant",
                "authorization_code",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            env={"TOKENWIRE_CODE": "code-from-env", "TOKENWIRE_CODE_VERIFIER": verifier},
        )
    assert done.returncode == 0, done.stderr
    assert endpoint.forms[0]["code"] == "code-from-env"
    assert endpoint.forms[0]["code_verifier"] == verifier


ECHOED = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.Zm9vYmFyYmF6MTIzNDU2"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_both_error_formats_scrub_and_cut_what_the_server_said(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh = "rt-Zq8Kx2Lm9Pw4"
    body = json.dumps(
        {
            "error": "invalid_grant",
            "error_description": f"refresh token {refresh} reused; session {ECHOED} " + "x" * 900,
            "error_uri": f"https://as.example/errors?token={ECHOED}",
        }
    ).encode()
    monkeypatch.setenv("TOKENWIRE_REFRESH_TOKEN", refresh)
    with raw_endpoint(body, status=400) as endpoint:
        code = main(
            [
                "token",
                "--token-url",
                endpoint.url,
                "--client-id",
                "c",
                "--grant",
                "refresh_token",
                "--format",
                fmt,
            ]
        )
    _, err = capsys.readouterr()
    assert code == 3
    assert refresh not in err
    assert ECHOED not in err
    assert len(err) < 800
    if fmt == "json":
        document = json.loads(err)["error"]
        assert document["code"] == "invalid_grant"
        assert len(document["description"]) <= 200


def test_a_password_in_the_domain_is_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    for domain in ("https://admin:PW-hunter2@host", "https://admin:PW-hunter2@host/x"):
        code = main(["token", "--profile", "tencent-ciam", "--domain", domain, "--client-id", "c"])
        _, err = capsys.readouterr()
        assert code == 2
        assert "hunter2" not in err
