"""What a probe check is, what it finds, and what the report holds.

A *check* reads the answers to one or more of the requests a probe run sends (see
:mod:`~tokenwire.conformance.probes.plan`) and returns a :class:`Finding`. The check's *level* (how
strongly the RFC says it) decides what a deviation becomes: ``fail`` for a MUST, ``warn`` for a
SHOULD or an informational check. So ``fail`` always means "this provider breaks a MUST", and the
exit code can rest on that alone. A check may also warn on its own for a deviation that clients
tolerate (``expires_in`` sent as a string, the legacy ``Pragma`` header missing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec

from tokenwire.core import ConfigurationError

if TYPE_CHECKING:
    from tokenwire.conformance.probes.exchange import ProbeExchange
    from tokenwire.conformance.probes.target import ProbeTarget

Level = Literal["MUST", "SHOULD", "INFO"]
ProbeOutcome = Literal["pass", "fail", "warn", "skip"]
#: What a check returns; ``deviation`` is turned into ``fail`` or ``warn`` by the check's level.
Verdict = Literal["pass", "deviation", "warn", "skip"]

#: ``ProbeCheck.uses`` for a check that reads every request sent, whatever it was.
EVERY: tuple[str, ...] = ("*",)

#: Summary keys, in the order they are printed.
SUMMARY_KEYS = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped"}


@dataclass(frozen=True, slots=True)
class Finding:
    """A check's verdict and a one-line explanation (never a secret value).

    ``shown`` names the exchanges whose evidence matters; ``None`` shows every one the check read.
    """

    verdict: Verdict
    detail: str
    shown: tuple[str, ...] | None = None


def passed(detail: str, shown: tuple[str, ...] | None = None) -> Finding:
    return Finding("pass", detail, shown)


def deviates(detail: str, shown: tuple[str, ...] | None = None) -> Finding:
    """The provider does not do what the check's requirement says."""
    return Finding("deviation", detail, shown)


def warned(detail: str, shown: tuple[str, ...] | None = None) -> Finding:
    """A deviation that is reported but never fails the run, whatever the check's level."""
    return Finding("warn", detail, shown)


def skipped(detail: str) -> Finding:
    return Finding("skip", detail, ())


@dataclass(frozen=True, slots=True)
class Seen:
    """What a check gets to read: the answered exchanges it asked for, and the probe's target."""

    exchanges: Sequence[ProbeExchange]
    target: ProbeTarget

    @property
    def first(self) -> ProbeExchange:
        return self.exchanges[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeCheck:
    """One conformance check of a live token endpoint.

    ``uses`` names the exchanges it reads, in order, or is :data:`EVERY`. With ``needs="all"``
    the check is skipped unless every one of them was answered; with ``needs="any"`` it reads
    those that were and is skipped only if none was. Answers to throttled requests (429, 503)
    are left out unless ``throttled`` is set: a "come back later" says nothing about what the
    request asked.
    """

    id: str
    section: str
    level: Level
    title: str
    uses: tuple[str, ...]
    evaluate: Callable[[Seen], Finding]
    needs: Literal["all", "any"] = "all"
    throttled: bool = False

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    def outcome(self, verdict: Verdict) -> ProbeOutcome:
        if verdict == "deviation":
            return "fail" if self.level == "MUST" else "warn"
        return verdict


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

    ``requests_sent`` counts requests that left (or may have left) tokenwire; ``stopped`` says
    why probing ended early (the provider throttled, or a transport failure), else ``None``.
    """

    token_url: str
    results: tuple[CheckResult, ...]
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
