"""Checks of the ID tokens a provider issued (OIDC Core §2, §3.1.3.7), with the core's validator.

The tokens come from the token responses of the run (a refresh answer carries one when the
grant had ``openid``) and from a token response file saved after a real login
(``--token-response``). The signature is checked first, alone, so that a bad key and a bad
claim are told apart; then every claim. No token value or claim value is ever shown: the core's
:class:`~tokenwire.core.oidc.IdTokenError` messages are written not to.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenwire.conformance.probes.issuer_model import JWKS, IssuerCheck, IssuerSeen, SeenIdToken
from tokenwire.conformance.probes.model import Finding, deviates, passed, skipped
from tokenwire.core import ConfigurationError
from tokenwire.core.oidc import (
    DEFAULT_ALGS,
    IdTokenError,
    JwksError,
    JwkSet,
    parse_jwks_json,
    validate_id_token,
    verify_jws,
)

__all__ = ["CHECKS"]

#: Reasons that are the input's fault, not the provider's: the check is skipped for them.
_STALE = frozenset({"expired"})


def _key_set(seen: IssuerSeen) -> JwkSet | str:
    exchange = seen.exchanges.get(JWKS)
    if exchange is None or exchange.json is None:
        return "no key set to verify with"
    try:
        return parse_jwks_json(exchange.json)
    except JwksError as error:
        return f"the key set is unusable: {error}"


def _needs(seen: IssuerSeen) -> str | None:
    if not seen.id_tokens:
        return (
            "no ID token seen: give --token-response FILE (a token response from a real login) "
            "or a --refresh-token whose grant had the openid scope"
        )
    keys = _key_set(seen)
    return keys if isinstance(keys, str) else None


def _algs(seen: IssuerSeen) -> tuple[str, ...]:
    listed = (seen.metadata or {}).get("id_token_signing_alg_values_supported")
    if isinstance(listed, list) and all(isinstance(a, str) for a in listed):
        return tuple(listed)
    return tuple(DEFAULT_ALGS)


def _judge_each(seen: IssuerSeen, judge: Callable[[IssuerSeen, SeenIdToken], None]) -> Finding:
    failures: list[str] = []
    stale: list[str] = []
    for token in seen.id_tokens:
        try:
            judge(seen, token)
        except IdTokenError as error:
            (stale if error.reason in _STALE else failures).append(f"{token.source}: {error}")
        except ConfigurationError as error:
            return skipped(str(error))
    if failures:
        return deviates("; ".join(failures))
    if stale and len(stale) == len(seen.id_tokens):
        return skipped("; ".join(stale) + " (give a fresh token response)")
    sources = ", ".join(t.source for t in seen.id_tokens)
    return passed(f"{len(seen.id_tokens) - len(stale)} ID token(s) verified ({sources})")


def _verify_signature(seen: IssuerSeen, token: SeenIdToken) -> None:
    keys = _key_set(seen)
    assert not isinstance(keys, str)  # _needs skipped the check otherwise
    verify_jws(token.id_token, keys=keys, algs=_algs(seen), client_secret=seen.client_secret)


def _validate(seen: IssuerSeen, token: SeenIdToken) -> None:
    keys = _key_set(seen)
    assert not isinstance(keys, str)
    validate_id_token(
        token.id_token,
        keys=keys,
        client_id=seen.client_id,
        issuer=seen.issuer,
        now=seen.now,
        access_token=token.access_token,
        client_secret=seen.client_secret,
        algs=_algs(seen),
    )


def _signature(seen: IssuerSeen) -> Finding:
    return _judge_each(seen, _verify_signature)


def _claims(seen: IssuerSeen) -> Finding:
    return _judge_each(seen, _validate)


CHECKS: tuple[IssuerCheck, ...] = (
    IssuerCheck(
        id="idtoken.signature",
        section="OIDC Core §3.1.3.7, RFC 7515 §5.2",
        level="MUST",
        title="each ID token is signed by a key of the set, with a listed alg (never none)",
        uses=(JWKS,),
        evaluate=_signature,
        needs=_needs,
    ),
    IssuerCheck(
        id="idtoken.claims",
        section="OIDC Core §2, §3.1.3.7",
        level="MUST",
        title="iss is the issuer, aud holds the client, exp and iat are sane, at_hash matches",
        uses=(),
        evaluate=_claims,
        needs=_needs,
    ),
)
