"""The tables in ``docs/`` that mirror a table in the code say what the code says.

They are generated (``uv run python scripts/docs_tables.py``); this test fails while one is stale.
"""

from __future__ import annotations

import pytest

from scripts import docs_tables


@pytest.mark.parametrize("name", sorted(docs_tables.TABLES))
def test_a_generated_docs_table_matches_the_code(name: str) -> None:
    assert docs_tables.documented(name) == docs_tables.generated(name)


def test_the_probe_table_lists_every_check_once() -> None:
    from tokenwire.conformance.probes.registry import ALL_CHECKS

    table = docs_tables.documented("probe-checks")
    assert [line.split("`")[1] for line in table.splitlines()[2:]] == [c.id for c in ALL_CHECKS]


def test_every_check_is_listed_under_each_section_it_cites() -> None:
    from tokenwire.conformance.probes.citations import citations
    from tokenwire.conformance.probes.registry import ALL_CHECKS

    listed = docs_tables.documented("probe-citations")
    for check in ALL_CHECKS:
        for citation in citations(check.section):
            line = next(x for x in listed.splitlines() if x.startswith(f"- [{citation.label}]"))
            assert f"`{check.id}`" in line
