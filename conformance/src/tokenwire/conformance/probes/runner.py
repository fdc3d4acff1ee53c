"""Run the probes against a live token endpoint: send the plan, then judge every check.

Sending and judging are separate steps: all requests go first (each built by the core and sent
with a sync transport's ``send``, one every ``interval`` seconds), then every check reads the
answers it needs. That keeps the number of requests fixed and small however many checks there
are, and lets one answer serve several checks.

Sending stops early, politely, when the provider throttles (429 or 503) or the transport fails;
the checks that needed the rest are then skipped, and the report says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from tokenwire.adapters.transport import Transport
from tokenwire.conformance.probes.exchange import ProbeExchange, Redactor, evidence
from tokenwire.conformance.probes.model import (
    EVERY,
    Finding,
    ProbeCheck,
    Seen,
    skipped,
)
from tokenwire.conformance.probes.plan import (
    BASELINE,
    DEFAULT_INTERVAL,
    REFRESH,
    absent_reason,
    aliases,
    announcement,
    build_plan,
)
from tokenwire.conformance.probes.registry import CHECKS
from tokenwire.conformance.probes.results import (
    CheckResult,
    Evidence,
    ProbeReport,
)
from tokenwire.conformance.probes.target import ProbeTarget, encoding_matters
from tokenwire.core import ConfigurationError, HttpRequest, TransportError
from tokenwire.core.redact import scrub


def run_probes(
    target: ProbeTarget,
    transport: Transport,
    *,
    interval: float = DEFAULT_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    announce: Callable[[str], None] | None = None,
    checks: Iterable[ProbeCheck] = CHECKS,
) -> ProbeReport:
    """Probe ``target`` over ``transport`` and return the report.

    ``announce`` is told what will be sent before anything is (the CLI prints it on stderr).
    Raises :class:`ConfigurationError` if the provider refuses the client's credentials on the
    first, valid request (nothing else is sent then), and :class:`TransportError` if that first
    request cannot be sent at all; later transport failures end up in the report.
    """
    if not (isinstance(interval, int | float) and math.isfinite(interval) and interval >= 0):
        raise ConfigurationError("the interval between probe requests must be >= 0 seconds")
    plan = build_plan(target)
    if announce is not None:
        announce(announcement(target, plan, interval))
    run = _Sending(target)
    for probe in plan:
        exchange = ProbeExchange(probe.name, probe.purpose, profile=run.profile)
        run.exchanges[probe.name] = exchange
        if run.stopped is not None:
            exchange.not_sent = f"not sent: {run.stopped}"
            continue
        held = probe.hold(run.exchanges, target) if probe.hold is not None else None
        if held is not None:
            exchange.not_sent = held
            continue
        if run.sent:
            sleep(interval)
        run.send(exchange, probe.request(target, run.exchanges), transport)
    return _judge(run, checks)


class _Sending:
    """The state of a run while its requests go out."""

    def __init__(self, target: ProbeTarget) -> None:
        self.target = target
        self.profile = target.profile
        self.exchanges: dict[str, ProbeExchange] = {}
        self.sent = 0
        self.stopped: str | None = None
        self.transport_failed = False

    def send(self, exchange: ProbeExchange, request: HttpRequest, transport: Transport) -> None:
        exchange.request = request
        self.sent += 1
        try:
            exchange.response = transport.send(request)
        except TransportError as error:
            if self.sent == 1:
                raise
            if not error.sent:
                self.sent -= 1
            exchange.failure = f"transport error: {error}"
            self.stopped = f"a transport error on {exchange.name!r} ended the run"
            self.transport_failed = True
            return
        if self.sent == 1:
            not_token_endpoint(exchange)
        if exchange.name == BASELINE and exchange.error == "invalid_client":
            raise ConfigurationError(
                f"the provider refused the client's credentials ({exchange.describe()}): check "
                f"--client-id, --client-secret and --auth-method{basic_hint(self.target)}; "
                "nothing else was sent"
            )
        if exchange.throttled:
            self.stopped = (
                f"the provider answered HTTP {exchange.status} to {exchange.name!r}, "
                "so probing stopped there"
            )


def not_token_endpoint(exchange: ProbeExchange) -> None:
    """Stop the run if the first answer shows the URL is no token endpoint at all.

    A redirect (a missing trailing slash, a login page) or a 404/405 is the URL's fault, not
    thirteen deviations of the provider: nothing else is sent.
    """
    status = exchange.status or 0
    if 300 <= status < 400:
        where = exchange.header("location")
        shown = f"it redirects to {shown_location(where)}" if where else "it redirects"
        raise ConfigurationError(
            f"this is not a token endpoint: {shown} (HTTP {status}); nothing else was sent"
        )
    if status in (404, 405, 410):
        raise ConfigurationError(
            f"this is not a token endpoint: it answers HTTP {status} to a POST; "
            "nothing else was sent"
        )


def shown_location(location: str) -> str:
    """A redirect target for a message: scheme, host and path; no user info, query or fragment.

    Each path segment is scrubbed on its own (a token in a path is redacted, a word is not).
    """
    parts = urlsplit(location.strip())
    host = parts.netloc.rpartition("@")[2]
    path = "/".join(scrub(segment, 60) for segment in parts.path.split("/"))
    query = "?…" if parts.query else ""
    origin = f"{scrub(parts.scheme, 10)}://{scrub(host, 100)}" if parts.scheme else ""
    return origin + path + query


def basic_hint(target: ProbeTarget) -> str:
    """A hint when Basic credentials that form-urlencoding changes were refused."""
    if target.uses_basic and target.basic_urlencode and encoding_matters(target):
        return (
            " (or the provider does not form-decode Basic credentials as RFC 6749 §2.3.1 "
            "requires: the id or secret has characters that encoding changes; try "
            "--basic-unencoded)"
        )
    return ""


def _judge(run: _Sending, checks: Iterable[ProbeCheck]) -> ProbeReport:
    target = run.target
    exchanges = run.exchanges
    redirects = aliases(target)
    unusable: dict[str, str] = {}
    _settle_baseline(run, redirects, unusable)
    secrets = list(target.secrets)
    for exchange in exchanges.values():
        secrets += exchange.issued_secrets()
    redact = Redactor(secrets)
    shown: dict[str, Evidence] = {}

    def show(exchange: ProbeExchange) -> Evidence:
        if exchange.name not in shown:
            shown[exchange.name] = evidence(exchange, redact)
        return shown[exchange.name]

    results = []
    for check in checks:
        read, finding = _gather(check, run, redirects, unusable)
        if finding is None:
            usable = [e for e in read if e.answered and (check.throttled or not e.throttled)]
            finding = check.evaluate(Seen(usable, target, exchanges))
            if finding.shown is not None:
                read = [e for e in read if e.name in finding.shown]
        results.append(
            CheckResult(
                id=check.id,
                section=check.section,
                level=check.level,
                title=check.title,
                outcome=check.outcome(finding.verdict),
                detail=redact(finding.detail),
                evidence=tuple(show(e) for e in read),
            )
        )
    return ProbeReport(
        token_url=target.token_url,
        results=tuple(results),
        requests_sent=run.sent,
        stopped=run.stopped,
        transport_failed=run.transport_failed,
    )


def _settle_baseline(run: _Sending, redirects: dict[str, str], unusable: dict[str, str]) -> None:
    """Choose the answer the success checks read.

    A valid client_credentials request refused with an OAuth error means this client may not
    use that grant (a provider's choice, not a deviation): the refresh answer serves instead if
    there is a good one, else the success checks are skipped, saying why.
    """
    name = redirects.get(BASELINE, BASELINE)
    sample = run.exchanges.get(name)
    if sample is None or sample.error is None:
        return
    refresh = run.exchanges.get(REFRESH)
    if name != REFRESH and refresh is not None and refresh.status == 200 and not refresh.error:
        redirects[BASELINE] = REFRESH
        return
    unusable[BASELINE] = (
        f"no successful token response to look at: {sample.name} was refused ({sample.describe()})"
    )


def _gather(
    check: ProbeCheck, run: _Sending, redirects: dict[str, str], unusable: dict[str, str]
) -> tuple[list[ProbeExchange], Finding | None]:
    """The exchanges ``check`` reads, or the finding that skips it."""
    if check.uses == EVERY:
        read = [e for e in run.exchanges.values() if e.request is not None]
    else:
        read = []
        for name in check.uses:
            if name in unusable:
                return [], skipped(unusable[name])
            exchange = run.exchanges.get(redirects.get(name, name))
            if exchange is None:
                return [], skipped(absent_reason(name, run.target))
            read.append(exchange)
    usable = [e for e in read if e.answered and (check.throttled or not e.throttled)]
    if check.needs == "any":
        if not usable:
            return read, skipped("no request was answered")
        return read, None
    for exchange in read:
        if exchange not in usable:
            if exchange.throttled:
                why = f"{exchange.name} was throttled (HTTP {exchange.status})"
            else:
                why = exchange.not_sent or exchange.failure or f"{exchange.name} got no answer"
            return read, skipped(why)
    return read, None
