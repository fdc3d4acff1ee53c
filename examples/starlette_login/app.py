"""A Starlette app that signs users in with tokenwire and calls an API with their token.

Routes: ``/`` (who is signed in: ``sub`` and name), ``/login``, ``/callback``, ``/api`` (calls a
protected endpoint, by default the provider's userinfo, through ``httpx`` with ``TokenAuth``) and
``/logout``. See README.md in this folder for the one command that runs it.

What the app keeps where: the login state (state, nonce, PKCE verifier) in Starlette's signed
session cookie between ``/login`` and ``/callback``; after the login, only a random session id in
the cookie, and the user's token on the server, in a ``MemoryStore`` under that id (a real
deployment would use ``SqliteStore`` or ``RedisStore``). Uvicorn's access log is off: a callback
URL carries the authorization code.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tokenwire.adapters.httpx import TokenAuth
from tokenwire.adapters.login import AsyncLoginFlow, LoginError
from tokenwire.adapters.oidc import AsyncProvider
from tokenwire.adapters.source import AsyncTokenSource
from tokenwire.adapters.stores import MemoryStore
from tokenwire.core import ClientAuth, IdTokenClaims, TokenwireError


@dataclass
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    base_url: str
    api_url: str | None = None
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass
class Users:
    """Who is signed in, by session id; their tokens are in ``store`` under the same id."""

    claims: dict[str, IdTokenClaims] = field(default_factory=dict)
    store: MemoryStore = field(default_factory=MemoryStore)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>",
        status_code=status,
    )


def login_failed(reason: str) -> HTMLResponse:
    """The error page: says why, signs nobody in."""
    return page(
        "Login failed",
        "<h1 id='error'>Login failed</h1>"
        f"<p>Reason: <code id='reason'>{html.escape(reason)}</code></p>"
        "<p><a href='/login'>Try again</a></p>",
        status=400,
    )


def create_app(settings: Settings) -> Starlette:
    users = Users()
    state: dict[str, object] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        provider = await AsyncProvider.discover(settings.issuer)
        flow = AsyncLoginFlow(
            provider,
            ClientAuth(settings.client_id, settings.client_secret, "client_secret_basic"),
            redirect_uri=f"{settings.base_url}/callback",
            scope="openid",
        )
        state["flow"] = flow
        state["api_url"] = settings.api_url or provider.metadata.userinfo_endpoint
        async with httpx.AsyncClient(timeout=10.0) as http:
            state["http"] = http
            yield
        await provider.aclose()

    def flow() -> AsyncLoginFlow:
        made = state["flow"]
        assert isinstance(made, AsyncLoginFlow)
        return made

    def signed_in(request: Request) -> tuple[str, IdTokenClaims] | None:
        sid = request.session.get("sid")
        claims = users.claims.get(sid) if isinstance(sid, str) else None
        return None if claims is None or not isinstance(sid, str) else (sid, claims)

    async def home(request: Request) -> Response:
        user = signed_in(request)
        if user is None:
            return page(
                "Signed out",
                "<p id='signed-out'>Nobody is signed in.</p><p><a href='/login'>Sign in</a></p>",
            )
        claims = user[1]
        name = claims.extra.get("name") or "(the provider sent no name)"
        return page(
            "Signed in",
            f"<p>Signed in as <code id='sub'>{html.escape(claims.sub)}</code>, "
            f"name: <span id='name'>{html.escape(str(name))}</span>.</p>"
            "<p><a href='/api'>Call the API</a> · <a href='/logout'>Sign out</a></p>",
        )

    async def login(request: Request) -> Response:
        url, saved = flow().start()
        request.session["login"] = saved.dumps()
        return RedirectResponse(url, status_code=303)

    async def callback(request: Request) -> Response:
        saved = request.session.get("login")
        if not isinstance(saved, str):
            return login_failed("no login in progress")
        try:
            result = await flow().finish(str(request.url), saved)
        except LoginError as exc:
            return login_failed(exc.reason)
        except TokenwireError as exc:
            return login_failed(type(exc).__name__)
        assert result.claims is not None
        sid = secrets.token_urlsafe(32)
        users.store.compare_and_set(sid, None, result.token)
        users.claims[sid] = result.claims
        request.session.clear()  # a new session on sign-in (no session fixation)
        request.session["sid"] = sid
        return RedirectResponse("/", status_code=303)

    async def api(request: Request) -> Response:
        user = signed_in(request)
        if user is None:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        source = AsyncTokenSource(flow().client, store=users.store, key=user[0])
        http = state["http"]
        assert isinstance(http, httpx.AsyncClient)
        answer = await http.get(str(state["api_url"]), auth=TokenAuth(source))
        return JSONResponse({"status": answer.status_code, "body": answer.json()})

    async def logout(request: Request) -> Response:
        user = signed_in(request)
        if user is not None:
            users.claims.pop(user[0], None)
            users.store.delete(user[0])
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    return Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/callback", callback),
            Route("/api", api),
            Route("/logout", logout),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.session_secret,
                same_site="lax",
                https_only=settings.base_url.startswith("https://"),
            )
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True, help="the OpenID provider's issuer URL")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--api-url", help="the protected endpoint /api calls (default: userinfo)")
    args = parser.parse_args()
    secret = os.environ.get("CLIENT_SECRET")
    if not secret:
        parser.error("set CLIENT_SECRET in the environment (never on the command line)")
    settings = Settings(
        issuer=args.issuer,
        client_id=args.client_id,
        client_secret=secret,
        base_url=f"http://127.0.0.1:{args.port}",
        api_url=args.api_url,
    )
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
