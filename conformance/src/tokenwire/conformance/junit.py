"""JUnit XML for CI systems: one ``<testcase>`` per suite case and transport, or per probe check.

JUnit knows three outcomes (passed, failed, skipped); whatever is rendered is first mapped to a
:class:`JUnitCase`, so the suite and the live probes share one writer. A probe's warning is a
passing test case whose ``<system-out>`` carries the warning: CI stays green, the text is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.etree import ElementTree as ET

from tokenwire.conformance.suite import CaseResult


@dataclass(frozen=True, slots=True, kw_only=True)
class JUnitCase:
    """One ``<testcase>``: ``message`` is the short reason of a failure or skip, ``text`` the
    failure's full explanation, ``output`` anything worth keeping from a passing case."""

    classname: str
    name: str
    outcome: Literal["passed", "failed", "skipped"]
    message: str = ""
    text: str = ""
    output: str = ""


def render_junit(cases: Sequence[JUnitCase], *, suite: str) -> str:
    """Render ``cases`` as a JUnit ``<testsuite>`` document."""
    root = ET.Element(
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(sum(c.outcome == "failed" for c in cases)),
        skipped=str(sum(c.outcome == "skipped" for c in cases)),
        errors="0",
    )
    for c in cases:
        case = ET.SubElement(root, "testcase", classname=c.classname, name=c.name)
        if c.outcome == "failed":
            ET.SubElement(case, "failure", message=c.message[:200]).text = c.text or c.message
        elif c.outcome == "skipped":
            ET.SubElement(case, "skipped", message=c.message[:200])
        if c.output:
            ET.SubElement(case, "system-out").text = c.output
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def junit_xml(results: Sequence[CaseResult], *, suite: str) -> str:
    """The suite's results as JUnit XML: one test case per case and transport."""
    return render_junit(
        [
            JUnitCase(
                classname=f"{suite}.{r.transport}",
                name=r.case,
                outcome=r.outcome,
                message=r.detail,
            )
            for r in results
        ],
        suite=suite,
    )
