"""``tokenwire token``: fetch a token and print the token response as JSON.

Configured only when it is the subcommand run; its top level imports nothing but the standard
library and :mod:`tokenwire.adapters.cli`, so ``tokenwire token --help`` starts in a few
milliseconds. The core and the transport are imported by the handler, when a request is sent.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from tokenwire.adapters.cli import (
    EXIT_OK,
    PROFILE_NAMES,
    TRANSPORT_NAMES,
    add_client_arguments,
    client_auth,
    default_transport,
    token_document,
)

if TYPE_CHECKING:
    from tokenwire.core import ClientAuth, Grant, Profile, Token

__all__ = ["configure", "run"]


def configure(token: argparse.ArgumentParser) -> None:
    """Add ``tokenwire token``'s arguments and handler to its parser."""
    where = token.add_argument_group("endpoint")
    where.add_argument("--profile", choices=PROFILE_NAMES, help="a built-in provider")
    where.add_argument("--domain", help="the provider's domain, with --profile")
    where.add_argument("--token-url", help="any token endpoint URL (https, or http on loopback)")
    add_client_arguments(token)
    token.add_argument(
        "--grant",
        choices=["client_credentials", "refresh_token", "authorization_code"],
        default="client_credentials",
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
    token.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    token.add_argument(
        "--transport",
        choices=TRANSPORT_NAMES,
        help="the HTTP library (default: httpcore if installed, else stdlib)",
    )
    token.add_argument("--format", choices=["text", "json"], default="text", help="error format")
    token.set_defaults(handler=run)
    from tokenwire.adapters.login_cli import add_cached_options  # argparse only at import

    add_cached_options(token)  # tokenwire token --cached: the login cached by tokenwire login


def run(args: argparse.Namespace) -> int:
    """Fetch the token ``args`` describe and print it; errors are the caller's to report."""
    import msgspec

    from tokenwire.adapters.transport import TransportOptions

    profile = _profile(args)
    if args.basic_unencoded:
        profile = msgspec.structs.replace(profile, basic_auth_urlencode=False)
    client = client_auth(args, profile)
    grant = _grant(args)
    options = TransportOptions(
        connect_timeout=min(args.timeout, 5.0),
        read_timeout=args.timeout,
        total_timeout=args.timeout,
    )
    token = _fetch(profile, client, grant, options, args.transport or default_transport())
    sys.stdout.write(msgspec.json.encode(token_document(token)).decode() + "\n")
    return EXIT_OK


def _profile(args: argparse.Namespace) -> Profile:
    from tokenwire.adapters import profiles
    from tokenwire.core import ConfigurationError

    if args.token_url and args.profile:
        raise ConfigurationError("give either --profile with --domain, or --token-url, not both")
    if args.token_url:
        return profiles.generic(args.token_url)
    if not args.profile:
        raise ConfigurationError("give --profile NAME --domain D, or --token-url URL")
    if not args.domain:
        raise ConfigurationError(f"--profile {args.profile} needs --domain")
    return profiles.BY_NAME[args.profile](args.domain)


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


def _fetch(
    profile: Profile, client: ClientAuth, grant: Grant, options: Any, transport: str
) -> Token:
    from tokenwire.adapters.client import TokenClient
    from tokenwire.adapters.transport import build_sync_transport

    with TokenClient(profile, client, build_sync_transport(transport, options)) as tc:
        return tc.request(grant)
