"""In headless Chromium, a page loads Pyodide and tokenwire and refreshes a token through fetch.

The page, Pyodide's files, the wheels and the token endpoint share one loopback origin
(tests/pyodide/browser.py), so no CORS is involved; the endpoint forwards to a reference provider
with refresh-token rotation. Every request the page makes is checked to stay on that origin.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from playwright.sync_api import Browser, Route

from tests.browser import Chromium
from tests.pyodide.browser import PyodideSite
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.loopback import serving
from tokenwire.conformance.reference import PUBLIC_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.core import AuthorizationCode, code_challenge, new_code_verifier

#: The wheels the page needs: msgspec's wasm build, typing_extensions and tokenwire's two.
PAGE_WHEELS = ("msgspec-", "typing_extensions-", "tokenwire_core-", "tokenwire_adapters-")


def test_a_page_in_chromium_refreshes_a_token_through_the_fetch_transport(
    chromium: Chromium, pyodide_wheels: list[Path]
) -> None:
    wheels = [w for w in pyodide_wheels if w.name.startswith(PAGE_WHEELS)]
    assert len(wheels) == len(PAGE_WHEELS)
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=True) as provider:
        verifier = new_code_verifier()
        code = provider.issue_code(PUBLIC_CLIENT.client_id, code_challenge=code_challenge(verifier))
        client = TokenClient(provider.profile(), PUBLIC_CLIENT.auth(), StdlibTransport())
        refresh = client.request(AuthorizationCode(code, REDIRECT_URI, verifier)).refresh_token
        params = {"client_id": PUBLIC_CLIENT.client_id, "refresh_token": refresh}
        site = PyodideSite(wheels, provider.token_url, params)
        elsewhere: list[str] = []

        def refresh_in_the_page(browser: Browser) -> dict[str, bool]:
            with contextlib.closing(browser.new_context()) as context:
                origin = site.base_url

                def only_this_origin(route: Route) -> None:
                    if route.request.url.startswith(origin + "/"):
                        route.continue_()
                    else:
                        elsewhere.append(route.request.url)
                        route.abort()

                context.route("**/*", only_this_origin)
                page = context.new_page()
                page.goto(origin + "/")
                page.wait_for_function("window.result !== undefined", timeout=120_000)
                loaded: dict[str, bool] = json.loads(page.evaluate("window.result"))
                return loaded

        with serving(site):
            result = chromium.run(refresh_in_the_page)

        assert result == {"access": True, "rotated": True}
        assert elsewhere == []
        assert provider.token_requests == 2
        [seen] = site.token_requests
        # What a browser adds to every fetch and the transport cannot remove (runtime_headers).
        assert seen["sec-fetch-mode"] == "cors"
        assert "user-agent" in seen
        assert "cookie" not in seen
