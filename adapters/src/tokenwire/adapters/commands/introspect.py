"""``tokenwire introspect``: print what the server says of a token (RFC 7662) as JSON.

The token comes from ``TOKENWIRE_TOKEN`` or the first line of stdin, never from an argument (see
:mod:`tokenwire.adapters.commands.revoke`). ``{"active": false}`` is an answer, printed with exit
code 0. Configured only when it is the subcommand run; the core and the transport are imported by
the handler.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tokenwire.adapters.cli import EXIT_OK
from tokenwire.adapters.commands.options import add_token_command_arguments, client_for, read_token

if TYPE_CHECKING:
    from tokenwire.core import Introspection

__all__ = ["configure", "introspection_document", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``tokenwire introspect``'s arguments and handler to its parser."""
    add_token_command_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Introspect the token read from the environment or stdin and print the answer as JSON."""
    import msgspec

    token = read_token()
    with client_for(args) as client:
        info = client.introspect(token, args.token_type_hint)
    sys.stdout.write(msgspec.json.encode(introspection_document(info)).decode() + "\n")
    return EXIT_OK


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
