"""Every test that ``docs/lifecycle.md`` names as proof of a fault guarantee exists.

The lifecycle doc states what survives which fault and names the test behind each statement; a
renamed or deleted test would leave a claim without proof, so this test checks each name.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.update(re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.M))
    return names


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : None if end < 0 else end]


def test_every_test_named_in_the_lifecycle_docs_exists() -> None:
    text = (ROOT / "docs" / "lifecycle.md").read_text()
    named = set(re.findall(r"`(test_\w+)`", text))
    assert len(named) >= 20
    assert named <= _defined_tests(), sorted(named - _defined_tests())


def test_each_fault_in_the_lifecycle_docs_names_a_test() -> None:
    section = _section((ROOT / "docs" / "lifecycle.md").read_text(), "What survives which fault")
    faults = re.split(r"\n\n(?=\*\*)", section)[1:]
    titles = [fault.split("**")[1] for fault in faults]
    assert [re.split(r"[:.(]", title)[0].strip() for title in titles] == [
        "Process kill",
        "Store failure",
        "Store failure",
        "Clock step",
        "Connection fault",
    ]
    for fault in faults:
        assert re.search(r"`test_\w+`", fault), fault[:80]


def test_the_scenario_named_in_the_lifecycle_docs_exists() -> None:
    scenarios = ROOT / "conformance" / "src" / "tokenwire" / "conformance" / "scenarios"
    text = (ROOT / "docs" / "lifecycle.md").read_text()
    for scenario in re.findall(r"`(fault-[\w-]+)`", text):
        assert (scenarios / f"{scenario}.json").is_file(), scenario
