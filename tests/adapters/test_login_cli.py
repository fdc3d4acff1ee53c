"""``tokenwire login`` and ``tokenwire token --cached`` without a browser: what they refuse, the
timeout, the page a failed callback gets, and that ``tokenwire --help`` loads none of it.

The whole login in a real browser is ``tests/peers_oidc/test_cli_login.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.login_browser import command_env, tokenwire_login
from tests.login_harness import follow, with_params
from tokenwire.adapters.cli import main
from tokenwire.adapters.login.native import cache_key, open_cache, save_token
from tokenwire.adapters.stores import SqliteStore
from tokenwire.conformance.reference.oidc_provider import OIDC_CLIENT_ID, OidcReferenceProvider
from tokenwire.core import Token


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def op() -> Iterator[OidcReferenceProvider]:
    with OidcReferenceProvider(("RS256",)) as provider:
        yield provider


def open_cache_at(cache_home: Path) -> SqliteStore:
    return SqliteStore(cache_home / "tokenwire" / "tokens.sqlite3")


def cached(*extra: str) -> list[str]:
    return ["token", "--cached", "--issuer", "http://127.0.0.1:9", "--client-id", "cli", *extra]


def test_token_cached_without_a_login_exits_3_with_a_login_hint(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(cached()) == 3
    err = capsys.readouterr().err
    assert "no login is cached" in err
    assert "run tokenwire login --issuer http://127.0.0.1:9 --client-id cli" in err


def test_token_cached_with_an_expired_token_and_no_refresh_token_exits_3(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_cache()
    token = Token(
        access_token="old-access-token", token_type="Bearer", expires_in=60, expires_at=1.0
    )
    save_token(store, cache_key("http://127.0.0.1:9", "cli"), token)
    store.close()
    assert main(cached()) == 3
    captured = capsys.readouterr()
    assert "no refresh token" in captured.err
    assert "run tokenwire login" in captured.err
    assert "old-access-token" not in captured.err + captured.out


def test_token_cached_prints_a_fresh_cached_token_without_any_request(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_cache()
    save_token(
        store,
        cache_key("http://127.0.0.1:9", "cli"),
        Token(access_token="fresh-one", token_type="Bearer"),
    )
    store.close()
    assert main(cached()) == 0  # nothing listens at 127.0.0.1:9: no request was made
    assert capsys.readouterr().out == "fresh-one\n"


def test_issuer_without_cached_and_cached_without_issuer_are_usage_errors(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["token", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c"]
    assert main([*base, "--issuer", "http://127.0.0.1:9"]) == 2
    assert main(["token", "--cached", "--client-id", "c"]) == 2
    assert "--cached needs --issuer" in capsys.readouterr().err


def test_login_gives_up_after_the_timeout_with_exit_5(
    cache_home: Path, op: OidcReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["login", "--no-browser", "--issuer", op.issuer, "--client-id", OIDC_CLIENT_ID]
    assert main([*argv, "--timeout", "0.2"]) == 5
    err = capsys.readouterr().err
    assert f"{op.issuer}/authorize?" in err
    assert "did not come back within 0.2 s" in err


def test_a_tampered_callback_gets_a_failure_page_and_exit_4(
    tmp_path: Path, op: OidcReferenceProvider
) -> None:
    with tokenwire_login(op.issuer, OIDC_CLIENT_ID, command_env(tmp_path)) as (login, stderr):
        callback = follow(stderr.next_url())
        page = httpx.get(with_params(callback, state="tampered"), timeout=30)
        assert login.wait(timeout=60) == 4
    assert page.status_code == 400
    assert "Login failed" in page.text
    assert "StateMismatch" in page.text
    assert any("StateMismatch" in line for line in stderr.rest())
    store = open_cache_at(tmp_path)
    assert store.get(cache_key(op.issuer, OIDC_CLIENT_ID)) is None  # nothing was cached
    store.close()


def test_tokenwire_help_loads_no_login_machinery() -> None:
    code = (
        "import sys; from tokenwire.adapters.cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('tokenwire.adapters.login.', "
        "'tokenwire.adapters.oidc', 'webbrowser', 'sqlite3'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]"
