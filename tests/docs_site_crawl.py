"""Walking the built documentation site in Chromium: every page, every internal link.

:func:`crawl` starts at the home page and follows every link that stays on the site (same
origin), visiting each page once in one guarded context (:func:`tests.browser.guarded_context`:
off-loopback requests are blocked and recorded, console errors recorded). A link is dead when
its page does not answer 200, or when its ``#fragment`` names no element of that page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from playwright.sync_api import BrowserContext

#: Where a page's links are collected (every anchor with an href).
_LINKS = "Array.from(document.querySelectorAll('a[href]'), a => a.href)"
#: The ids of a page's elements (fragments must name one).
_IDS = "Array.from(document.querySelectorAll('[id]'), e => e.id)"


@dataclass
class Crawl:
    """What a walk through the site found."""

    pages: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)


def crawl(context: BrowserContext, home: str) -> Crawl:
    """Visit every page reachable from ``home`` on the same origin; record dead links."""
    origin = urlsplit(home).netloc
    result = Crawl()
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []  # (from page, to page, fragment)
    queue, seen = [home], {home}
    page = context.new_page()
    while queue:
        url = queue.pop(0)
        response = page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            result.dead.append(f"{url}: status {None if response is None else response.status}")
            continue
        result.pages.append(url)
        ids[url] = set(page.evaluate(_IDS))
        for link in page.evaluate(_LINKS):
            target, fragment = urldefrag(urljoin(url, link))
            if urlsplit(target).netloc != origin or urlsplit(target).scheme != "http":
                continue
            if fragment:
                fragments.append((url, target, fragment))
            if target not in seen:
                seen.add(target)
                queue.append(target)
    page.close()
    for source, target, fragment in fragments:
        if target in ids and fragment not in ids[target]:
            result.dead.append(f"{source} -> {target}#{fragment}: no such anchor")
    return result
