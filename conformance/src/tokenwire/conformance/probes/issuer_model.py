"""What the issuer checks read: the metadata and JWKS answers, the issuer, the ID tokens seen.

The token endpoint checks (:class:`~tokenwire.conformance.probes.model.ProbeCheck`) judge a
:class:`~tokenwire.conformance.probes.target.ProbeTarget`, which needs a token URL; the checks
here run before there is one (the metadata names it, or fails to), so they read an
:class:`IssuerSeen` instead. Both kinds share :class:`~tokenwire.conformance.probes.model.Finding`
and the level rule: a deviation fails a MUST check and warns otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.model import Finding, Verdict, level_outcome
from tokenwire.conformance.probes.results import Level, ProbeOutcome

__all__ = [
    "DISCOVERY",
    "JWKS",
    "OAUTH_METADATA",
    "IssuerCheck",
    "IssuerSeen",
    "SeenIdToken",
]

#: The GET requests of an issuer probe (checks refer to these names).
DISCOVERY = "openid-configuration"
OAUTH_METADATA = "oauth-authorization-server"
JWKS = "jwks"


@dataclass(frozen=True, slots=True)
class SeenIdToken:
    """An ID token to check, where it came from, and the access token issued with it."""

    source: str
    id_token: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class IssuerSeen:
    """What an issuer check reads: every exchange by name, the issuer asked for, the client."""

    exchanges: Mapping[str, ProbeExchange]
    issuer: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    id_tokens: tuple[SeenIdToken, ...] = ()
    now: float = 0.0

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The metadata document read: OpenID's if it is a JSON object, else RFC 8414's."""
        for name in (DISCOVERY, OAUTH_METADATA):
            exchange = self.exchanges.get(name)
            if exchange is not None and exchange.status == 200 and exchange.json is not None:
                return exchange.json
        return None

    @property
    def metadata_name(self) -> str:
        """The exchange :attr:`metadata` came from."""
        found = self.exchanges.get(DISCOVERY)
        if found is not None and found.status == 200 and found.json is not None:
            return DISCOVERY
        return OAUTH_METADATA


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerCheck:
    """One check of a provider's metadata, keys or ID tokens.

    ``uses`` names the exchanges whose evidence the report shows; the check is skipped, saying
    why, when ``needs`` returns a reason (``None``: it can be made).
    """

    id: str
    section: str
    level: Level
    title: str
    uses: tuple[str, ...]
    evaluate: Callable[[IssuerSeen], Finding]
    needs: Callable[[IssuerSeen], str | None] | None = None

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    def outcome(self, verdict: Verdict) -> ProbeOutcome:
        return level_outcome(self.level, verdict)
