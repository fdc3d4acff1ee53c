"""The built site, served over loopback HTTP, in headless Chromium: every page, nothing broken.

Chromium visits every page reachable from the home page and fails on a console error, a request
to another host, a dead internal link or anchor. A reader finds the four common tasks from the
home page within two clicks. Screenshots of the home page and of a reference page are taken
(``docs/img/`` keeps committed copies for the README: regenerate them with
``TOKENWIRE_DOCS_SCREENSHOTS=docs/img uv run pytest tests/docs/test_site_browser.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser import Chromium, guarded_context
from tests.docs_site_crawl import crawl

#: (what a reader wants, the links to click from the home page, text on the page reached)
TASKS = [
    (
        "a client credentials token",
        ["Getting started: a first token"],
        "client.client_credentials()",
    ),
    ("verifying an ID token", ["OpenID Connect: verifying ID tokens"], "verify_id_token"),
    ("tokenwire with httpx", ["Embedding with httpx and requests"], "tokenwire.adapters.httpx"),
    ("probing a provider", ["Probing a provider"], "tokenwire conformance --token-url"),
]
#: The most clicks a task may take from the home page.
MAX_CLICKS = 2
#: The screenshots, and the pages they show.
SCREENSHOTS = {"home.png": "", "reference.png": "reference/tokenwire.adapters.client/"}


def test_every_page_of_the_site_loads_cleanly_and_every_internal_link_works(
    chromium: Chromium, site_url: str, built_site: Path
) -> None:
    def walk(browser: Browser) -> tuple[list[str], list[str]]:
        with guarded_context(browser) as (context, watch):
            found = crawl(context, site_url)
            watch.assert_clean()
        return found.pages, found.dead

    pages, dead = chromium.run(walk)
    assert dead == []
    built = {p.parent.relative_to(built_site).as_posix() for p in built_site.rglob("index.html")}
    visited = {url.removeprefix(site_url).rstrip("/") or "." for url in pages}
    assert built - {"404"} <= visited, f"pages no link reaches: {sorted(built - visited)}"


@pytest.mark.parametrize(("task", "clicks", "expected"), TASKS, ids=[t[0] for t in TASKS])
def test_a_reader_reaches_a_common_task_from_the_home_page_in_two_clicks(
    chromium: Chromium, site_url: str, task: str, clicks: list[str], expected: str
) -> None:
    assert len(clicks) <= MAX_CLICKS

    def follow(browser: Browser) -> str:
        with guarded_context(browser) as (context, watch):
            page = context.new_page()
            page.goto(site_url)
            for name in clicks:
                page.locator("article").get_by_role("link", name=name, exact=True).first.click()
                page.wait_for_load_state("load")
            shown = page.locator("article").inner_text()
            watch.assert_clean()
            return shown

    assert expected in chromium.run(follow), task


def test_the_search_box_finds_a_page_without_leaving_loopback(
    chromium: Chromium, site_url: str
) -> None:
    def search(browser: Browser) -> str:
        with guarded_context(browser) as (context, watch):
            page = context.new_page()
            page.goto(site_url)
            box = page.locator("input.md-search__input")
            box.click()
            box.press_sequentially("discovery")
            result = page.locator(".md-search-result__item").first
            result.wait_for()
            text = result.inner_text()
            watch.assert_clean()
            return text

    assert "iscovery" in chromium.run(search)


def test_screenshots_of_the_home_and_a_reference_page_are_taken(
    chromium: Chromium, site_url: str, tmp_path: Path
) -> None:
    where = Path(os.environ.get("TOKENWIRE_DOCS_SCREENSHOTS", tmp_path))

    def shoot(browser: Browser) -> None:
        with guarded_context(browser) as (context, watch):
            page = context.new_page()
            page.set_viewport_size({"width": 1280, "height": 720})
            for name, path in SCREENSHOTS.items():
                page.goto(site_url + path)
                page.screenshot(path=str(where / name))
            watch.assert_clean()

    chromium.run(shoot)
    for name in SCREENSHOTS:
        assert (where / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
