"""Which grant a renewal sends: the stored refresh token, else the source's own grant, once if
the server honours it once.

An authorization code, a starting refresh token and a device code are spent by their first use
(RFC 6749 §4.1.2, §10.4; RFC 8628 §3.5). A source sends such a grant at most once: after that, a
renewal without a stored refresh token raises
:class:`~tokenwire.core.ReauthorizationRequired` without a request, instead of resending a spent
grant (which a server may answer by revoking the whole token family). Repeatable grants
(client credentials, JWT bearer, token exchange) are sent whenever there is no refresh token.
"""

from __future__ import annotations

from tokenwire.adapters.stores import StoredToken
from tokenwire.core import (
    AuthorizationCode,
    ConfigurationError,
    DeviceCode,
    Grant,
    ReauthorizationRequired,
    RefreshToken,
    TransportError,
)
from tokenwire.core.redact import scrub

__all__ = ["GrantChoice"]

#: Grants the server honours once.
_SINGLE_USE = (AuthorizationCode, RefreshToken, DeviceCode)


class GrantChoice:
    """The source's configured grant, and whether it was single-use and already sent.

    Only the single flight's leader calls :meth:`choose` and :meth:`not_sent`, so no lock.
    """

    __slots__ = ("grant", "spent")

    def __init__(self, grant: Grant | None) -> None:
        self.grant = grant
        #: The configured grant is single-use and has been sent.
        self.spent = False

    def choose(self, stored: StoredToken | None, key: str) -> Grant:
        """The grant to renew ``stored`` with; marks a single-use grant as spent."""
        previous = None if stored is None else stored.token.refresh_token
        if previous:
            return RefreshToken(previous)
        grant = self.grant
        if grant is None:
            if stored is None:
                raise ConfigurationError(
                    f"nothing is stored under key {scrub(key, 80)!r} and no grant is configured"
                )
            raise ConfigurationError(
                "the token cannot be renewed: it has no refresh token and no grant is configured"
            )
        if self.spent:
            raise ReauthorizationRequired(
                "invalid_grant",
                f"the source's {_name(grant)} was used once already and no refresh token is "
                "stored; re-authorization is needed to get a new token",
            )
        self.spent = isinstance(grant, _SINGLE_USE)
        return grant

    def not_sent(self, grant: Grant, exc: TransportError) -> None:
        """The request for ``grant`` failed with ``exc``: if it certainly never reached the
        server, a single-use configured grant is not spent."""
        if grant is self.grant and not exc.sent:
            self.spent = False


def _name(grant: Grant) -> str:
    if isinstance(grant, AuthorizationCode):
        return "authorization code"
    if isinstance(grant, RefreshToken):
        return "starting refresh token"
    return "device code"
