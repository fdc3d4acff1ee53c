"""The ``tokenwire`` command.

The built-in subcommands are a table (:data:`BUILTIN_COMMANDS`: name, help, and the
``module:function`` that configures its parser), imported only for the subcommand being run.
Other subcommands plug in through the ``tokenwire.cli`` entry-point group (each entry point is a
``register(subparsers)`` callable), so that ``tokenwire conformance`` can live in the conformance
distribution without this layer importing an outer one; entry points are scanned only when the
subcommand asked for is not built in. The options several subcommands share (where the endpoints
are, the transport) are in :mod:`tokenwire.adapters.commands.options`.

Starting fast is a feature (a CLI run per token, in a shell script or a credential helper):
this module imports only the standard library at the top, and ``tokenwire token --help`` imports
neither the core (msgspec) nor any transport. Names the core defines that ``--help`` shows
(authentication methods, profiles, transports) are spelled here, and a test keeps them equal.

Over 300 lines: it holds what every subcommand shares (the exit codes and their mapping, error
reporting that shows no secret, the common client options, the parser and its table); each
subcommand's own code is in :mod:`tokenwire.adapters.commands`.

Exit codes: 0 ok, 1 a conformance check failed (``tokenwire conformance``), 2 usage or
configuration error, 3 OAuth error from the server, 4 protocol error, 5 transport error, 6 token
store or lease failure (a :class:`~tokenwire.adapters.stores.StoreError` or a
:class:`~tokenwire.adapters.source.RefreshTimeout`). Errors go to stderr as one line (or JSON
with ``--format json``) and never contain a secret: they are built from tokenwire's typed errors,
whose messages are redacted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:  # imported where used: ``tokenwire token --help`` loads none of this
    from typing_extensions import override

    from tokenwire.core import ClientAuth, Profile, Token, TokenwireError
else:
    _F = TypeVar("_F")

    def override(method: _F) -> _F:
        """``typing_extensions.override`` for the type checker; importing it costs start-up."""
        return method


__all__ = [
    "EXIT_OAUTH",
    "EXIT_OK",
    "EXIT_PROTOCOL",
    "EXIT_STORE",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "BUILTIN_COMMANDS",
    "AUTH_METHOD_NAMES",
    "PROFILE_NAMES",
    "TRANSPORT_NAMES",
    "Builtin",
    "QuietParser",
    "add_client_arguments",
    "build_parser",
    "client_auth",
    "default_transport",
    "error_document",
    "exit_code",
    "main",
    "report_error",
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

#: ``tokenwire.core.auth.AUTH_METHODS``, for ``--help`` without importing the core.
AUTH_METHOD_NAMES = (
    "client_secret_post",
    "client_secret_basic",
    "none",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
)
#: ``tokenwire.adapters.profiles.BY_NAME``'s names, likewise.
PROFILE_NAMES = ("api-v1", "tencent-ciam")
#: The sync built-in transports by library (``transport.sync_libraries()``), likewise.
TRANSPORT_NAMES = ("httpcore", "stdlib")


def exit_code(error: TokenwireError) -> int:
    """The documented exit code for a typed error."""
    from tokenwire.core import OAuthError, ProtocolError, TransportError

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
    from tokenwire.core import OAuthError
    from tokenwire.core.redact import scrub

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
        import msgspec

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


def client_auth(args: argparse.Namespace, profile: Profile | None = None) -> ClientAuth:
    """The client from ``--client-id``, ``--client-secret`` (or its environment variable),
    ``--private-key`` (or ``TOKENWIRE_PRIVATE_KEY``), ``--signing-alg``, ``--key-id`` and
    ``--auth-method`` (default: ``private_key_jwt`` with a key, else what the profile's provider
    documents with a secret, else ``tls_client_auth`` with ``--client-cert``, else ``none``)."""
    from tokenwire.core import ClientAuth

    secret = args.client_secret or os.environ.get("TOKENWIRE_CLIENT_SECRET") or None
    private_key = _private_key(args)
    method = args.auth_method
    if method is None:
        if private_key is not None:
            method = "private_key_jwt"
        elif secret is None:
            method = "tls_client_auth" if getattr(args, "client_cert", None) else "none"
        else:
            method = profile.default_auth_method if profile else "client_secret_post"
    return ClientAuth(
        args.client_id,
        secret,
        method,
        private_key=private_key,
        signing_alg=getattr(args, "signing_alg", None),
        key_id=getattr(args, "key_id", None),
    )


def _private_key(args: argparse.Namespace) -> str | None:
    """The ``private_key_jwt`` key: the file ``--private-key`` names, else the key itself in
    ``TOKENWIRE_PRIVATE_KEY``. Neither the key nor its text is ever shown in an error."""
    path = getattr(args, "private_key", None)
    if path is None:
        return os.environ.get("TOKENWIRE_PRIVATE_KEY") or None
    from tokenwire.core import ConfigurationError

    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeError) as exc:
        reason = type(exc).__name__
    raise ConfigurationError(f"cannot read the --private-key file {path!r}: {reason}")


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
        choices=AUTH_METHOD_NAMES,
        help="client authentication method (default: the provider's documented one)",
    )
    parser.add_argument(
        "--private-key",
        metavar="FILE",
        help="private_key_jwt: a PEM private key or a private JWK (JSON) file; or the key itself "
        "in TOKENWIRE_PRIVATE_KEY (implies --auth-method private_key_jwt)",
    )
    parser.add_argument("--signing-alg", help="JWS algorithm of the client assertion (*_jwt)")
    parser.add_argument("--key-id", help="the kid to send in the client assertion's header")
    parser.add_argument("--scope", help="space-delimited scope")
    parser.add_argument(
        "--basic-unencoded",
        action="store_true",
        help="send client_secret_basic credentials without form-urlencoding them first, for a "
        "provider that does not decode them (RFC 6749 §2.3.1 says it must)",
    )


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


class Builtin(NamedTuple):
    """A subcommand shipped with this distribution: its help line, and where it is configured.

    ``target`` is ``module:function``; the function receives the subcommand's parser, adds its
    arguments and sets ``handler`` (``parser.set_defaults(handler=...)``). It is imported only
    when its subcommand is the one being run, so that each subcommand's imports are paid only by
    that subcommand: keep the target module's top-level imports light (the standard library's
    ``argparse`` and ``os``, this module) and import the rest inside the handler.
    """

    help: str
    target: str


#: The built-in subcommands. Add a row (and a module under :mod:`tokenwire.adapters.commands`)
#: to add one; subcommands of other distributions plug in through the ``tokenwire.cli``
#: entry-point group instead, whose entry points are read only when the subcommand asked for is
#: not one of these.
BUILTIN_COMMANDS: dict[str, Builtin] = {
    "token": Builtin(
        "fetch a token and print the token response as JSON",
        "tokenwire.adapters.commands.token:configure",
    ),
    "revoke": Builtin(
        "revoke a token (RFC 7009); the token comes from TOKENWIRE_TOKEN or stdin",
        "tokenwire.adapters.commands.revoke:configure",
    ),
    "introspect": Builtin(
        "print what the server says of a token (RFC 7662) as JSON; the token comes from "
        "TOKENWIRE_TOKEN or stdin",
        "tokenwire.adapters.commands.introspect:configure",
    ),
    "login": Builtin(
        "log in through the browser (RFC 8252) and keep the token in the cache",
        "tokenwire.adapters.login_cli:configure",
    ),
}


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first argument not starting with ``-``), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``tokenwire`` parser, built for running ``command``.

    Every built-in subcommand is listed, but only ``command``'s arguments are configured (all of
    them when ``command`` is ``None``); the ``tokenwire.cli`` entry points are loaded only when
    ``command`` is not built in (``None`` included: ``tokenwire --help`` lists them all).
    """
    parser = QuietParser(
        prog="tokenwire",
        description="OAuth 2.0 token-endpoint client and conformance tester.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, builtin in BUILTIN_COMMANDS.items():
        subparser = sub.add_parser(name, help=builtin.help, description=builtin.help)
        if command is None or command == name:
            module, _, function = builtin.target.partition(":")
            configure: Callable[[argparse.ArgumentParser], None] = getattr(
                importlib.import_module(module), function
            )
            configure(subparser)
    if command not in BUILTIN_COMMANDS:
        from importlib.metadata import entry_points  # scanning them costs: only when needed

        for ep in entry_points(group="tokenwire.cli"):
            register: Callable[[Any], None] = ep.load()
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tokenwire`` command; returns its exit code (see the module docstring)."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_chosen(argv))
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    from tokenwire.core import TokenwireError  # after parsing: --help never needs the core

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
