"""The browser guard of :mod:`tests.browser` catches what browser tests forbid.

A page that reaches for a host other than loopback has the request blocked (it never leaves the
machine) and recorded; a console error is recorded; either makes ``assert_clean`` fail. And the
session's browser, on its own thread, leaves the test thread free for asyncio.
"""

from __future__ import annotations

import asyncio

import pytest
from playwright.sync_api import Browser

from tests.browser import Chromium, Watch, guarded_context
from tests.redirect_listener import redirect_listener


def test_a_request_off_loopback_is_blocked_and_fails_the_test(chromium: Chromium) -> None:
    with redirect_listener() as listener:

        def visit(browser: Browser) -> tuple[str, Watch]:
            with guarded_context(browser) as (context, watch):
                page = context.new_page()
                page.goto(listener.redirect_uri + "?code=x&state=y")
                assert page.text_content("#done") == "Signed in"
                outcome = page.evaluate(
                    "() => fetch('https://example.invalid/x').then(() => 'sent', () => 'failed')"
                )
            return outcome, watch

        outcome, watch = chromium.run(visit)
        assert listener.received() == [listener.redirect_uri + "?code=x&state=y"]
    assert outcome == "failed"
    assert watch.blocked == ["https://example.invalid"]
    with pytest.raises(AssertionError, match="off loopback"):
        watch.assert_clean()


def test_a_console_error_fails_the_test(chromium: Chromium) -> None:
    def visit(browser: Browser) -> Watch:
        with guarded_context(browser) as (context, watch):
            page = context.new_page()
            page.set_content("<p>hello</p>")
            page.evaluate("console.error('something broke')")
        return watch

    watch = chromium.run(visit)
    assert "console: something broke" in watch.errors
    with pytest.raises(AssertionError, match="errors"):
        watch.assert_clean()


def test_the_session_browser_leaves_this_thread_free_for_asyncio(chromium: Chromium) -> None:
    assert chromium.run(lambda browser: browser.is_connected())

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42
