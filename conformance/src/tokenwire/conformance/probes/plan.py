"""The requests a probe run sends: a short, fixed list, each one built by the core.

Valid requests come from :func:`~tokenwire.core.prepare_token_request`, odd grant types from
:class:`~tokenwire.core.ExtensionGrant`, and the deliberately malformed ones (a missing or repeated
parameter, credentials in two places) are the core's request with its form rewritten, so that
everything but the one mistake is exactly what a correct client sends.

A run never sends more than :data:`MAX_REQUESTS`. The valid client_credentials request goes
first: if the provider refuses the credentials, nothing else is sent. The refresh token is used
last, and the "old refresh token after rotation" probe comes after it, because a provider with
reuse detection answers it by revoking the whole grant; the very last request then tries the
token the provider rotated to, to see that it was revoked (RFC 9700 §4.14.2).

Longer than most modules, for a reason: the whole plan (every request, what holds it back, and
why a request is absent) stays in one place, which is what the user is told before a run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.target import ProbeTarget
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ExtensionGrant,
    Grant,
    HttpRequest,
    RefreshToken,
    decode_form,
    encode_form,
    prepare_token_request,
)
from tokenwire.core.auth import AuthMethod

# --- request names (checks refer to these) ----------------------------------------------------
BASELINE = "client-credentials"
BASIC = "basic-credentials"
EXTRA_PARAMETER = "unrecognised-parameter"
WRONG_SECRET = "wrong-secret"
WRONG_SECRET_BASIC = "wrong-secret-basic"
UNKNOWN_GRANT = "unknown-grant-type"
MISSING_GRANT = "missing-grant-type"
DUPLICATE = "duplicated-parameter"
BOTH_PLACES = "credentials-in-header-and-body"
BOGUS_REFRESH = "bogus-refresh-token"
REFRESH = "refresh"
REUSE = "old-refresh-token"
AFTER_REUSE = "rotated-refresh-token-after-reuse"

#: The most requests one run sends (a confidential client using client_secret_post, with a
#: refresh token): every plan is at most this long.
MAX_REQUESTS = 13
#: The default pause between two requests, in seconds.
DEFAULT_INTERVAL = 0.5

UNKNOWN_GRANT_TYPE = "urn:tokenwire:probe:unknown-grant-type"
EXTRA_PARAMETER_NAME = "tokenwire_probe_unrecognised"

Hold = Callable[[Mapping[str, ProbeExchange], ProbeTarget], str | None]


@dataclass(frozen=True, slots=True)
class Probe:
    """One request of the plan.

    ``hold`` looks at the exchanges so far and returns why this request must not be sent
    (``None``: send it). ``warning`` is said to the user before the run starts. ``after``, when
    set, builds the request from the answers so far instead of ``build`` (a token the provider
    issued earlier in the run).
    """

    name: str
    purpose: str
    build: Callable[[ProbeTarget], HttpRequest]
    hold: Hold | None = None
    warning: str = ""
    after: Callable[[ProbeTarget, Mapping[str, ProbeExchange]], HttpRequest] | None = None

    def request(self, target: ProbeTarget, seen: Mapping[str, ProbeExchange]) -> HttpRequest:
        """The request to send, given the exchanges so far."""
        if self.after is not None:
            return self.after(target, seen)
        return self.build(target)


def _request(target: ProbeTarget, grant: Grant, client: ClientAuth | None = None) -> HttpRequest:
    return prepare_token_request(target.profile, client or target.auth, grant)


def rewrite_form(
    request: HttpRequest,
    *,
    drop: frozenset[str] = frozenset(),
    add: tuple[tuple[str, str], ...] = (),
) -> HttpRequest:
    """``request`` with form fields named in ``drop`` removed and ``add`` appended."""
    fields = [(k, v) for k, v in decode_form(request.body) if k not in drop]
    body = encode_form([*fields, *add])
    return HttpRequest(method=request.method, url=request.url, headers=request.headers, body=body)


def _basic_client(target: ProbeTarget) -> ClientAuth:
    return ClientAuth(target.auth.client_id, target.auth.client_secret, "client_secret_basic")


def _wrong_secret(target: ProbeTarget, method: AuthMethod) -> ClientAuth:
    # Random, and unrelated to the real secret, which is never sent altered.
    wrong = f"tokenwire-probe-wrong-secret-{secrets.token_hex(8)}"
    return ClientAuth(target.auth.client_id, wrong, method)


def _baseline(target: ProbeTarget) -> HttpRequest:
    return _request(target, ClientCredentials(target.scope))


def _basic(target: ProbeTarget) -> HttpRequest:
    return _request(target, ClientCredentials(target.scope), _basic_client(target))


def _extra_parameter(target: ProbeTarget) -> HttpRequest:
    return rewrite_form(_baseline(target), add=((EXTRA_PARAMETER_NAME, "ignored"),))


def _wrong(target: ProbeTarget) -> HttpRequest:
    return _request(target, ClientCredentials(), _wrong_secret(target, target.auth.method))


def _wrong_basic(target: ProbeTarget) -> HttpRequest:
    return _request(target, ClientCredentials(), _wrong_secret(target, "client_secret_basic"))


def _unknown_grant(target: ProbeTarget) -> HttpRequest:
    return _request(target, ExtensionGrant(UNKNOWN_GRANT_TYPE))


def _missing_grant(target: ProbeTarget) -> HttpRequest:
    # Any grant's request minus its grant_type; the unknown one carries no other parameter.
    return rewrite_form(_unknown_grant(target), drop=frozenset({"grant_type"}))


def _duplicate(target: ProbeTarget) -> HttpRequest:
    return rewrite_form(_baseline(target), add=(("grant_type", "client_credentials"),))


def _both_places(target: ProbeTarget) -> HttpRequest:
    request = _request(target, ClientCredentials(target.scope), _basic_client(target))
    secret = target.auth.client_secret or ""
    return rewrite_form(
        request, add=(("client_id", target.auth.client_id), ("client_secret", secret))
    )


def _bogus_refresh(target: ProbeTarget) -> HttpRequest:
    return _request(target, RefreshToken(f"tokenwire-probe-bogus-{secrets.token_hex(16)}"))


def _refresh(target: ProbeTarget) -> HttpRequest:
    assert target.refresh_token is not None  # the plan has no refresh probe otherwise
    return _request(target, RefreshToken(target.refresh_token))


def _rotated(target: ProbeTarget, seen: Mapping[str, ProbeExchange]) -> HttpRequest:
    token = seen[REFRESH].member("refresh_token")
    assert isinstance(token, str)  # held by needs_reuse_refused otherwise
    return _request(target, RefreshToken(token))


# --- holds --------------------------------------------------------------------------------------


def needs_baseline_success(seen: Mapping[str, ProbeExchange], target: ProbeTarget) -> str | None:
    """Requests that vary the valid one say nothing if the valid one itself was not accepted."""
    baseline = seen.get(BASELINE)
    if baseline is None or (baseline.status == 200 and baseline.error is None):
        return None
    return (
        "not sent: the valid client_credentials request was not accepted "
        f"({baseline.describe()}), so a variation of it would show nothing"
    )


def needs_rotation(seen: Mapping[str, ProbeExchange], target: ProbeTarget) -> str | None:
    refresh = seen.get(REFRESH)
    if refresh is None or refresh.status != 200 or refresh.error is not None:
        return "not sent: the refresh request did not succeed"
    new = refresh.member("refresh_token")
    if not isinstance(new, str) or not new or new == target.refresh_token:
        return "not sent: the provider did not rotate the refresh token"
    return None


def needs_reuse_refused(seen: Mapping[str, ProbeExchange], target: ProbeTarget) -> str | None:
    """The rotated token is tried again only once the old one was sent and refused."""
    reuse = seen.get(REUSE)
    if reuse is None or not reuse.answered:
        return "not sent: the old refresh token was not sent again"
    if reuse.status == 200 and reuse.error is None:
        return "not sent: the old refresh token was accepted, so no reuse was detected"
    return None


# --- the plan -----------------------------------------------------------------------------------

REUSE_WARNING = (
    "the old refresh token is sent again after rotation: a provider with reuse detection "
    "then revokes the whole grant, so the new refresh token stops working too "
    "(skip this with --no-reuse-check)"
)


def build_plan(target: ProbeTarget) -> list[Probe]:
    """The requests to send to ``target``, in order; never more than :data:`MAX_REQUESTS`."""
    plan: list[Probe] = []
    if target.confidential:
        plan.append(Probe(BASELINE, "a valid client_credentials request", _baseline))
        if not target.uses_basic:
            plan.append(
                Probe(
                    BASIC,
                    "client_credentials with the credentials in HTTP Basic (form-urlencoded)",
                    _basic,
                    needs_baseline_success,
                )
            )
        plan.append(
            Probe(
                EXTRA_PARAMETER,
                f"client_credentials with an unrecognised parameter {EXTRA_PARAMETER_NAME}",
                _extra_parameter,
                needs_baseline_success,
            )
        )
        plan.append(Probe(WRONG_SECRET, f"a wrong client secret ({target.auth.method})", _wrong))
        if not target.uses_basic:
            plan.append(
                Probe(
                    WRONG_SECRET_BASIC,
                    "a wrong client secret (client_secret_basic)",
                    _wrong_basic,
                )
            )
    plan.append(Probe(UNKNOWN_GRANT, f"grant_type={UNKNOWN_GRANT_TYPE}", _unknown_grant))
    plan.append(Probe(MISSING_GRANT, "no grant_type parameter", _missing_grant))
    if target.confidential:
        plan.append(
            Probe(
                DUPLICATE,
                "client_credentials with grant_type sent twice",
                _duplicate,
                needs_baseline_success,
            )
        )
        plan.append(
            Probe(
                BOTH_PLACES,
                "client_credentials with credentials in both the Authorization header and the body",
                _both_places,
                needs_baseline_success,
            )
        )
    plan.append(Probe(BOGUS_REFRESH, "a refresh token the provider never issued", _bogus_refresh))
    if target.refresh_token is not None:
        plan.append(Probe(REFRESH, "the refresh token given (--refresh-token)", _refresh))
        if target.reuse_check:
            plan.append(
                Probe(
                    REUSE,
                    "the refresh token given, again, after the provider rotated it",
                    _refresh,
                    needs_rotation,
                    warning=REUSE_WARNING,
                )
            )
            plan.append(
                Probe(
                    AFTER_REUSE,
                    "the rotated refresh token, after the old one was reused",
                    _refresh,
                    needs_reuse_refused,
                    after=_rotated,
                )
            )
    assert len(plan) <= MAX_REQUESTS
    return plan


def aliases(target: ProbeTarget) -> dict[str, str]:
    """Names served by another request for this target.

    With client_secret_basic the valid request already is a Basic request; a public client has
    no client_credentials, so its refresh answer is the sample of a successful token response.
    """
    out: dict[str, str] = {}
    if target.uses_basic:
        out[BASIC] = BASELINE
        out[WRONG_SECRET_BASIC] = WRONG_SECRET
    if not target.confidential and target.refresh_token is not None:
        out[BASELINE] = REFRESH
    return out


def announcement(target: ProbeTarget, plan: list[Probe], interval: float) -> str:
    """What the user is told on stderr before anything is sent."""
    lines = [
        f"tokenwire: probing {target.token_url} as client {target.auth.client_id!r} "
        f"({target.auth.method})",
        f"tokenwire: sending at most {len(plan)} POST requests, {interval:g} s apart:",
    ]
    lines += [f"  {i:2d}. {probe.purpose}" for i, probe in enumerate(plan, 1)]
    lines += [f"tokenwire: WARNING: {p.warning}" for p in plan if p.warning]
    return "\n".join(lines) + "\n"


def absent_reason(name: str, target: ProbeTarget) -> str:
    """Why the plan for ``target`` has no request called ``name``."""
    if name in (REFRESH, REUSE, AFTER_REUSE) and target.refresh_token is None:
        return "needs --refresh-token"
    if name in (REUSE, AFTER_REUSE):
        return "skipped on request (--no-reuse-check)"
    if name == BASELINE:
        return (
            "a public client has no client_credentials grant; give --refresh-token to check "
            "a token response"
        )
    if not target.confidential:
        return "does not apply to a public client (it has no secret)"
    return "not part of this run"
