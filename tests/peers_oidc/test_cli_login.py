"""``tokenwire login --no-browser`` as a real subprocess, completed in headless Chromium at
oidc-provider, then ``tokenwire token --cached`` printing a token that userinfo accepts.

The command listens on a random loopback port as the native client ``tw-native`` (RFC 8252: the
provider lets a native client's loopback port vary), prints the authorization URL, and the browser
plays the user. The cache lives in a temporary ``XDG_CACHE_HOME``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import msgspec
from playwright.sync_api import Browser

from tests.browser import Chromium, guarded_context
from tests.login_browser import command_env, run_tokenwire, sign_in_at_provider, tokenwire_login
from tests.oidc_peer import LOGIN, NATIVE_CLIENT, OidcProviderPeer
from tokenwire.adapters.login.native import cache_key
from tokenwire.adapters.stores import SqliteStore
from tokenwire.core import Token


def userinfo_sub(peer: OidcProviderPeer, access_token: str) -> str:
    reply = httpx.get(f"{peer.issuer}/me", headers={"Authorization": f"Bearer {access_token}"})
    assert reply.status_code == 200, reply.status_code
    sub: str = reply.json()["sub"]
    return sub


def rewrite_cached(cache_home: Path, peer: OidcProviderPeer, **changes: object) -> Token:
    """Change the cached token in place (as time passing, or the provider forgetting, would)."""
    store = SqliteStore(cache_home / "tokenwire" / "tokens.sqlite3")
    try:
        key = cache_key(peer.issuer, NATIVE_CLIENT.client_id)
        stored = store.get(key)
        assert stored is not None
        token = msgspec.structs.replace(stored.token, **changes)
        assert store.compare_and_set(key, stored.version, token) is not None
        return token
    finally:
        store.close()


def test_tokenwire_login_in_a_browser_then_token_cached_gives_a_token_userinfo_accepts(
    chromium: Chromium, oidc_provider: OidcProviderPeer, tmp_path: Path
) -> None:
    env = command_env(tmp_path)
    issuer, client = oidc_provider.issuer, NATIVE_CLIENT.client_id
    with tokenwire_login(issuer, client, env) as (login, stderr):
        url = stderr.next_url()
        assert url.startswith(f"{issuer}/auth?")
        assert "code_challenge_method=S256" in url

        def log_in(browser: Browser) -> tuple[str, str]:
            with guarded_context(browser) as (context, watch):
                page = context.new_page()
                page.goto(url)
                sign_in_at_provider(page, issuer)
                page.wait_for_url("http://127.0.0.1:*/callback?**")
                done = page.text_content("#done") or ""
                message = page.text_content("#message") or ""
                watch.assert_clean()
                return done, message

        done, message = chromium.run(log_in)
        assert login.wait(timeout=60) == 0, stderr.rest()
    assert done == "Signed in"
    assert f"Signed in as {LOGIN}" in message
    assert f"as {LOGIN}" in stderr.rest()[-1]
    cache = tmp_path / "tokenwire" / "tokens.sqlite3"
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600

    printed = run_tokenwire("token", "--cached", "--issuer", issuer, "--client-id", client, env=env)
    assert printed.returncode == 0, printed.stderr
    first = printed.stdout.strip()
    assert userinfo_sub(oidc_provider, first) == LOGIN

    # Due for a refresh: the command refreshes through the cached refresh token.
    rewrite_cached(tmp_path, oidc_provider, expires_at=1.0)
    again = run_tokenwire("token", "--cached", "--issuer", issuer, "--client-id", client, env=env)
    assert again.returncode == 0, again.stderr
    renewed = again.stdout.strip()
    assert renewed != first
    assert userinfo_sub(oidc_provider, renewed) == LOGIN

    # The provider no longer knows the refresh token: exit 3, and a hint to log in again.
    stale = rewrite_cached(tmp_path, oidc_provider, expires_at=1.0, refresh_token="forgotten")
    refused = run_tokenwire("token", "--cached", "--issuer", issuer, "--client-id", client, env=env)
    assert refused.returncode == 3
    assert "run tokenwire login" in refused.stderr
    for secret in (first, renewed, stale.refresh_token or ""):
        assert secret not in refused.stderr
        assert secret not in refused.stdout
