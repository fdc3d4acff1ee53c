"""A real login in a real browser: headless Chromium at oidc-provider's pages, code + PKCE.

The browser goes to the authorization URL tokenwire builds (state, nonce, PKCE S256) for a native
client, fills oidc-provider's login and consent forms as a user would, and is redirected to a
loopback listener the test runs on a free port (RFC 8252 §7.3). The code it brings is exchanged
with :class:`~tokenwire.adapters.httpcore.TokenClient`, and the access token must then be accepted
by oidc-provider's userinfo endpoint, called through httpx with
:class:`~tokenwire.adapters.httpx.TokenAuth`. The browser may reach loopback only (anything else is
blocked and fails the test), and any console error fails it too.
"""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser

from tests.browser import Chromium, guarded_context
from tests.oidc_peer import LOGIN, NATIVE_CLIENT, OidcProviderPeer
from tests.redirect_listener import redirect_listener
from tokenwire.adapters.httpcore import TokenClient
from tokenwire.adapters.httpx import TokenAuth
from tokenwire.adapters.source import TokenSource
from tokenwire.core import authorization_url, parse_callback


def test_a_browser_login_with_code_and_pkce_gives_a_token_userinfo_accepts(
    chromium: Chromium, oidc_provider: OidcProviderPeer
) -> None:
    profile = oidc_provider.profile()
    with redirect_listener() as listener:
        request = authorization_url(
            profile, NATIVE_CLIENT.client_id, listener.redirect_uri, scope="openid", nonce=True
        )

        def log_in(browser: Browser) -> str:
            """Play the user in the browser; return the URL the browser ended on."""
            with guarded_context(browser) as (context, watch):
                page = context.new_page()
                page.goto(request.url)
                page.fill("input[name=login]", LOGIN)
                page.fill("input[name=password]", "any password")
                page.click("button[type=submit]")
                page.wait_for_url(f"{oidc_provider.issuer}/interaction/**")
                page.click("button[type=submit]")  # consent
                page.wait_for_url(f"{listener.redirect_uri}?**")
                assert page.text_content("#done") == "Signed in"
                watch.assert_clean()
                return page.url

        landed = chromium.run(log_in)
        callbacks = listener.received()

    assert callbacks == [landed]
    callback = parse_callback(landed, expected_state=request.state, issuer=profile.issuer)
    with TokenClient(profile, NATIVE_CLIENT.auth) as client:
        token = client.exchange_code(callback.code, listener.redirect_uri, request.code_verifier)
        assert token.id_token is not None
        assert profile.userinfo_url is not None
        with httpx.Client(auth=TokenAuth(TokenSource(client, token=token))) as http:
            userinfo = http.get(profile.userinfo_url)
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == LOGIN
