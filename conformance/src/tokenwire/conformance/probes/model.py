"""What a probe check is and what it finds (what the report holds is in ``results``).

A *check* reads the answers to one or more of the requests a probe run sends (see
:mod:`~tokenwire.conformance.probes.plan`) and returns a :class:`Finding`. The check's *level* (how
strongly the RFC says it) decides what a deviation becomes: ``fail`` for a MUST, ``warn`` for a
SHOULD or an informational check. So ``fail`` always means "this provider breaks a MUST", and the
exit code can rest on that alone. A check may also warn on its own for a deviation that clients
tolerate (``expires_in`` sent as a string, the legacy ``Pragma`` header missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.results import Level, ProbeOutcome
from tokenwire.conformance.probes.target import ProbeTarget

#: What a check returns; ``deviation`` is turned into ``fail`` or ``warn`` by the check's level.
Verdict = Literal["pass", "deviation", "warn", "skip"]

#: ``ProbeCheck.uses`` for a check that reads every request sent, whatever it was.
EVERY: tuple[str, ...] = ("*",)


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
    """What a check gets to read: the answered exchanges it asked for, and the probe's target.

    ``run`` holds every exchange of the run by name, for a check whose verdict depends on what a
    later request showed (a refresh token "rotated" but still accepted is not rotated).
    """

    exchanges: Sequence[ProbeExchange]
    target: ProbeTarget
    run: Mapping[str, ProbeExchange] = field(default_factory=dict)

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
        return level_outcome(self.level, verdict)


def level_outcome(level: Level, verdict: Verdict) -> ProbeOutcome:
    """A verdict in the report: a deviation fails a MUST check and warns any other."""
    if verdict == "deviation":
        return "fail" if level == "MUST" else "warn"
    return verdict
