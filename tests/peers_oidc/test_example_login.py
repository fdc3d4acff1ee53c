"""``examples/starlette_login`` in headless Chromium against oidc-provider.

A full login ends on the page showing the user's ``sub``, ``/api`` reaches a protected endpoint
(oidc-provider's userinfo) through ``httpx`` with ``TokenAuth``, and ``/logout`` signs out. A
tampered ``state`` and a replayed callback each get the error page and sign nobody in: the
replay is the real callback URL brought back with the session cookie it first came with, so it is
the flow's memory of finished states, not a missing session, that refuses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import Chromium, guarded_context
from tests.example_app import example_app
from tests.login_browser import sign_in_at_provider
from tests.login_harness import with_params
from tests.oidc_peer import LOGIN, OidcProviderPeer

CALLBACK = re.compile(r"^http://127\.0\.0\.1:\d+/callback\?")


@pytest.fixture(scope="module")
def app(oidc_provider: OidcProviderPeer) -> Iterator[str]:
    with example_app(oidc_provider) as base:
        yield base


def signed_in_as(page: Page) -> str | None:
    """The ``sub`` the app's home page shows, or ``None`` when it says nobody is signed in."""
    if page.locator("#signed-out").count():
        return None
    return page.text_content("#sub")


def test_the_example_app_signs_a_user_in_calls_the_api_and_signs_out(
    chromium: Chromium, oidc_provider: OidcProviderPeer, app: str
) -> None:
    def journey(browser: Browser) -> tuple[str | None, dict[str, object], str | None]:
        with guarded_context(browser) as (context, watch):
            page = context.new_page()
            page.goto(f"{app}/login")
            sign_in_at_provider(page, oidc_provider.issuer)
            page.wait_for_url(f"{app}/")
            who = signed_in_as(page)
            page.goto(f"{app}/api")
            answer = json.loads(page.text_content("body") or "{}")
            page.goto(f"{app}/logout")
            page.wait_for_url(f"{app}/")
            after = signed_in_as(page)
            watch.assert_clean()
            return who, answer, after

    who, answer, after = chromium.run(journey)
    assert who == LOGIN
    assert answer["status"] == 200
    assert answer["body"] == {"sub": LOGIN}
    assert after is None


def test_a_tampered_state_or_a_replayed_callback_shows_an_error_and_signs_nobody_in(
    chromium: Chromium, oidc_provider: OidcProviderPeer, app: str
) -> None:
    def attempts(browser: Browser) -> dict[str, object]:
        seen: dict[str, object] = {}
        callbacks: list[str] = []
        with guarded_context(browser) as (context, _watch):
            page = context.new_page()
            page.on("request", lambda r: callbacks.append(r.url) if CALLBACK.match(r.url) else None)
            page.goto(f"{app}/login")
            sign_in_at_provider(page, oidc_provider.issuer, consent=False)
            page.wait_for_url(f"{oidc_provider.issuer}/interaction/**")
            before = context.cookies(app)  # the session as the callback will carry it
            page.click("button[type=submit]")  # consent
            page.wait_for_url(f"{app}/")
            seen["real"] = signed_in_as(page)
        callback = callbacks[0]

        for name, url in (
            ("tampered", with_params(callback, state="tampered")),
            ("replayed", callback),
        ):
            with guarded_context(browser) as (context, _watch):
                context.add_cookies(before)  # type: ignore[arg-type]
                page = context.new_page()
                response = page.goto(url)
                seen[name] = (response.status if response else None, page.text_content("#reason"))
                page.goto(f"{app}/")
                seen[f"after {name}"] = signed_in_as(page)
        return seen

    seen = chromium.run(attempts)
    assert seen["real"] == LOGIN
    assert seen["tampered"] == (400, "StateMismatch")
    assert seen["after tampered"] is None
    assert seen["replayed"] == (400, "replayed")
    assert seen["after replayed"] is None
