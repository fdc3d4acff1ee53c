"""What is probed: a token endpoint, a client registered there, and optionally a refresh token."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from tokenwire.adapters.profiles import generic
from tokenwire.core import ClientAuth, ConfigurationError, Profile, check_endpoint_url
from tokenwire.core.form import form_escape


@dataclass(frozen=True, kw_only=True)
class ProbeTarget:
    """The provider under test and the credentials the probes use.

    The URL is checked as every tokenwire request is (``https://``, or ``http://`` on loopback
    only), before anything is sent. ``refresh_token`` enables the refresh probes; it is used once,
    and once more as the "old" token after a rotation unless ``reuse_check`` is off (a provider
    with reuse detection then revokes the whole grant). ``basic_urlencode=False`` sends Basic
    credentials unencoded, for a provider that does not form-decode them (RFC 6749 §2.3.1 says it
    must: ``client-auth.basic`` then says so). ``repr`` shows neither secret.
    """

    token_url: str
    auth: ClientAuth
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    reuse_check: bool = True
    basic_urlencode: bool = True

    def __post_init__(self) -> None:
        check_endpoint_url(self.token_url)
        if self.refresh_token is not None and not self.refresh_token.strip():
            raise ConfigurationError("the refresh token to probe with is empty")
        if self.scope is not None and not self.scope.strip():
            raise ConfigurationError("scope must not be empty; leave it out instead")

    @property
    def profile(self) -> Profile:
        """A quirk-free profile: the probes judge the provider, they do not accommodate it."""
        profile = generic(self.token_url, name="probe")
        if self.basic_urlencode:
            return profile
        return msgspec.structs.replace(profile, basic_auth_urlencode=False)

    @property
    def confidential(self) -> bool:
        """True when the client has a secret (client_credentials and the auth probes need one)."""
        return self.auth.method != "none"

    @property
    def uses_basic(self) -> bool:
        return self.auth.method == "client_secret_basic"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a report."""
        return tuple(s for s in (self.auth.client_secret, self.refresh_token) if s)


def encoding_matters(target: ProbeTarget) -> bool:
    """True when form-urlencoding changes the client id or secret (RFC 6749 §2.3.1 then shows)."""
    client = target.auth
    secret = client.client_secret or ""
    return form_escape(client.client_id) != client.client_id or form_escape(secret) != secret
