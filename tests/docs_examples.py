"""The Python blocks of the guides (``docs/*.md``, ``README.md``), and how each is meant to run.

A block is one of three kinds, said by the HTML comment on the nearest non-blank line above its
fence (invisible on the site and on the repository page):

* ``<!-- fragment: why -->``: not meant to run on its own (an excerpt, a signature, a call to a
  real provider); the reason is optional but kind to readers of the source.
* ``<!-- tested: tests/path.py -->``: run, as written, by that test file (which names the page).
* nothing: ``tests/docs/test_examples.py`` runs it in a fresh interpreter, after :data:`PRELUDE`,
  with the embedded reference provider listening on loopback.

A ``console`` block marked ``<!-- checked -->`` is a shell session that
``tests/docs/test_examples.py`` replays: each ``$ `` line runs in ``bash`` (stderr into stdout),
with ``TOKEN_URL``, ``CLIENT_ID`` and ``TOKENWIRE_CLIENT_SECRET`` in its environment, and its output
must match the lines below it, ``...`` matching anything (doctest's ``ELLIPSIS``). An
``export NAME=...`` line stands for a secret the environment already holds and is not run.

The prelude gives a block these names: ``TOKEN_URL`` (the reference provider's token endpoint),
``CLIENT_ID`` and ``CLIENT_SECRET`` (a client registered there, ``client_secret_post``);
``ISSUER`` (an OpenID reference provider's issuer, for discovery), ``OIDC_CLIENT_ID`` (its client)
and ``ID_TOKEN`` (an ID token it just signed for that client, no nonce).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: The pages whose Python blocks are examples.
def pages() -> list[Path]:
    """``docs/*.md`` and ``README.md``, sorted."""
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


_FENCE = re.compile(
    r"^(?P<indent> *)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
_MARK = re.compile(r"^\s*<!--\s*(?P<kind>fragment|tested)\b:?\s*(?P<note>.*?)\s*-->\s*$")

#: What an unmarked block starts with: the names the module docstring promises, from the
#: environment the test sets.
PRELUDE = """\
import os as _os

TOKEN_URL = _os.environ["TOKEN_URL"]
CLIENT_ID = _os.environ["CLIENT_ID"]
CLIENT_SECRET = _os.environ["TOKENWIRE_CLIENT_SECRET"]
ISSUER = _os.environ["ISSUER"]
OIDC_CLIENT_ID = _os.environ["OIDC_CLIENT_ID"]
ID_TOKEN = _os.environ["ID_TOKEN"]
"""
#: Bound on one example, in seconds (an example that hangs fails rather than stalls the run).
EXAMPLE_TIMEOUT = 60


def run_example(
    argv: list[str], names: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run an example's process with ``names`` in its environment (and no stdin).

    ``names`` holds what :data:`PRELUDE` reads (``TOKENWIRE_CLIENT_SECRET`` for the secret, the
    name the CLI reads too); the venv's ``bin`` leads ``PATH`` (for ``tokenwire``).
    """
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **names,
    }
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=EXAMPLE_TIMEOUT,
        check=False,
    )


@dataclass(frozen=True)
class Block:
    """One Python block: where it is, its code, and its marker (``run`` when unmarked)."""

    page: Path
    line: int
    code: str
    kind: str  # "run", "fragment" or "tested"
    note: str

    @property
    def where(self) -> str:
        """``docs/page.md:LINE``, the fence's line."""
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"

    def script(self) -> str:
        """The prelude and the block, dedented, as one program."""
        indent = len(self.code) - len(self.code.lstrip(" "))
        body = "\n".join(line[indent:] for line in self.code.splitlines())
        return PRELUDE + "\n" + body + "\n"


def blocks(page: Path) -> list[Block]:
    """Every Python block of ``page``, in order, with its marker."""
    text = page.read_text(encoding="utf-8")
    found: list[Block] = []
    for fence in _FENCE.finditer(text):
        line = text.count("\n", 0, fence.start()) + 1
        above = [seen for seen in text[: fence.start()].splitlines() if seen.strip()]
        mark = _MARK.match(above[-1]) if above else None
        kind, note = ("run", "") if mark is None else (mark["kind"], mark["note"])
        found.append(Block(page, line, fence["body"], kind, note))
    return found


@dataclass(frozen=True)
class Session:
    """One ``$ `` command of a checked console block and the output the page shows for it."""

    where: str
    command: str
    expected: str


_CONSOLE = re.compile(r"^```console\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
_CHECKED = re.compile(r"^\s*<!--\s*checked\s*-->\s*$")
_PLACEHOLDER = re.compile(r"^export \w+=\.\.\.$")


def sessions(page: Path) -> list[Session]:
    """The commands of ``page``'s checked console blocks, each with its expected output."""
    text = page.read_text(encoding="utf-8")
    found: list[Session] = []
    for block in _CONSOLE.finditer(text):
        above = [seen for seen in text[: block.start()].splitlines() if seen.strip()]
        if not (above and _CHECKED.match(above[-1])):
            continue
        first = text.count("\n", 0, block.start()) + 2
        command: tuple[int, str] | None = None
        output: list[str] = []
        for offset, line in enumerate([*block["body"].splitlines(), "$ "]):
            if not line.startswith("$ "):
                output.append(line)
                continue
            if command is not None and not _PLACEHOLDER.match(command[1]):
                where = f"{page.relative_to(ROOT).as_posix()}:{command[0]}"
                found.append(Session(where, command[1], "".join(f"{o}\n" for o in output)))
            command, output = (first + offset, line[2:]), []
    return found


def all_sessions() -> list[Session]:
    """The checked console commands of every page."""
    return [session for page in pages() for session in sessions(page)]


def all_blocks() -> list[Block]:
    """The Python blocks of every page."""
    return [block for page in pages() for block in blocks(page)]
