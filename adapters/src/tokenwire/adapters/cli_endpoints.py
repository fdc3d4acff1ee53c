"""``tokenwire revoke``, ``tokenwire introspect`` and the device grant of ``tokenwire token``.

Apart from :mod:`tokenwire.adapters.cli` so that neither module grows past a screenful of
options. The rules these commands keep:

* a token to revoke or introspect never comes from the command line, where every user of the
  machine can read it in the process list: it comes from ``TOKENWIRE_TOKEN``, or else from the
  first line of stdin (not from a terminal: ``tokenwire introspect < file`` or a pipe);
* ``tokenwire revoke`` prints nothing on success, also for a token the server did not know
  (RFC 7009 §2.2); ``tokenwire introspect`` prints the answer as JSON (``{"active": false}`` is an
  answer, exit 0);
* ``tokenwire token --grant device_code`` writes the user code and the verification URI to
  stderr, then a countdown to the code's expiry while it polls (on a terminal only), and prints
  the token JSON on stdout like every other grant;
* errors and exit codes are the CLI's (see :mod:`tokenwire.adapters.cli`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import msgspec

from tokenwire.adapters.cli import (
    EXIT_OK,
    add_client_arguments,
    add_endpoint_arguments,
    add_transport_arguments,
    client_auth,
    open_client,
    profile_from,
)
from tokenwire.core import ConfigurationError, DeviceAuthorization, Introspection, Token

__all__ = [
    "TOKEN_ENV",
    "countdown_sleep",
    "device_token",
    "introspection_document",
    "read_token",
    "register",
]

#: The environment variable ``revoke`` and ``introspect`` read the token from.
TOKEN_ENV = "TOKENWIRE_TOKEN"
_HINTS = ("access_token", "refresh_token")


def read_token(stdin: TextIO | None = None) -> str:
    """The token from ``TOKENWIRE_TOKEN``, else the first line of stdin (not a terminal)."""
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


def introspection_document(info: Introspection) -> dict[str, Any]:
    """The introspection answer as ``tokenwire introspect`` prints it: the members sent."""
    if not info.active:
        return {"active": False}
    doc: dict[str, Any] = {"active": True}
    for name in (
        "scope", "client_id", "username", "token_type", "exp", "iat", "nbf", "sub", "aud", "iss",
        "jti",
    ):  # fmt: skip
        value = getattr(info, name)
        if value is not None:
            doc[name] = list(value) if isinstance(value, tuple) else value
    for name, value in info.extra.items():
        doc.setdefault(name, value)
    return doc


def countdown_sleep(
    expires_at: float,
    clock: Callable[[], float],
    stream: TextIO,
    *,
    pause: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[float], None]:
    """A sleep that shows the seconds left before ``expires_at`` once a second on ``stream``
    (when it is a terminal; elsewhere it just sleeps). ``pause`` and ``monotonic`` are the
    waiting and the timing it is made of."""
    show = stream.isatty()

    def sleep(seconds: float) -> None:
        end = monotonic() + seconds
        while (left := end - monotonic()) > 0:
            if show:
                remaining = max(0, int(expires_at - clock()))
                stream.write(f"\rwaiting for approval; the code expires in {remaining:4d} s ")
                stream.flush()
            pause(min(1.0, left))

    return sleep


def device_token(client: Any, scope: str | None, stream: TextIO) -> Token:
    """Run the device flow with ``client``: show the user what to do on ``stream``, then poll."""
    started: DeviceAuthorization = client.start_device_authorization(scope)
    stream.write(f"To sign in, open {started.verification_uri}\n")
    stream.write(f"and enter the code: {started.user_code}\n")
    if started.verification_uri_complete:
        stream.write(f"(or open {started.verification_uri_complete})\n")
    stream.flush()
    expires_at = started.expires_at if started.expires_at is not None else client.clock()
    client.sleep = countdown_sleep(expires_at, client.clock, stream)
    try:
        token: Token = client.poll_device(started)
    finally:
        if stream.isatty():
            stream.write("\n")
    return token


def _revoke_command(args: argparse.Namespace) -> int:
    token = read_token()
    profile = profile_from(args)
    with open_client(profile, client_auth(args, profile), args) as client:
        client.revoke(token, args.token_type_hint)
    return EXIT_OK


def _introspect_command(args: argparse.Namespace) -> int:
    token = read_token()
    profile = profile_from(args)
    with open_client(profile, client_auth(args, profile), args) as client:
        info = client.introspect(token, args.token_type_hint)
    sys.stdout.write(msgspec.json.encode(introspection_document(info)).decode() + "\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``revoke`` and ``introspect`` to the ``tokenwire`` subcommands."""
    for name, handler, text in (
        ("revoke", _revoke_command, "revoke a token (RFC 7009); the token comes from "),
        ("introspect", _introspect_command, "print what the server says of a token (RFC 7662) "
         "as JSON; the token comes from "),
    ):  # fmt: skip
        parser = sub.add_parser(name, help=f"{text}{TOKEN_ENV} or stdin")
        add_endpoint_arguments(parser)
        add_client_arguments(parser)
        parser.add_argument(
            "--token-type-hint", choices=_HINTS, help="what kind of token it is (a hint)"
        )
        add_transport_arguments(parser)
        parser.set_defaults(handler=handler)
