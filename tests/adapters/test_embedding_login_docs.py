"""The web-login examples of docs/embedding.md (Starlette, Flask, Django) and its ``tokenwire
token --cached`` snippet run as written, against the embedded OpenID provider.

Each login example is executed with the names the page gives it, then driven through its
framework's test client: ``/login`` redirects to the provider, the provider's redirect brings the
callback, the app says who is signed in; the same callback with the same session again (a
replay) and a tampered one are refused, and sign nobody in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.doc_login_clients import Browser, django_browser, flask_browser, starlette_browser
from tests.login_browser import TOKENWIRE
from tests.login_harness import follow, with_params
from tokenwire.adapters.login.native import cache_key, open_cache, save_token
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    USER,
    OidcReferenceProvider,
)
from tokenwire.core import Token

DOC = Path(__file__).parents[2] / "docs" / "embedding.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
LOGIN_BLOCKS = {"starlette": BLOCKS[3], "flask": BLOCKS[4], "django": BLOCKS[5]}
CLI_BLOCK = BLOCKS[6]

Harness = Callable[[dict[str, Any]], AbstractContextManager[Browser]]
FRAMEWORKS: dict[str, tuple[Harness, str]] = {
    "starlette": (starlette_browser, "http://testserver/callback"),
    "flask": (flask_browser, "http://localhost/callback"),
    "django": (django_browser, "http://testserver/callback/"),
}


@pytest.fixture
def op() -> Iterator[OidcReferenceProvider]:
    with OidcReferenceProvider(("RS256",)) as provider:
        yield provider


def test_the_login_examples_are_where_the_tests_look_for_them() -> None:
    assert "from starlette" in LOGIN_BLOCKS["starlette"]
    assert "from flask" in LOGIN_BLOCKS["flask"]
    assert "from django" in LOGIN_BLOCKS["django"]
    assert "--cached" in CLI_BLOCK


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_a_docs_login_example_signs_the_user_in_and_refuses_a_replay(
    op: OidcReferenceProvider, framework: str
) -> None:
    harness, redirect_uri = FRAMEWORKS[framework]
    namespace: dict[str, Any] = {
        "__name__": f"embedding_login_{framework}",
        "ISSUER": op.issuer,
        "CLIENT_ID": OIDC_CLIENT_ID,
        "CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "REDIRECT_URI": redirect_uri,
        "SESSION_SECRET": "a session secret for the docs tests, long enough for every framework",
    }
    exec(compile(LOGIN_BLOCKS[framework], f"{DOC}:{framework}", "exec"), namespace)  # noqa: S102
    try:
        login_and_replay(op, harness(namespace), redirect_uri, framework)
    finally:
        flow = namespace.get("flow")
        if flow is not None:  # the Flask and Django examples keep theirs for the process
            flow.provider.close()
    assert op.requests["/token"] == 1
    assert list(namespace["TOKENS"]) == [USER]


def login_and_replay(
    op: OidcReferenceProvider,
    harness: AbstractContextManager[Browser],
    redirect_uri: str,
    framework: str,
) -> None:
    with harness as browser:
        status, location, _ = browser.get("/login/" if framework == "django" else "/login")
        assert status in (302, 303)
        assert location is not None
        assert location.startswith(f"{op.issuer}/authorize?")
        callback = follow(location)
        assert callback.startswith(redirect_uri + "?")
        replayer, tamperer = browser.copy(), browser.copy()

        status, location, _ = browser.get(callback)
        assert (status, location) in ((302, "/"), (303, "/"))
        assert browser.get("/")[2] == f"signed in as {USER}"

        status, _, text = replayer.get(callback)
        assert (status, text) == (400, "login failed: LoginError")
        assert replayer.get("/")[2] == "signed in as None"

        status, _, text = tamperer.get(with_params(callback, state="tampered"))
        assert (status, text) == (400, "login failed: StateMismatch")
        assert tamperer.get("/")[2] == "signed in as None"


def test_the_docs_cached_token_snippet_prints_the_cached_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", f"{Path(TOKENWIRE).parent}:{os.environ['PATH']}")
    issuer, client_id = "https://login.example.com", "my-cli"
    store = open_cache()
    save_token(
        store, cache_key(issuer, client_id), Token(access_token="cached", token_type="Bearer")
    )
    store.close()
    namespace: dict[str, Any] = {"ISSUER": issuer, "CLIENT_ID": client_id}
    exec(compile(CLI_BLOCK, f"{DOC}:cli", "exec"), namespace)  # noqa: S102
    assert namespace["headers"] == {"Authorization": "Bearer cached"}
