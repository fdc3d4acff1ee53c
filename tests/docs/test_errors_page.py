"""``docs/errors.md`` has a row for every error class the public modules export.

A new error class fails this test until the page says when it happens and what to do about it.
"""

from __future__ import annotations

import inspect
import re

from scripts import docs_site
from tests.docs_examples import ROOT
from tokenwire.core import TokenwireError

PAGE = ROOT / "docs" / "errors.md"


def exported_errors() -> set[str]:
    """The names of the ``TokenwireError`` classes every reference module exports."""
    found: set[str] = set()
    for module in docs_site.reference_modules():
        names = docs_site.public_names(module) or [n for n in vars(module) if n[:1] != "_"]
        for name in names:
            value = getattr(module, name, None)
            if inspect.isclass(value) and issubclass(value, TokenwireError):
                found.add(value.__name__)
    return found


def documented_errors() -> list[str]:
    """The error names in the first column of the page's table, in order."""
    return re.findall(r"^\| `(\w+)` \|", PAGE.read_text(encoding="utf-8"), re.M)


def test_the_errors_page_has_a_row_for_every_exported_error_class() -> None:
    exported = exported_errors()
    assert {"TokenwireError", "OAuthError", "StoreError", "RefreshTimeout"} <= exported
    missing = sorted(exported - set(documented_errors()))
    assert missing == [], f"docs/errors.md has no row for {missing}"


def test_every_row_of_the_errors_page_names_a_real_error_class_once() -> None:
    rows = documented_errors()
    assert len(rows) == len(set(rows))
    assert set(rows) <= exported_errors()
