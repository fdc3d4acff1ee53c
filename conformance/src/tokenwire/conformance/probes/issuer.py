"""Probe a whole provider from its issuer URL: metadata, keys, token endpoint, ID tokens.

The run reads the OpenID configuration and the RFC 8414 document (``GET``), then the key set
its ``jwks_uri`` names, judges them (:mod:`~tokenwire.conformance.probes.metadata`,
:mod:`~tokenwire.conformance.probes.jwks`), then probes the token endpoint the metadata names
with the usual plan (:func:`~tokenwire.conformance.probes.runner.run_probes`), and last checks
every ID token met (:mod:`~tokenwire.conformance.probes.idtoken`). One report holds it all, each
check with its id, section, level and redacted evidence.

Endpoints the metadata advertises reach the token probe through :data:`TARGET_ENDPOINTS`:
``ProbeTarget`` field -> metadata member. Adding a probed endpoint (revocation, introspection)
is one line there, once ``ProbeTarget`` has the field.

A little over 300 lines: the run's order (metadata, keys, token endpoint, ID tokens) is the
module, and splitting it would hide that order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from tokenwire.adapters.profiles import generic
from tokenwire.adapters.transport import Transport
from tokenwire.conformance.probes import idtoken, jwks, metadata
from tokenwire.conformance.probes.exchange import ProbeExchange, Redactor, evidence
from tokenwire.conformance.probes.issuer_model import (
    DISCOVERY,
    JWKS,
    OAUTH_METADATA,
    IssuerCheck,
    IssuerSeen,
    SeenIdToken,
)
from tokenwire.conformance.probes.metadata import url_problem
from tokenwire.conformance.probes.model import Finding, ProbeCheck, skipped
from tokenwire.conformance.probes.plan import DEFAULT_INTERVAL, MAX_REQUESTS
from tokenwire.conformance.probes.registry import CHECKS
from tokenwire.conformance.probes.results import CheckResult, ProbeReport
from tokenwire.conformance.probes.runner import run_probes
from tokenwire.conformance.probes.target import ProbeTarget
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    TransportError,
    check_endpoint_url,
)
from tokenwire.core.auth import AuthMethod
from tokenwire.core.oidc import discovery_request
from tokenwire.core.version import USER_AGENT

__all__ = [
    "ISSUER_CHECKS",
    "ID_TOKEN_CHECKS",
    "TARGET_ENDPOINTS",
    "IssuerTarget",
    "run_issuer_probes",
]

#: Checks judged before the token endpoint's, then after it, in report order.
ISSUER_CHECKS: tuple[IssuerCheck, ...] = (*metadata.CHECKS, *jwks.CHECKS)
ID_TOKEN_CHECKS: tuple[IssuerCheck, ...] = idtoken.CHECKS

#: ``ProbeTarget`` field -> the metadata member that fills it (when its URL is acceptable and
#: the field exists). The revocation and introspection probes plug in here.
TARGET_ENDPOINTS: dict[str, str] = {
    "revocation_url": "revocation_endpoint",
    "introspection_url": "introspection_endpoint",
}

#: The GET requests an issuer probe sends before the token endpoint's plan.
GET_REQUESTS = 3


@dataclass(frozen=True, kw_only=True)
class IssuerTarget:
    """The provider (by its issuer URL) and the client the probes use.

    ``auth_method=None`` picks one the metadata advertises: ``client_secret_post`` when listed
    (the plan then tries Basic too), else ``client_secret_basic``; ``none`` without a secret.
    ``id_tokens`` are ID tokens from a real login (a saved token response) to check as well.
    """

    issuer: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    auth_method: AuthMethod | None = None
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    reuse_check: bool = True
    basic_urlencode: bool = True
    id_tokens: tuple[SeenIdToken, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        check_endpoint_url(self.issuer, "issuer")

    def auth(self, advertised: object) -> ClientAuth:
        """The client, with the method chosen from the ``advertised`` ones."""
        method = self.auth_method
        if method is None:
            if self.client_secret is None:
                method = "none"
            elif isinstance(advertised, list) and "client_secret_post" in advertised:
                method = "client_secret_post"
            else:
                method = "client_secret_basic"
        return ClientAuth(self.client_id, self.client_secret, method)

    @property
    def secrets(self) -> list[str]:
        values = [self.client_secret, self.refresh_token]
        for token in self.id_tokens:
            values += [token.id_token, token.access_token]
        return [v for v in values if v]


class _Recorder:
    """A transport that keeps the ID tokens in the answers it carries."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.id_tokens: list[SeenIdToken] = []
        self.issued: list[str] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        response = self.inner.send(request)
        exchange = ProbeExchange("recorded", "recorded", response=response, profile=_PROFILE)
        self.issued += exchange.issued_secrets()
        token = exchange.member("id_token")
        if response.status == 200 and isinstance(token, str) and token:
            access = exchange.member("access_token")
            source = f"token response {len(self.id_tokens) + 1} of the run"
            self.id_tokens.append(
                SeenIdToken(source, token, access if isinstance(access, str) else None)
            )
        return response


#: The quirk-free profile the metadata and key set answers are decoded with.
_PROFILE = generic("https://probe.invalid/token", name="probe")


