"""The ``tokenwire`` command.

Subcommands plug in through the ``tokenwire.cli`` entry-point group (each entry point is a
``register(subparsers)`` callable), so that ``tokenwire conformance`` can live in the conformance
distribution without this layer importing an outer one. ``tokenwire revoke``, ``tokenwire
introspect`` and the device grant of ``tokenwire token`` live in
:mod:`tokenwire.adapters.cli_endpoints`. (This module is over 300 lines because it holds what
every subcommand shares: the exit codes, error reporting, the common options and the parser.)

Exit codes: 0 ok, 1 a conformance check failed (``tokenwire conformance``), 2 usage or
configuration error, 3 OAuth error from the server, 4 protocol error, 5 transport error, 6 token
store or lease failure (a :class:`~tokenwire.adapters.stores.StoreError` or a
:class:`~tokenwire.adapters.source.RefreshTimeout`). Errors go to stderr as one line (or JSON
with ``--format json``) and never contain a secret: they are built from tokenwire's typed errors,
whose messages are redacted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

import msgspec
from typing_extensions import override

from tokenwire.adapters import profiles
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    Grant,
    OAuthError,
    Profile,
    ProtocolError,
    RefreshToken,
    Token,
    TokenwireError,
    TransportError,
)
from tokenwire.core.auth import AUTH_METHODS
from tokenwire.core.redact import scrub

__all__ = [
    "EXIT_OAUTH",
    "EXIT_OK",
    "EXIT_PROTOCOL",
    "EXIT_STORE",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "add_client_arguments",
    "add_endpoint_arguments",
    "build_parser",
    "client_auth",
    "default_transport",
    "error_document",
    "exit_code",
    "main",
    "open_client",
    "profile_from",
    "report_error",
    "transport_options",
    "token_document",
    "transport_choices",
]

#: Success.
EXIT_OK = 0
#: Bad arguments or configuration (a :class:`~tokenwire.core.ConfigurationError`, or argparse's).
EXIT_USAGE = 2
#: The server answered with an OAuth error.
EXIT_OAUTH = 3
#: The server's answer broke the protocol.
EXIT_PROTOCOL = 4
#: The HTTP exchange failed (connect, TLS, timeout, reset, too large).
EXIT_TRANSPORT = 5
#: The token store failed, or waiting for another refresher's lease timed out.
EXIT_STORE = 6

Handler = Callable[[argparse.Namespace], int]


def exit_code(error: TokenwireError) -> int:
    """The documented exit code for a typed error."""
    if isinstance(error, OAuthError):
        return EXIT_OAUTH
    if isinstance(error, ProtocolError):
        return EXIT_PROTOCOL
    if isinstance(error, TransportError):
        return EXIT_TRANSPORT
    # Imported here, when an error is being reported, so that starting the CLI stays light.
    from tokenwire.adapters.source import RefreshTimeout
    from tokenwire.adapters.stores import StoreError

    if isinstance(error, StoreError | RefreshTimeout):
        return EXIT_STORE
    return EXIT_USAGE


def error_document(error: TokenwireError) -> dict[str, Any]:
    """The JSON form of an error for ``--format json`` (no secret: only redacted fields)."""
    doc: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, OAuthError):
        # The server's own words, scrubbed and cut like the text format's (a server may echo
        # the refresh token it was sent).
        doc.update(
            code=scrub(error.error, 80),
            description=None if error.description is None else scrub(error.description, 200),
            uri=None if error.uri is None else scrub(error.uri, 200),
        )
    status = getattr(error, "status", None)
    if status is not None:
        doc["status"] = status
    return {"error": doc, "exit_code": exit_code(error)}


def report_error(error: TokenwireError, fmt: str) -> int:
    """Print ``error`` to stderr in the chosen format and return its exit code."""
    if fmt == "json":
        sys.stderr.write(msgspec.json.encode(error_document(error)).decode() + "\n")
    else:
        sys.stderr.write(f"tokenwire: {type(error).__name__}: {error}\n")
    return exit_code(error)


def token_document(token: Token) -> dict[str, Any]:
    """The token response as printed by ``tokenwire token``: RFC members, then the rest."""
    doc: dict[str, Any] = {
        "access_token": token.access_token,
        "token_type": token.token_type,
    }
    for name in ("expires_in", "refresh_token", "scope", "id_token", "expires_at"):
        value = getattr(token, name)
        if value is not None:
            doc[name] = value
    for name, value in token.extra.items():
        doc.setdefault(name, value)
    return doc


def profile_from(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile``/``--domain`` or ``--token-url``, with the endpoint URLs
    given (``--revocation-url``, ``--introspection-url``, ``--device-authorization-url``)."""
    profile = _profile(args)
    if getattr(args, "basic_unencoded", False):
        profile = msgspec.structs.replace(profile, basic_auth_urlencode=False)
    urls = {
        name: getattr(args, name)
        for name in ("revocation_url", "introspection_url", "device_authorization_url")
        if getattr(args, name, None)
    }
    return msgspec.structs.replace(profile, **urls) if urls else profile


