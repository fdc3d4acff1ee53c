"""Every Python block of the guides runs, or is run by another test, or is a fragment on purpose.

See :mod:`tests.docs_examples` for the markers and the names an unmarked block gets. Each
unmarked block runs in a fresh interpreter against the embedded reference provider on loopback,
so an example that stops working fails here with its page and line.
"""

from __future__ import annotations

import doctest
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs_examples import ROOT, Block, Session, all_blocks, all_sessions, run_example
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider
from tokenwire.conformance.reference.oidc_provider import OIDC_CLIENT_ID, OidcReferenceProvider

BLOCKS = all_blocks()
RUN = [block for block in BLOCKS if block.kind == "run"]
SESSIONS = all_sessions()


@pytest.fixture(scope="module")
def providers() -> Iterator[tuple[ReferenceProvider, OidcReferenceProvider]]:
    with ReferenceProvider("rfc6749") as oauth, OidcReferenceProvider(("RS256",)) as oidc:
        yield oauth, oidc


@pytest.fixture
def names(providers: tuple[ReferenceProvider, OidcReferenceProvider]) -> dict[str, str]:
    """The names an example gets (see :mod:`tests.docs_examples`), a fresh ID token included."""
    oauth, oidc = providers
    return {
        "TOKEN_URL": oauth.token_url,
        "CLIENT_ID": POST_CLIENT.client_id,
        "TOKENWIRE_CLIENT_SECRET": str(POST_CLIENT.client_secret),
        "ISSUER": oidc.issuer,
        "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "ID_TOKEN": oidc.id_token(),
    }


def test_the_guides_have_examples_of_every_kind() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert kinds == {"run", "fragment", "tested"}, kinds
    assert any(block.page.name == "getting-started.md" for block in RUN)


def test_a_block_run_by_another_test_names_a_test_that_reads_its_page() -> None:
    wrong = []
    for block in BLOCKS:
        if block.kind != "tested":
            continue
        test = ROOT / block.note
        if not (test.is_file() and block.page.name in test.read_text(encoding="utf-8")):
            wrong.append(f"{block.where}: {block.note!r} is not a test file reading the page")
    assert wrong == []


@pytest.mark.parametrize("block", RUN, ids=[block.where for block in RUN])
def test_a_docs_example_runs_as_written(
    block: Block, names: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.script(), encoding="utf-8")
    ran = run_example([sys.executable, str(script)], names, tmp_path)
    assert ran.returncode == 0, (
        f"{block.where} does not run (mark it <!-- fragment: why --> if it is not meant to):\n"
        f"{ran.stderr[-3000:]}"
    )
    shown = ran.stdout + ran.stderr
    assert names["TOKENWIRE_CLIENT_SECRET"] not in shown
    assert names["ID_TOKEN"] not in shown


def test_the_getting_started_page_shows_a_checked_shell_session() -> None:
    assert any("getting-started.md" in session.where for session in SESSIONS)


@pytest.mark.parametrize("session", SESSIONS, ids=[session.where for session in SESSIONS])
def test_a_docs_shell_command_prints_what_the_page_shows(
    session: Session, names: dict[str, str], tmp_path: Path
) -> None:
    command = f"{{ {session.command}\n}} 2>&1"
    ran = run_example(["bash", "-c", command], names, tmp_path)
    checker = doctest.OutputChecker()
    assert checker.check_output(session.expected, ran.stdout, doctest.ELLIPSIS), (
        f"{session.where}: `{session.command}` printed:\n{ran.stdout}\n"
        f"the page shows:\n{session.expected}"
    )
