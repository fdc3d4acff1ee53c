"""The built-in subcommands of ``tokenwire``, one module each (see ``cli.BUILTIN_COMMANDS``).

Each module has a ``configure(parser)`` that adds the subcommand's arguments and its handler, and
is imported only when its subcommand runs. Keep their top-level imports to the standard library
and :mod:`tokenwire.adapters.cli`: ``tokenwire token --help`` must not pay for msgspec, a
transport or an event loop (a test checks ``sys.modules``). :mod:`.options` holds the options
several subcommands share (endpoints, transport, the token to revoke or introspect);
:mod:`.device` the device grant of ``tokenwire token``, imported only for that grant.
"""
