"""``tokenwire login`` (an RFC 8252 browser login for command-line tools) and
``tokenwire token --cached`` (a token from that login, refreshed when due).

Kept out of :mod:`.cli` so the two grow apart without conflict: :mod:`.cli`'s table of built-in
subcommands names :func:`configure` for ``login``, and ``tokenwire token`` calls
:func:`add_cached_options`. This module imports nothing but the standard library and :mod:`.cli`
at import time (``tokenwire token --help`` loads no core); the login machinery
(:mod:`tokenwire.adapters.login.native`) and the core are imported by the handlers.

``tokenwire login --issuer URL --client-id ID`` discovers the provider, listens on
``127.0.0.1`` on a random port, opens the system browser at the authorization URL (or, with
``--no-browser``, prints it on stderr), and waits (``--timeout``, 5 minutes by default) for the
browser to come back. The token is kept in the user's cache directory (``$XDG_CACHE_HOME/tokenwire``
or ``~/.cache/tokenwire``, a SQLite file of mode 0600) under the issuer and client id.

``tokenwire token --cached --issuer URL --client-id ID`` prints that login's access token alone
(for ``Authorization: Bearer $(tokenwire token --cached ...)``), refreshing it first when due.

Exit codes are :mod:`.cli`'s, plus: 3 when no usable login is cached (none, or its refresh token
is gone or refused), with a "run tokenwire login" hint; 5 when the browser did not come back
within ``--timeout``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tokenwire.adapters.cli import EXIT_OAUTH, EXIT_OK, EXIT_TRANSPORT

__all__ = ["DEFAULT_SCOPE", "DEFAULT_TIMEOUT", "add_cached_options", "configure"]

#: What ``tokenwire login`` asks for: ``offline_access`` brings a refresh token, so that later
#: commands need no browser.
DEFAULT_SCOPE = "openid offline_access"

#: How long ``tokenwire login`` waits for the browser, in seconds.
DEFAULT_TIMEOUT = 300.0


def configure(login: argparse.ArgumentParser) -> None:
    """Add ``tokenwire login``'s arguments and handler to its parser."""
    login.add_argument("--issuer", required=True, help="the OpenID provider's issuer URL")
    login.add_argument("--client-id", required=True, help="the native (public) client's id")
    login.add_argument("--scope", default=DEFAULT_SCOPE, help=f"default: {DEFAULT_SCOPE}")
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="print the URL to open instead of opening the system browser",
    )
    login.add_argument(
        "--prompt", help="the OIDC prompt (default: consent when offline_access is asked for)"
    )
    login.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for the browser (default {DEFAULT_TIMEOUT:g})",
    )
    login.add_argument("--format", choices=["text", "json"], default="text", help="error format")
    login.set_defaults(handler=_login_command)


def add_cached_options(token: argparse.ArgumentParser) -> None:
    """Add ``--cached`` / ``--issuer`` to ``tokenwire token`` (its handler set already)."""
    cached = token.add_argument_group("cached login (after tokenwire login)")
    cached.add_argument(
        "--cached",
        action="store_true",
        help="print the access token of the login cached by tokenwire login, refreshed if due",
    )
    cached.add_argument("--issuer", help="with --cached: the issuer logged in at")
    plain: Callable[[argparse.Namespace], int] = token.get_default("handler")
    token.set_defaults(handler=lambda args: _token_or_cached(args, plain))


def _token_or_cached(args: argparse.Namespace, plain: Callable[[argparse.Namespace], int]) -> int:
    from tokenwire.core import ConfigurationError

    if not args.cached:
        if args.issuer:
            raise ConfigurationError("--issuer goes with --cached")
        return plain(args)
    if not args.issuer:
        raise ConfigurationError("--cached needs --issuer (and --client-id)")
    return _cached_command(args)


def _login_command(args: argparse.Namespace) -> int:
    from tokenwire.adapters.login import LoginError
    from tokenwire.adapters.login.native import cache_key, native_login, open_cache, save_token
    from tokenwire.adapters.oidc import Provider
    from tokenwire.core import ConfigurationError

    if not args.timeout > 0:
        raise ConfigurationError("--timeout must be positive")

    def show(url: str) -> None:
        if not args.no_browser:
            import webbrowser

            if webbrowser.open(url):
                sys.stderr.write("Opened the browser to sign in. If it did not open, go to:\n")
            else:
                sys.stderr.write("Open this URL in a browser to sign in:\n")
        else:
            sys.stderr.write("Open this URL in a browser to sign in:\n")
        sys.stderr.write(url + "\n")
        sys.stderr.flush()

    store = open_cache()
    try:
        with Provider.discover(args.issuer) as provider:
            try:
                result = native_login(
                    provider,
                    args.client_id,
                    scope=args.scope,
                    prompt=args.prompt,
                    show=show,
                    timeout=args.timeout,
                )
            except LoginError as exc:
                if exc.reason != "timeout":
                    raise
                sys.stderr.write(f"tokenwire: {exc}\n")
                return EXIT_TRANSPORT
        save_token(store, cache_key(args.issuer, args.client_id), result.token)
    finally:
        store.close()
    who = result.claims.sub if result.claims is not None else "(no ID token)"
    sys.stderr.write(f"Signed in to {args.issuer} as {who}.\n")
    return EXIT_OK


def _cached_command(args: argparse.Namespace) -> int:
    from tokenwire.adapters.login.native import cache_key, cached_source, open_cache
    from tokenwire.adapters.oidc.base import default_transport
    from tokenwire.core import ConfigurationError, ReauthorizationRequired

    store = open_cache()
    transport = default_transport()
    try:
        stored = store.get(cache_key(args.issuer, args.client_id))
        if stored is None:
            return _login_needed(args, "no login is cached")
        source = cached_source(store, args.issuer, args.client_id, transport)
        try:
            access_token = source.access_token()
        except ReauthorizationRequired:
            return _login_needed(args, "the provider refused the refresh token")
        except ConfigurationError:
            if stored.token.refresh_token:
                raise
            return _login_needed(args, "the token expired and there is no refresh token")
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()
        store.close()
    sys.stdout.write(access_token + "\n")
    return EXIT_OK


def _login_needed(args: argparse.Namespace, why: str) -> int:
    sys.stderr.write(
        f"tokenwire: {why} for {args.issuer} and client {args.client_id}: "
        f"run tokenwire login --issuer {args.issuer} --client-id {args.client_id}\n"
    )
    return EXIT_OAUTH
