"""docs/oidc.md's reasons table lists exactly the reasons IdTokenError can carry, in their order."""

from __future__ import annotations

import re
from pathlib import Path

from tokenwire.core.oidc import ID_TOKEN_REASONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "oidc.md"


def test_the_reasons_table_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Failure reasons", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert tuple(rows) == ID_TOKEN_REASONS
