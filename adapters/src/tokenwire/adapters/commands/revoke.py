"""``tokenwire revoke``: revoke a token (RFC 7009).

The token never comes from the command line, where every user of the machine can read it in the
process list: it comes from ``TOKENWIRE_TOKEN``, or else from the first line of stdin (not from a
terminal). Nothing is printed on success, also for a token the server did not know (RFC 7009
§2.2). Configured only when it is the subcommand run; the core and the transport are imported by
the handler.
"""

from __future__ import annotations

import argparse

from tokenwire.adapters.cli import EXIT_OK
from tokenwire.adapters.commands.options import add_token_command_arguments, client_for, read_token

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``tokenwire revoke``'s arguments and handler to its parser."""
    add_token_command_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Revoke the token read from the environment or stdin; errors are the caller's to report."""
    token = read_token()
    with client_for(args) as client:
        client.revoke(token, args.token_type_hint)
    return EXIT_OK
