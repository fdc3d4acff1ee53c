"""Regenerate the tables in ``docs/`` that mirror a table in the code.

Run ``uv run python scripts/docs_tables.py`` after changing the code's table; the docs table sits
between ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` and is rewritten in place.
``tests/test_docs_tables.py`` fails while a docs table and its code disagree.
"""

from __future__ import annotations

import pathlib
import re
import sys
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]


def probe_checks_table() -> str:
    """The probe checks as ``docs/probing.md`` lists them, from ``registry.ALL_CHECKS``."""
    from tokenwire.conformance.probes.registry import ALL_CHECKS

    lines = ["| Check | RFC section | Level | Expects |", "| --- | --- | --- | --- |"]
    lines += [
        f"| `{check.id}` | {check.section} | {check.level} | {check.title} |"
        for check in ALL_CHECKS
    ]
    return "\n".join(lines) + "\n"


def probe_citations_list() -> str:
    """Every section the probe checks cite, linked, with the checks citing it and, for the main
    ones, the requirement's text (``probes.citations``)."""
    from tokenwire.conformance.probes.citations import REQUIREMENTS, Citation, citations
    from tokenwire.conformance.probes.registry import ALL_CHECKS

    cited: dict[str, tuple[Citation, list[str]]] = {}
    for check in ALL_CHECKS:
        for citation in citations(check.section):
            cited.setdefault(citation.label, (citation, []))[1].append(check.id)

    def order(label: str) -> tuple[str, list[int]]:
        citation = cited[label][0]
        numbers = citation.section.split("-", 1)[0].split(".")
        return (citation.spec, [int(n) for n in numbers])

    lines = []
    for label in sorted(cited, key=order):
        citation, ids = cited[label]
        users = ", ".join(f"`{i}`" for i in ids)
        lines.append(f"- [{label}]({citation.url}): {users}")
        if label in REQUIREMENTS:
            lines.append(f"  > {REQUIREMENTS[label]}")
    return "\n".join(lines) + "\n"


#: Each generated table: the docs file it sits in, its name there, and what builds it.
TABLES: dict[str, tuple[str, Callable[[], str]]] = {
    "probe-checks": ("docs/probing.md", probe_checks_table),
    "probe-citations": ("docs/probing.md", probe_citations_list),
}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)(<!-- end generated -->)", re.DOTALL
    )


def documented(name: str) -> str:
    """The table ``name`` as it stands in its docs file."""
    path, _ = TABLES[name]
    found = _block(name).search((ROOT / path).read_text())
    if found is None:
        raise LookupError(f"{path} has no <!-- generated: {name} --> block")
    return found.group(2)


def generated(name: str) -> str:
    """The table ``name`` as the code has it."""
    return TABLES[name][1]()


def write(name: str) -> bool:
    """Rewrite table ``name`` in its docs file; ``True`` if it changed."""
    path, _ = TABLES[name]
    file = ROOT / path
    text = file.read_text()
    new = _block(name).sub(lambda m: m.group(1) + generated(name) + m.group(3), text)
    if new == text:
        return False
    file.write_text(new)
    return True


def main() -> int:
    """Rewrite every generated table; print the files that changed."""
    for name, (path, _) in TABLES.items():
        if write(name):
            sys.stdout.write(f"rewrote {name} in {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
