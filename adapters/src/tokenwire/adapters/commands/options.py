"""The options several built-in subcommands share: where the endpoints are, the transport, and
the token that ``revoke`` and ``introspect`` read.

Its top level imports only the standard library and :mod:`tokenwire.adapters.cli`, so that a
subcommand's ``--help`` can use it without loading the core (msgspec) or a transport; what a
request needs is imported inside the functions that build one.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, TextIO

from tokenwire.adapters.cli import (
    PROFILE_NAMES,
    TRANSPORT_NAMES,
    add_client_arguments,
    client_auth,
    default_transport,
)

if TYPE_CHECKING:
    import ssl

    from tokenwire.adapters.client import TokenClient
    from tokenwire.adapters.transport import TransportOptions
    from tokenwire.core import ClientAuth, Profile

__all__ = [
    "TOKEN_ENV",
    "add_connection_arguments",
    "add_endpoint_arguments",
    "add_token_command_arguments",
    "add_transport_arguments",
    "client_for",
    "open_client",
    "profile_from",
    "read_token",
    "transport_options",
]

#: The environment variable ``revoke`` and ``introspect`` read the token from.
TOKEN_ENV = "TOKENWIRE_TOKEN"
_URLS = ("revocation_url", "introspection_url", "device_authorization_url")


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the endpoints are: a built-in profile or a token URL, and the other endpoints."""
    where = parser.add_argument_group("endpoint")
    where.add_argument("--profile", choices=PROFILE_NAMES, help="a built-in provider")
    where.add_argument("--domain", help="the provider's domain, with --profile")
    where.add_argument("--token-url", help="any token endpoint URL (https, or http on loopback)")
    where.add_argument("--device-authorization-url", help="RFC 8628 endpoint, for device_code")
    where.add_argument("--revocation-url", help="RFC 7009 endpoint, for tokenwire revoke")
    where.add_argument("--introspection-url", help="RFC 7662 endpoint, for tokenwire introspect")


def add_transport_arguments(parser: argparse.ArgumentParser) -> None:
    """``--timeout``, ``--transport``, the connection's options and the error ``--format``,
    shared by the subcommands."""
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument(
        "--transport",
        choices=TRANSPORT_NAMES,
        help="the HTTP library (default: httpcore if installed, else stdlib)",
    )
    add_connection_arguments(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="error format")


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--proxy``, ``--ca-file``, ``--client-cert`` and ``--client-key``: how to reach the
    provider, read by :func:`transport_options` (``tokenwire conformance`` takes them too)."""
    parser.add_argument(
        "--proxy",
        metavar="URL",
        help="an http:// proxy for every request (default: HTTPS_PROXY and NO_PROXY from the "
        "environment; keep a proxy password there, not on a command line others can see)",
    )
    tls = parser.add_argument_group("TLS")
    tls.add_argument(
        "--ca-file", metavar="FILE", help="trust these PEM roots instead of the default ones"
    )
    tls.add_argument(
        "--client-cert",
        metavar="FILE",
        help="a PEM client certificate for mutual TLS (tls_client_auth, RFC 8705)",
    )
    tls.add_argument(
        "--client-key", metavar="FILE", help="its PEM private key, if not in --client-cert"
    )


def profile_from(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile``/``--domain`` or ``--token-url``, with the endpoint URLs
    given (``--revocation-url``, ``--introspection-url``, ``--device-authorization-url``) and
    ``--basic-unencoded``."""
    import msgspec

    profile = _profile(args)
    if getattr(args, "basic_unencoded", False):
        profile = msgspec.structs.replace(profile, basic_auth_urlencode=False)
    urls = {name: getattr(args, name) for name in _URLS if getattr(args, name, None)}
    return msgspec.structs.replace(profile, **urls) if urls else profile


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


def transport_options(args: argparse.Namespace) -> TransportOptions:
    """The :class:`~tokenwire.adapters.transport.TransportOptions` of ``--timeout``,
    ``--proxy``, ``--ca-file``, ``--client-cert`` and ``--client-key``."""
    from tokenwire.adapters.transport import Proxy, TransportOptions, check_timeout
    from tokenwire.core import ConfigurationError

    # Bounded here, with the flag's name in the message: inf, 1e12 and nan are refused.
    timeout = check_timeout("--timeout", args.timeout)
    proxy = getattr(args, "proxy", None)
    cert = getattr(args, "client_cert", None)
    key = getattr(args, "client_key", None)
    if key is not None and cert is None:
        raise ConfigurationError("--client-key needs --client-cert")
    return TransportOptions(
        connect_timeout=min(timeout, 5.0),
        read_timeout=timeout,
        total_timeout=timeout,
        proxy=None if proxy is None else Proxy.parse(proxy, source="--proxy"),
        ssl_context=_trusting(getattr(args, "ca_file", None)),
        client_cert=None if cert is None else (cert, key),
    )


def _trusting(ca_file: str | None) -> ssl.SSLContext | None:
    """A verifying context that trusts ``--ca-file``'s roots only, or None for the default."""
    if ca_file is None:
        return None
    import ssl

    from tokenwire.core import ConfigurationError

    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = type(exc).__name__
    raise ConfigurationError(f"cannot load the --ca-file {ca_file!r}: {reason}")


def open_client(profile: Profile, client: ClientAuth, args: argparse.Namespace) -> TokenClient:
    """A :class:`~tokenwire.adapters.client.TokenClient` over ``--transport`` (default: httpcore
    if installed, else stdlib) with the ``--timeout`` options (use it in a ``with`` block)."""
    from tokenwire.adapters.client import TokenClient
    from tokenwire.adapters.transport import build_sync_transport

    library = args.transport or default_transport()
    return TokenClient(profile, client, build_sync_transport(library, transport_options(args)))


def read_token(stdin: TextIO | None = None) -> str:
    """The token from ``TOKENWIRE_TOKEN``, else the first line of stdin (not a terminal)."""
    from tokenwire.core import ConfigurationError

    token = os.environ.get(TOKEN_ENV)
    if token:
        return token.strip()
    stdin = sys.stdin if stdin is None else stdin
    if stdin is None or stdin.isatty():
        raise ConfigurationError(
            f"give the token in {TOKEN_ENV} or on stdin (never as an argument: "
            "arguments are visible to other users in the process list)"
        )
    token = stdin.readline().strip()
    if not token:
        raise ConfigurationError(f"no token on stdin and {TOKEN_ENV} is not set")
    return token


def add_token_command_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``revoke`` and ``introspect`` share: the endpoints, the client, the hint and
    the transport."""
    add_endpoint_arguments(parser)
    add_client_arguments(parser)
    parser.add_argument(
        "--token-type-hint",
        choices=("access_token", "refresh_token"),
        help="what kind of token it is (a hint)",
    )
    add_transport_arguments(parser)


def client_for(args: argparse.Namespace) -> TokenClient:
    """The :class:`~tokenwire.adapters.client.TokenClient` ``args`` describe: the profile, the
    client and the transport (use it in a ``with`` block)."""
    profile = profile_from(args)
    return open_client(profile, client_auth(args, profile), args)