def _profile(args: argparse.Namespace) -> Profile:
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


def client_auth(args: argparse.Namespace, profile: Profile | None = None) -> ClientAuth:
    """The client from ``--client-id``, ``--client-secret`` (or its environment variable) and
    ``--auth-method`` (default: what the profile's provider documents, or ``none`` without a
    secret)."""
    secret = args.client_secret or os.environ.get("TOKENWIRE_CLIENT_SECRET") or None
    method = args.auth_method
    if method is None:
        if secret is None:
            method = "none"
        else:
            method = profile.default_auth_method if profile else "client_secret_post"
    return ClientAuth(args.client_id, secret, method)


def add_client_arguments(parser: argparse._ActionsContainer, *, required: bool = True) -> None:
    """Arguments naming the client, shared by every subcommand that talks to a token endpoint."""
    parser.add_argument("--client-id", required=required, help="the client's id")
    parser.add_argument(
        "--client-secret",
        help="the client's secret (prefer the TOKENWIRE_CLIENT_SECRET environment variable: "
        "arguments are visible to other users in the process list)",
    )
    parser.add_argument(
        "--auth-method",
        choices=AUTH_METHODS,
        help="client authentication method (default: the provider's documented one)",
    )
    parser.add_argument("--scope", help="space-delimited scope")
    parser.add_argument(
        "--basic-unencoded",
        action="store_true",
        help="send client_secret_basic credentials without form-urlencoding them first, for a "
        "provider that does not decode them (RFC 6749 §2.3.1 says it must)",
    )


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the endpoints are: a built-in profile or a token URL, and the other endpoints."""
    where = parser.add_argument_group("endpoint")
    where.add_argument("--profile", choices=sorted(profiles.BY_NAME), help="a built-in provider")
    where.add_argument("--domain", help="the provider's domain, with --profile")
    where.add_argument("--token-url", help="any token endpoint URL (https, or http on loopback)")
    where.add_argument("--device-authorization-url", help="RFC 8628 endpoint, for device_code")
    where.add_argument("--revocation-url", help="RFC 7009 endpoint, for tokenwire revoke")
    where.add_argument("--introspection-url", help="RFC 7662 endpoint, for tokenwire introspect")


def add_transport_arguments(parser: argparse.ArgumentParser) -> None:
    """``--timeout``, ``--transport`` and the error ``--format``, shared by the subcommands."""
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--transport", choices=transport_choices(), default=default_transport())
    parser.add_argument("--format", choices=["text", "json"], default="text", help="error format")


def transport_options(args: argparse.Namespace) -> Any:
    """The :class:`~tokenwire.adapters.transport.TransportOptions` of ``--timeout``."""
    from tokenwire.adapters.transport import TransportOptions

    return TransportOptions(
        connect_timeout=min(args.timeout, 5.0),
        read_timeout=args.timeout,
        total_timeout=args.timeout,
    )


def _token_command(args: argparse.Namespace) -> int:
    profile = profile_from(args)
    client = client_auth(args, profile)
    if args.grant == "device_code":
        from tokenwire.adapters.cli_endpoints import device_token

        with open_client(profile, client, args) as tc:
            token = device_token(tc, args.scope, sys.stderr)
    else:
        token = _fetch(profile, client, _grant(args), args)
    sys.stdout.write(msgspec.json.encode(token_document(token)).decode() + "\n")
    return EXIT_OK


def _fetch(profile: Profile, client: ClientAuth, grant: Grant, args: argparse.Namespace) -> Token:
    with open_client(profile, client, args) as tc:
        token: Token = tc.request(grant)
        return token


def open_client(profile: Profile, client: ClientAuth, args: argparse.Namespace) -> Any:
    """A :class:`~tokenwire.adapters.client.TokenClient` over ``--transport`` with the
    ``--timeout`` options (use it in a ``with`` block)."""
    from tokenwire.adapters.client import TokenClient
    from tokenwire.adapters.transport import build_sync_transport

    transport = build_sync_transport(args.transport, transport_options(args))
    return TokenClient(profile, client, transport)


def default_transport() -> str:
    """``"httpcore"`` when the httpcore extra is installed, else ``"stdlib"`` (from the table)."""
    from tokenwire.adapters.transport import default_library

    return default_library()


def transport_choices() -> list[str]:
    """The ``--transport`` choices: the sync built-in transports, by library name."""
    from tokenwire.adapters.transport import sync_libraries

    return list(sync_libraries())


_OPTION_NAME = re.compile(r"--[A-Za-z][A-Za-z0-9-]{0,39}|-[A-Za-z]")


class QuietParser(argparse.ArgumentParser):
    """An argument parser that never echoes what it did not recognize.

    argparse's own message repeats unknown arguments whole, so a mistyped option
    (``--client-secert VALUE``) would put the secret on stderr: only option names are named.
    Subcommand parsers are made of this class too (argparse uses the parent's class).
    """

    @override
    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse like argparse, but name unknown options without their values."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            names = sorted(
                {
                    name
                    for name in (arg.split("=", 1)[0] for arg in extras)
                    if _OPTION_NAME.fullmatch(name)
                }
            )
            named = " ".join(names) or f"{len(extras)} argument(s)"
            self.error(f"unrecognized arguments: {named} (values are not shown)")
        return parsed


def build_parser() -> argparse.ArgumentParser:
    """The ``tokenwire`` parser, with every subcommand the ``tokenwire.cli`` group plugs in."""
    parser = QuietParser(
        prog="tokenwire",
        description="OAuth 2.0 token-endpoint client and conformance tester.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    token = sub.add_parser("token", help="fetch a token and print the token response as JSON")
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
    token.set_defaults(handler=_token_command)

    from tokenwire.adapters.cli_endpoints import register as register_endpoints  # builds on this

    register_endpoints(sub)

    from tokenwire.adapters.login_cli import register as register_login  # argparse only

    register_login(sub)  # tokenwire login, and token --cached

    for ep in entry_points(group="tokenwire.cli"):
        register: Callable[[Any], None] = ep.load()
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tokenwire`` command; returns its exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        try:
            code = handler(args)
        except TokenwireError as error:
            code = report_error(error, getattr(args, "format", "text"))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_closed()
    return code


#: The status a shell gives a command killed by SIGPIPE (128 + 13): the reader went away.
EXIT_BROKEN_PIPE = 141


def _stdout_closed() -> int:
    """The reader of stdout left (``| head -1``): stop quietly, as a SIGPIPE would."""
    try:
        # Python flushes stdout again at exit; point it at /dev/null so that flush succeeds.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
