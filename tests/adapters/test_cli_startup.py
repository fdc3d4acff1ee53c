"""Fast start (issue 12 item 5): a command imports only what it needs (fresh processes).

``tokenwire token --help`` (and ``revoke``'s and ``introspect``'s) must load neither msgspec, nor
a transport library, nor an event loop, nor ``http.server`` or a probe module, and must not scan
entry points; ``import tokenwire.core`` and the stdlib transport load no event loop. Each check
runs a fresh interpreter and reads its ``sys.modules`` (and whether
``importlib.metadata.entry_points`` was called) at exit. The names the CLI spells out for
``--help`` (so as not to import the core) are checked against the core's.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from tokenwire.adapters import cli, profiles
from tokenwire.adapters.transport import sync_libraries
from tokenwire.core.auth import AUTH_METHODS

#: Loaded by ``token --help``, any of these would mean the lazy structure broke.
HEAVY = ("msgspec", "httpcore", "h11", "anyio", "trio", "sniffio", "asyncio", "http.server",
         "http.client", "ssl", "tokenwire.core", "tokenwire.conformance",
         "typing_extensions")  # fmt: skip
EVENT_LOOPS = ("asyncio", "trio", "anyio")

PROBE = """
import importlib.metadata, json, sys
scanned = []
real = importlib.metadata.entry_points
def spy(*args, **kwargs):
    scanned.append(kwargs.get("group"))
    return real(*args, **kwargs)
importlib.metadata.entry_points = spy
{body}
json.dump({{"modules": sorted(sys.modules), "scanned": scanned}}, sys.stderr)
"""

RUN_CLI = """
from tokenwire.adapters.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
"""


def loaded(body: str) -> tuple[list[str], list[object]]:
    """The modules a fresh interpreter holds after ``body``, and the entry-point groups read."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["modules"], report["scanned"]


def heavy(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.mark.parametrize("command", ["token", "revoke", "introspect"])
def test_a_subcommands_help_imports_no_core_transport_event_loop_or_probe_nor_scans_entry_points(
    command: str,
) -> None:
    modules, scanned = loaded(RUN_CLI.format(argv=[command, "--help"]))
    assert f"tokenwire.adapters.commands.{command}" in modules  # the check is not vacuous
    assert heavy(modules, HEAVY) == []
    assert [m for m in modules if "probe" in m] == []
    assert scanned == []


def test_a_subcommand_that_is_not_built_in_is_found_through_the_entry_points() -> None:
    modules, scanned = loaded(RUN_CLI.format(argv=["conformance", "--help"]))
    assert scanned == ["tokenwire.cli"]
    assert "tokenwire.conformance.cli" in modules
    assert "tokenwire.adapters.commands.token" not in modules


@pytest.mark.parametrize("module", ["tokenwire.core", "tokenwire.adapters.stdlib"])
def test_the_core_and_the_stdlib_transport_import_no_event_loop(module: str) -> None:
    modules, _ = loaded(f"import {module}")
    assert module in modules
    assert heavy(modules, EVENT_LOOPS) == []
    assert heavy(modules, ("httpcore",)) == []


def test_the_names_the_cli_spells_out_for_help_are_the_cores() -> None:
    assert cli.AUTH_METHOD_NAMES == AUTH_METHODS
    assert sorted(cli.PROFILE_NAMES) == sorted(profiles.BY_NAME)
    assert list(cli.TRANSPORT_NAMES) == list(sync_libraries())


@pytest.mark.parametrize("name", list(cli.BUILTIN_COMMANDS))
def test_every_built_in_subcommand_configures_a_handler(name: str) -> None:
    module, _, function = cli.BUILTIN_COMMANDS[name].target.partition(":")
    parser = cli.QuietParser(prog=name)
    getattr(importlib.import_module(module), function)(parser)
    assert callable(parser.get_default("handler"))