def run_issuer_probes(
    target: IssuerTarget,
    transport: Transport,
    *,
    interval: float = DEFAULT_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    announce: Callable[[str], None] | None = None,
    now: Callable[[], float] = time.time,
) -> ProbeReport:
    """Probe the provider at ``target.issuer`` over ``transport``; return one report.

    Raises :class:`TransportError` if the first request cannot be sent, and
    :class:`ConfigurationError` if there is no metadata at all, or if the token endpoint refuses
    the client's credentials (as :func:`run_probes` does).
    """
    if not (isinstance(interval, int | float) and math.isfinite(interval) and interval >= 0):
        raise ConfigurationError("the interval between probe requests must be >= 0 seconds")
    if announce is not None:
        announce(
            f"tokenwire: probing issuer {target.issuer}: {GET_REQUESTS} GET requests (the "
            "OpenID configuration, the RFC 8414 metadata, the JWKS), then at most "
            f"{MAX_REQUESTS} POST requests to its token endpoint, {interval:g} s apart\n"
        )
    exchanges: dict[str, ProbeExchange] = {}
    sent = _fetch(exchanges, DISCOVERY, discovery_request(target.issuer), transport, first=True)
    sleep(interval)
    sent += _fetch(exchanges, OAUTH_METADATA, discovery_request(target.issuer, "oauth"), transport)
    seen = IssuerSeen(exchanges, target.issuer, target.client_id, target.client_secret)
    document = seen.metadata
    if document is None:
        raise ConfigurationError(
            f"no metadata at {target.issuer}: /.well-known/openid-configuration answered "
            f"{exchanges[DISCOVERY].describe()} and the RFC 8414 document "
            f"{exchanges[OAUTH_METADATA].describe()}; is this the issuer URL?"
        )
    jwks_uri = document.get("jwks_uri")
    if isinstance(jwks_uri, str) and url_problem(jwks_uri) is None:
        sleep(interval)
        sent += _fetch(exchanges, JWKS, _get(jwks_uri), transport)
    recorder = _Recorder(transport)
    token_results, token_report = _token_endpoint(
        target, document, recorder, interval=interval, sleep=sleep, announce=announce
    )
    if token_report is not None:
        sent += token_report.requests_sent
    seen = IssuerSeen(
        exchanges,
        target.issuer,
        target.client_id,
        target.client_secret,
        id_tokens=(*target.id_tokens, *recorder.id_tokens),
        now=now(),
    )
    redact = Redactor([*target.secrets, *recorder.issued])
    results = (
        *_judge(ISSUER_CHECKS, seen, redact),
        *token_results,
        *_judge(ID_TOKEN_CHECKS, seen, redact),
    )
    token_url = document.get("token_endpoint")
    return ProbeReport(
        token_url=token_url if isinstance(token_url, str) else "",
        issuer=target.issuer,
        results=results,
        requests_sent=sent,
        stopped=None if token_report is None else token_report.stopped,
        transport_failed=token_report is not None and token_report.transport_failed,
    )


def _get(url: str) -> HttpRequest:
    return HttpRequest(
        method="GET", url=url, headers=(("Accept", "application/json"), ("User-Agent", USER_AGENT))
    )


def _fetch(
    exchanges: dict[str, ProbeExchange],
    name: str,
    request: HttpRequest,
    transport: Transport,
    *,
    first: bool = False,
) -> int:
    exchange = ProbeExchange(name, f"GET {name}", request=request, profile=_PROFILE)
    exchanges[name] = exchange
    try:
        exchange.response = transport.send(request)
    except TransportError as error:
        if first:
            raise
        exchange.failure = f"transport error: {error}"
    return 1


def _token_endpoint(
    target: IssuerTarget,
    document: dict[str, Any],
    transport: _Recorder,
    **options: Any,
) -> tuple[list[CheckResult], ProbeReport | None]:
    """Run the token endpoint's checks, or skip them all saying why."""
    token_url = document.get("token_endpoint")
    problem = "absent" if token_url is None else url_problem(token_url)
    if problem is not None or not isinstance(token_url, str):
        why = f"the metadata names no usable token endpoint (token_endpoint: {problem})"
        return [_skipped(check, why) for check in CHECKS], None
    known = {f.name for f in fields(ProbeTarget)}
    endpoints = {
        name: document[member]
        for name, member in TARGET_ENDPOINTS.items()
        if name in known and url_problem(document.get(member)) is None
    }
    probe_target = ProbeTarget(
        token_url=token_url,
        auth=target.auth(document.get("token_endpoint_auth_methods_supported")),
        refresh_token=target.refresh_token,
        scope=target.scope,
        reuse_check=target.reuse_check,
        basic_urlencode=target.basic_urlencode,
        **endpoints,
    )
    sleep = options["sleep"]
    sleep(options["interval"])
    report = run_probes(probe_target, transport, **options)
    return list(report.results), report


def _skipped(check: ProbeCheck, why: str) -> CheckResult:
    return CheckResult(
        id=check.id,
        section=check.section,
        level=check.level,
        title=check.title,
        outcome="skip",
        detail=why,
    )


def _judge(checks: Iterable[IssuerCheck], seen: IssuerSeen, redact: Redactor) -> list[CheckResult]:
    results = []
    for check in checks:
        finding = _finding(check, seen)
        names = check.uses if finding.shown is None else finding.shown
        shown = [seen.exchanges[n] for n in names if n in seen.exchanges]
        results.append(
            CheckResult(
                id=check.id,
                section=check.section,
                level=check.level,
                title=check.title,
                outcome=check.outcome(finding.verdict),
                detail=redact(finding.detail),
                evidence=tuple(evidence(e, redact) for e in shown),
            )
        )
    return results


def _finding(check: IssuerCheck, seen: IssuerSeen) -> Finding:
    for name in check.uses:
        exchange = seen.exchanges.get(name)
        if exchange is not None and not exchange.answered:
            return skipped(exchange.failure or exchange.not_sent or f"{name} got no answer")
    why = check.needs(seen) if check.needs is not None else None
    if why is not None:
        return skipped(why)
    return check.evaluate(seen)
