"""The JWKS cache as a sans-IO flow: when to fetch the provider's keys, and what to keep.

One generator decides, and the sync and async providers both step it (through
:func:`tokenwire.adapters.drive.drive` / ``adrive``) while holding their own lock, so threads
and tasks share one fetch (single flight) and cannot disagree about the rules:

* no keys yet, or the cached set has expired: fetch;
* an ID token names a ``kid`` the cached set lacks (or, without a ``kid``, no cached key fits):
  fetch again, but at most once per ``min_refetch_interval`` seconds, counted from the last fetch;
  so key rotation is picked up, and a flood of forged ``kid`` values costs at most one request per
  interval;
* a set that another caller fetched while this one waited for the lock is used as it is;
* how long a set is kept: the response's ``Cache-Control: max-age``, bounded to
  ``[min_ttl, max_ttl]``; ``default_ttl`` without one; ``min_ttl`` for ``no-store``/``no-cache``.

A fetch is one attempt. Without a cached set its failure is raised; with one, the failure is
logged and the old set kept for ``min_ttl`` more (an unknown ``kid`` stays unknown), and the attempt
counts for the rate limit, so a provider that is down is not hammered either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator
from dataclasses import dataclass

from tokenwire.core import (
    USER_AGENT,
    HttpRequest,
    HttpResponse,
    JwksError,
    JwkSet,
    Send,
    TransportError,
    TransportFailure,
    parse_jwks,
)
from tokenwire.core.flow import Reply, Step

__all__ = ["JwksPolicy", "JwksSnapshot", "cache_lifetime", "jwks_flow"]

log = logging.getLogger("tokenwire.oidc")

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class JwksPolicy:
    """How long a key set is kept, and how often an unknown ``kid`` may cause a refetch."""

    default_ttl: float = 600.0
    min_ttl: float = 30.0
    max_ttl: float = 86400.0
    min_refetch_interval: float = 30.0


@dataclass(frozen=True, slots=True)
class JwksSnapshot:
    """The cached set (``None`` before the first fetch), when it expires, when it was fetched."""

    keys: JwkSet | None = None
    expires_at: float = float("-inf")
    fetched_at: float = float("-inf")
    fetches: int = 0


def cache_lifetime(response: HttpResponse, policy: JwksPolicy) -> float:
    """Seconds to keep the set ``response`` carries (RFC 9111 §5.2.2.1 ``max-age``, bounded)."""
    value = response.header("cache-control") or ""
    if _NO_CACHE.search(value):
        return policy.min_ttl
    match = _MAX_AGE.search(value)
    if match is None:
        return min(max(policy.default_ttl, policy.min_ttl), policy.max_ttl)
    return min(max(float(match.group(1)), policy.min_ttl), policy.max_ttl)


def jwks_flow(
    snapshot: JwksSnapshot,
    url: str,
    *,
    now: float,
    policy: JwksPolicy,
    stale: JwkSet | None = None,
) -> Generator[Step, Reply, JwksSnapshot]:
    """The snapshot to use at ``now``: ``snapshot`` itself, or a fresh one after one GET of ``url``.

    ``stale`` is the set an ID token's key was not found in (an unknown ``kid``); ``None`` for a
    plain lookup.
    """
    if snapshot.keys is not None:
        if stale is None and now < snapshot.expires_at:
            return snapshot
        if stale is not None and snapshot.keys is not stale:
            return snapshot  # fetched by another caller while this one waited
        if stale is not None and now - snapshot.fetched_at < policy.min_refetch_interval:
            return snapshot  # rate limit: an unknown kid stays unknown until the interval ends
    request = HttpRequest(
        method="GET", url=url, headers=(("Accept", "application/json"), ("User-Agent", USER_AGENT))
    )
    why = "first use" if snapshot.keys is None else "unknown kid" if stale else "expired"
    log.debug("fetching the JWKS (%s)", why)
    reply = yield Send(request)
    try:
        if isinstance(reply, TransportFailure):
            raise reply.error
        if not isinstance(reply, HttpResponse):
            raise TypeError(f"jwks_flow expected an HttpResponse, got {type(reply).__name__}")
        keys = parse_jwks(reply)
    except (TransportError, JwksError) as exc:
        if snapshot.keys is None:
            raise
        log.warning("JWKS refetch failed, keeping the cached keys: %s", exc)
        return JwksSnapshot(
            keys=snapshot.keys,
            expires_at=now + policy.min_ttl,
            fetched_at=now,
            fetches=snapshot.fetches + 1,
        )
    return JwksSnapshot(
        keys=keys,
        expires_at=now + cache_lifetime(reply, policy),
        fetched_at=now,
        fetches=snapshot.fetches + 1,
    )
