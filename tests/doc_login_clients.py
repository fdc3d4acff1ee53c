"""The web-login examples of docs/embedding.md, each behind its framework's own test client.

Each :class:`Browser` gets a URL (absolute or a path) without following redirects and answers
``(status, location, text)``; :meth:`Browser.copy` gives a second browser holding the same
cookies, to bring a callback back with the session it first came with (a replay).
"""

from __future__ import annotations

import copy
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

Answer = tuple[int, str | None, str]


class Browser(Protocol):
    def get(self, url: str) -> Answer: ...

    def copy(self) -> Browser: ...


class StarletteBrowser:
    def __init__(self, app: Any, cookies: dict[str, str] | None = None) -> None:
        with warnings.catch_warnings():
            # Starlette suggests httpx2 for its test client; httpx is what this project has.
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        self.app = app
        self.client = TestClient(app, follow_redirects=False, cookies=cookies)

    def get(self, url: str) -> Answer:
        reply = self.client.get(url)
        return reply.status_code, reply.headers.get("location"), reply.text

    def copy(self) -> Browser:
        return StarletteBrowser(self.app, dict(self.client.cookies))


@contextmanager
def starlette_browser(namespace: dict[str, Any]) -> Iterator[Browser]:
    browser = StarletteBrowser(namespace["app"])
    with browser.client:  # runs the lifespan: discovery
        yield browser


class FlaskBrowser:
    def __init__(self, app: Any, session: str | None = None) -> None:
        self.app = app
        self.client = app.test_client()
        if session is not None:
            self.client.set_cookie("session", session, domain="localhost")

    def get(self, url: str) -> Answer:
        reply = self.client.get(url)
        return reply.status_code, reply.headers.get("Location"), reply.get_data(as_text=True)

    def copy(self) -> Browser:
        cookie = self.client.get_cookie("session", domain="localhost")
        return FlaskBrowser(self.app, None if cookie is None else cookie.value)


@contextmanager
def flask_browser(namespace: dict[str, Any]) -> Iterator[Browser]:
    yield FlaskBrowser(namespace["app"])


class DjangoBrowser:
    def __init__(self, cookies: Any = None) -> None:
        from django.test import Client

        self.client = Client()
        if cookies is not None:
            self.client.cookies = cookies

    def get(self, url: str) -> Answer:
        reply = self.client.get(url)
        return reply.status_code, reply.headers.get("Location"), reply.content.decode()

    def copy(self) -> Browser:
        return DjangoBrowser(copy.deepcopy(self.client.cookies))


_URLS = "embedding_docs_django_urls"


@contextmanager
def django_browser(namespace: dict[str, Any]) -> Iterator[Browser]:
    """Django configured once for the process (signed-cookie sessions, no database), with the
    example's views routed at ``login/``, ``callback/`` and ``/``."""
    import django
    from django.conf import settings
    from django.urls import clear_url_caches, path

    urls = types.ModuleType(_URLS)
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("login/", namespace["login"]),
        path("callback/", namespace["callback"]),
        path("", namespace["home"]),
    ]
    sys.modules[_URLS] = urls
    if not settings.configured:
        settings.configure(
            SECRET_KEY=namespace["SESSION_SECRET"],
            ROOT_URLCONF=_URLS,
            ALLOWED_HOSTS=["testserver"],
            MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    clear_url_caches()
    try:
        yield DjangoBrowser()
    finally:
        sys.modules.pop(_URLS, None)
        clear_url_caches()
