"""Every error the ``tokenwire`` command can meet maps to its documented exit code."""

from __future__ import annotations

import json
import pathlib

import pytest

from tokenwire.adapters import cli
from tokenwire.adapters.commands import token as token_command
from tokenwire.adapters.source import RefreshTimeout
from tokenwire.adapters.stores import StoreError
from tokenwire.core import (
    ConfigurationError,
    InvalidGrant,
    OAuthError,
    ProtocolError,
    ResponseTooLarge,
    TokenwireError,
    TransportTimeout,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("bad option"), cli.EXIT_USAGE),
        (InvalidGrant("invalid_grant", status=400), cli.EXIT_OAUTH),
        (OAuthError("vendor_error", status=400), cli.EXIT_OAUTH),
        (ProtocolError("not JSON", status=502), cli.EXIT_PROTOCOL),
        (TransportTimeout("read timed out"), cli.EXIT_TRANSPORT),
        (ResponseTooLarge("too large"), cli.EXIT_TRANSPORT),
        (StoreError("redis: connection refused"), cli.EXIT_STORE),
        (RefreshTimeout("waited 10 s for another refresher"), cli.EXIT_STORE),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_kind_of_error_has_its_own_exit_code(error: TokenwireError, code: int) -> None:
    assert cli.exit_code(error) == code


def test_a_store_or_lease_failure_is_not_reported_as_a_usage_error() -> None:
    assert cli.EXIT_STORE == 6
    assert len({cli.EXIT_USAGE, cli.EXIT_OAUTH, cli.EXIT_PROTOCOL, cli.EXIT_TRANSPORT}) == 4
    assert cli.EXIT_STORE not in {cli.EXIT_USAGE, cli.EXIT_TRANSPORT}


def test_a_store_failure_during_a_command_exits_6_with_one_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_fetch(*_args: object) -> None:
        raise StoreError("sqlite: database is locked")

    monkeypatch.setattr(token_command, "_fetch", failing_fetch)
    args = ["token", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c"]
    code = cli.main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, out) == (6, "")
    assert json.loads(err)["error"]["type"] == "StoreError"
    assert json.loads(err)["exit_code"] == 6


@pytest.mark.parametrize("doc", ["README.md", "docs/design.md"])
def test_the_store_exit_code_is_documented(doc: str) -> None:
    text = (ROOT / doc).read_text()
    assert "6 token store or lease failure" in " ".join(text.split())
