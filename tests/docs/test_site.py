"""The documentation site builds with ``--strict``, and its reference says what the code has.

The build itself is the first check: ``mkdocs build --strict`` fails on a broken link, a missing
reference, a page that is not in the nav. The rest read the built HTML: every name of every
``__all__`` has its entry in its module's page, every subcommand and exit code is there, and no
page loads anything from another host.
"""

from __future__ import annotations

import html as markup
import json
import re
from pathlib import Path

import msgspec
import pytest

from scripts import docs_site

MODULES = docs_site.reference_modules()


def page(site: Path, uri: str) -> str:
    """The HTML of the built page for source ``uri`` (``reference/cli.md``)."""
    return (site / uri.removesuffix(".md") / "index.html").read_text(encoding="utf-8")


def text(html: str) -> str:
    """What a reader sees of ``html``: tags dropped, entities decoded."""
    return markup.unescape(re.sub(r"<[^>]+>", "", html))


def test_the_reference_has_a_page_for_each_public_module(built_site: Path) -> None:
    names = {module.__name__ for module in MODULES}
    assert {"tokenwire.core", "tokenwire.adapters.client", "tokenwire.conformance.probes"} <= names
    for module in MODULES:
        assert (built_site / "reference" / module.__name__ / "index.html").is_file(), module


@pytest.mark.parametrize("module", MODULES, ids=[module.__name__ for module in MODULES])
def test_every_name_in_all_has_its_entry_in_the_reference(module: object, built_site: Path) -> None:
    name = getattr(module, "__name__", "")
    html = page(built_site, f"reference/{name}.md")
    missing = [
        member
        for member in docs_site.public_names(module) or []  # type: ignore[arg-type]
        if f'id="{name}.{member}"' not in html
    ]
    assert missing == [], f"{name}: not in the built reference: {missing}"


def test_the_cli_reference_shows_every_subcommand_help(built_site: Path) -> None:
    from tokenwire.adapters.cli import build_parser

    shown = text(page(built_site, "reference/cli.md"))
    subcommands = [name for name, _ in docs_site.subparsers(build_parser())]
    assert {"token", "conformance"} <= set(subcommands)
    for name in subcommands:
        assert f"usage: tokenwire {name}" in shown, name
    assert "--client-id" in shown


def test_the_exit_codes_page_lists_every_exit_constant(built_site: Path) -> None:
    shown = text(page(built_site, "reference/exit-codes.md"))
    codes = docs_site.exit_codes()
    assert {row[1] for row in codes} >= {"EXIT_OK", "EXIT_USAGE", "EXIT_OAUTH", "EXIT_STORE"}
    for module, constant, value, description in codes:
        assert description, f"{module}.{constant} has no #: comment"
        assert f"{value}\n{module}.{constant}\n{description.replace('`', '')}" in shown


def test_the_schemas_page_holds_the_msgspec_schemas(built_site: Path) -> None:
    shown = text(page(built_site, "reference/schemas.md"))
    for schema in docs_site.schemas().values():
        for title in schema["$defs"]:
            assert f'"{title}": {{' in shown, title
    assert json.loads(msgspec.json.encode(docs_site.schemas()))["Vector"]["$ref"]


def test_no_built_page_loads_anything_from_another_host(built_site: Path) -> None:
    loads = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    offenders = [
        str(path.relative_to(built_site))
        for path in built_site.rglob("*.html")
        if loads.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    css = "".join(p.read_text(encoding="utf-8") for p in built_site.rglob("*.css"))
    assert "fonts.googleapis" not in css
