"""What each check cites: its sections parsed into links, and the text of the key requirements.

A check's ``section`` is written for people (``"RFC 6749 §5.1, §7.1"``, ``"OIDC Discovery §4.3,
RFC 8414 §3.3"``); :func:`citations` turns it into one :class:`Citation` per section with a link
to the specification, so that the HTML report and ``docs/probing.md`` (whose list of references
is generated from the check table) cite the same thing. :data:`REQUIREMENTS` holds the sentence
each main section states, quoted from the specification, which the HTML report shows under the
check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["REQUIREMENTS", "Citation", "citations", "spec_url"]

_SPECS = {
    "OIDC Core": "https://openid.net/specs/openid-connect-core-1_0.html",
    "OIDC Discovery": "https://openid.net/specs/openid-connect-discovery-1_0.html",
}
_PART = re.compile(r"^(?:(RFC \d+|OIDC Core|OIDC Discovery) )?§([0-9.]+(?:-[0-9.]+)?)$")


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited section: ``spec`` (``"RFC 6749"``), ``section`` (``"5.1"``) and its link."""

    spec: str
    section: str

    @property
    def label(self) -> str:
        return f"{self.spec} §{self.section}"

    @property
    def url(self) -> str:
        return spec_url(self.spec, self.section)


def spec_url(spec: str, section: str) -> str:
    """The link to ``section`` of ``spec`` (RFC sections by anchor; OpenID specs as a whole)."""
    if spec.startswith("RFC "):
        first = section.split("-", 1)[0]
        return f"https://www.rfc-editor.org/rfc/rfc{spec[4:]}#section-{first}"
    return _SPECS[spec]


def citations(section: str) -> list[Citation]:
    """Every section ``section`` cites; a part without a spec name belongs to the one before."""
    found: list[Citation] = []
    spec = ""
    for part in (p.strip() for p in section.split(",")):
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"cannot read the citation {part!r} in {section!r}")
        spec = match.group(1) or spec
        if not spec:
            raise ValueError(f"{section!r} starts without naming a specification")
        found.append(Citation(spec, match.group(2)))
    return found


#: The requirement each main section states, quoted (some shortened with "…").
REQUIREMENTS: dict[str, str] = {
    "RFC 6749 §2.3.1": (
        'The client identifier is encoded using the "application/x-www-form-urlencoded" '
        "encoding algorithm per Appendix B, and the encoded value is used as the username; the "
        "client password is encoded using the same algorithm and used as the password. The "
        "authorization server MUST support the HTTP Basic authentication scheme for "
        "authenticating clients that were issued a client password."
    ),
    "RFC 6749 §3.2": (
        "The authorization server MUST ignore unrecognized request parameters. Request and "
        "response parameters MUST NOT be included more than once."
    ),
    "RFC 6749 §5.1": (
        'The authorization server MUST include the HTTP "Cache-Control" response header field '
        'with a value of "no-store" in any response containing tokens, credentials, or other '
        'sensitive information, as well as the "Pragma" response header field with a value of '
        '"no-cache".'
    ),
    "RFC 6749 §5.2": (
        "The authorization server responds with an HTTP 400 (Bad Request) status code (unless "
        "specified otherwise) and includes the following parameters with the response: error "
        "REQUIRED …"
    ),
    "RFC 6749 §6": (
        "The authorization server MAY issue a new refresh token, in which case the client MUST "
        "discard the old refresh token and replace it with the new refresh token."
    ),
    "RFC 9700 §4.14.2": (
        "… one of them will present an invalidated refresh token, which will inform the "
        "authorization server of the breach. The authorization server cannot determine which "
        "party submitted the invalid refresh token, but it will revoke the active refresh token."
    ),
    "RFC 9110 §15.5.2": (
        "The server generating a 401 response MUST send a WWW-Authenticate header field "
        "containing at least one challenge applicable to the target resource."
    ),
    "RFC 6585 §4": (
        "The response representations SHOULD include details explaining the condition, and MAY "
        "include a Retry-After header indicating how long to wait before making a new request."
    ),
    "OIDC Discovery §4.3": (
        "The issuer value returned MUST be identical to the Issuer URL that was used as the "
        "prefix to /.well-known/openid-configuration to retrieve the configuration information."
    ),
    "RFC 8414 §2": (
        "issuer: REQUIRED. The authorization server's issuer identifier, which is a URL that "
        'uses the "https" scheme and has no query or fragment components.'
    ),
    "RFC 7636 §4.2": (
        'If the client is capable of using "S256", it MUST use "S256", as "S256" is '
        "Mandatory To Implement (MTI) on the server."
    ),
    "RFC 7517 §4.5": (
        'When "kid" values are used within a JWK Set, different keys within the JWK Set SHOULD '
        'use distinct "kid" values.'
    ),
    "OIDC Core §3.1.3.7": (
        "The Issuer Identifier for the OpenID Provider … MUST exactly match the value of the iss "
        "(issuer) Claim. The Client MUST validate that the aud (audience) Claim contains its "
        "client_id value registered at the Issuer identified by the iss (issuer) Claim as an "
        "audience."
    ),
}
