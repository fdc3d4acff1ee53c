"""``tokenwire token``: fetch a token and print the token response as JSON.

Configured only when it is the subcommand run; its top level imports nothing but the standard
library and :mod:`tokenwire.adapters.cli`, so ``tokenwire token --help`` starts in a few
milliseconds. The core and the transport are imported by the handler, when a request is sent.
The device grant (``--grant device_code``) is in :mod:`tokenwire.adapters.commands.device`,
imported only for that grant.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tokenwire.adapters.cli import EXIT_OK, add_client_arguments, client_auth, token_document
from tokenwire.adapters.commands.options import (
    add_endpoint_arguments,
    add_transport_arguments,
    open_client,
    profile_from,
)

if TYPE_CHECKING:
    from tokenwire.adapters.client import TokenClient
    from tokenwire.core import Grant, Token

__all__ = ["configure", "run"]


def configure(token: argparse.ArgumentParser) -> None:
    """Add ``tokenwire token``'s arguments and handler to its parser."""
    add_endpoint_arguments(token)
    add_client_arguments(token)
    token.add_argument(
        "--grant",
        choices=["client_credentials", "refresh_token", "authorization_code", "device_code"],
        default="client_credentials",
        help="device_code shows a user code and a URL on stderr, then polls until approval",
    )
    token.add_argument(
        "--refresh-token", help="for --grant refresh_token (or TOKENWIRE_REFRESH_TOKEN)"
    )
    token.add_argument("--code", help="for --grant authorization_code (or TOKENWIRE_CODE)")
    token.add_argument("--redirect-uri", help="for --grant authorization_code")
    token.add_argument(
        "--code-verifier",
        help="PKCE verifier, for --grant authorization_code (or TOKENWIRE_CODE_VERIFIER)",
    )
    add_transport_arguments(token)
    token.set_defaults(handler=run)
    from tokenwire.adapters.login_cli import add_cached_options  # argparse only at import

    add_cached_options(token)  # tokenwire token --cached: the login cached by tokenwire login


def run(args: argparse.Namespace) -> int:
    """Fetch the token ``args`` describe and print it; errors are the caller's to report."""
    import msgspec

    profile = profile_from(args)
    grant = None if args.grant == "device_code" else _grant(args)
    with open_client(profile, client_auth(args, profile), args) as client:
        token = _fetch(client, grant, args.scope)
    sys.stdout.write(msgspec.json.encode(token_document(token)).decode() + "\n")
    return EXIT_OK


def _grant(args: argparse.Namespace) -> Grant:
    from tokenwire.core import (
        AuthorizationCode,
        ClientCredentials,
        ConfigurationError,
        RefreshToken,
    )

    if args.grant == "client_credentials":
        return ClientCredentials(args.scope)
    if args.grant == "refresh_token":
        refresh = args.refresh_token or os.environ.get("TOKENWIRE_REFRESH_TOKEN")
        if not refresh:
            raise ConfigurationError(
                "--grant refresh_token needs --refresh-token or TOKENWIRE_REFRESH_TOKEN"
            )
        return RefreshToken(refresh, args.scope)
    code = args.code or os.environ.get("TOKENWIRE_CODE")
    if not code or not args.redirect_uri:
        raise ConfigurationError(
            "--grant authorization_code needs --code and --redirect-uri "
            "(the code may come from TOKENWIRE_CODE)"
        )
    verifier = args.code_verifier or os.environ.get("TOKENWIRE_CODE_VERIFIER") or None
    return AuthorizationCode(code, args.redirect_uri, verifier)


def _fetch(client: TokenClient, grant: Grant | None, scope: str | None) -> Token:
    """The token: ``grant``'s, or by the device grant (RFC 8628) when ``grant`` is ``None``."""
    if grant is None:
        from tokenwire.adapters.commands.device import device_token

        return device_token(client, scope, sys.stderr)
    return client.request(grant)
