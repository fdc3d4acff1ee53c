"""Open a probe's HTML report in headless Chromium at phone width, and read what it shows.

Shared by the browser test and ``scripts/probe_report_screenshot.py`` (which keeps a picture of
it in ``docs/``). The page is loaded with ``set_content`` into a guarded context (see
:mod:`tests.browser`): any request it made, to any host, would be blocked and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser import guarded_context

#: A phone's CSS width (an iPhone 12-15), at which nothing may scroll sideways.
PHONE_WIDTH = 390
PHONE_HEIGHT = 844


@dataclass(frozen=True)
class Rendered:
    """What the page showed: its text, widths, heading, what the watch saw, what it requested."""

    text: str
    scroll_width: int
    client_width: int
    title: str
    blocked: list[str]
    errors: list[str]
    requests: list[str]
    row_ids: list[str]


def view(browser: Browser, html: str, screenshot: Path | None = None) -> Rendered:
    """Render ``html`` at :data:`PHONE_WIDTH`; optionally save a screenshot of the first screen."""
    with guarded_context(browser) as (context, watch):
        page = context.new_page()
        page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.set_content(html, wait_until="load")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=False)
        return Rendered(
            text=page.inner_text("body"),
            scroll_width=page.evaluate("document.documentElement.scrollWidth"),
            client_width=page.evaluate("document.documentElement.clientWidth"),
            title=page.title(),
            blocked=list(watch.blocked),
            errors=list(watch.errors),
            requests=requests,
            row_ids=page.eval_on_selector_all("table.checks tr[id]", "rows => rows.map(r => r.id)"),
        )
