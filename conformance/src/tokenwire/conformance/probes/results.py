"""What a probe run reports: each request's redacted evidence, each check's result, the report.

Plain data with no imports from the rest of the probes, so that both the exchanges (which turn
themselves into :class:`Evidence`) and the checks (which read exchanges) can import it, and every
import between them points one way: ``model`` -> ``exchange`` -> ``results``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tokenwire.core import ConfigurationError

#: How strongly the RFC says what a check checks.
Level = Literal["MUST", "SHOULD", "INFO"]
#: A check's outcome in the report; only a MUST check can ``fail``.
ProbeOutcome = Literal["pass", "fail", "warn", "skip"]

#: Summary keys, in the order they are printed.
SUMMARY_KEYS = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped"}


class Evidence(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What one request got back, trimmed to what a check looks at and redacted.

    ``request`` says what was sent in words (never a value); ``headers`` holds only the headers
    the checks read; ``body`` is a short excerpt with every token and secret replaced.
    ``note`` says why there is no answer (not sent, transport failure).
    """

    request: str
    status: int | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    body: str = ""
    note: str = ""


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    """One check's outcome against the probed provider."""

    id: str
    section: str
    level: Level
    title: str
    outcome: ProbeOutcome
    detail: str
    evidence: tuple[Evidence, ...] = ()


class ProbeReport(msgspec.Struct, frozen=True, kw_only=True):
    """Every check's result, and how the run went.

    ``issuer`` is set by a whole-provider probe (``--issuer``). ``requests_sent`` counts
    requests that left (or may have left) tokenwire; ``stopped`` says
    why probing ended early (the provider throttled, or a transport failure), else ``None``.
    """

    token_url: str
    results: tuple[CheckResult, ...]
    #: The issuer URL, for a whole-provider probe (``--issuer``).
    issuer: str | None = None
    requests_sent: int
    stopped: str | None = None
    transport_failed: bool = False

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SUMMARY_KEYS.values(), 0)
        for result in self.results:
            counts[SUMMARY_KEYS[result.outcome]] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when no MUST check failed (only MUST checks can fail)."""
        return not any(r.outcome == "fail" for r in self.results)

    def result(self, check_id: str) -> CheckResult:
        """The result of check ``check_id``; :class:`ConfigurationError` if there is none."""
        for result in self.results:
            if result.id == check_id:
                return result
        raise ConfigurationError(f"no probe check is called {check_id!r}")

    @property
    def outcomes(self) -> dict[str, ProbeOutcome]:
        """``{check id: outcome}``: what tests compare against a provider's known behaviour."""
        return {r.id: r.outcome for r in self.results}

    def to_json(self) -> bytes:
        """The ``--format json`` document: ``{"results": [...], "summary": {...}}``."""
        return msgspec.json.encode({"results": self.results, "summary": self.summary})
