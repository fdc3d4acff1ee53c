"""What the reference provider remembers for its other endpoints: access tokens and device codes.

The token endpoint's codes and refresh tokens live in :mod:`.models`; these records serve
revocation and introspection (which need to know every access token issued, and forget a revoked
one) and the device authorization grant (a device code, its user code, and the user's decision).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc8628 import DeviceCredentialMixin
from typing_extensions import override

from tokenwire.conformance.reference.models import ClientModel, User

__all__ = ["DeviceCredential", "IssuedAccessToken"]


@dataclass(frozen=True, kw_only=True)
class IssuedAccessToken(TokenMixin):  # type: ignore[misc]  # authlib is untyped
    """An access token as issued: for introspection, and forgotten when revoked."""

    access_token: str = field(repr=False)
    client_id: str
    scope: str
    user: User | None
    #: Wall-clock seconds (introspection's ``iat``/``exp`` are epoch seconds).
    issued_at: int
    #: ``0`` when the token does not expire by the clock.
    expires_in: int

    @property
    def expires_at(self) -> int | None:
        return self.issued_at + self.expires_in if self.expires_in else None

    @override
    def check_client(self, client: ClientModel) -> bool:
        return self.client_id == client.get_client_id()

    @override
    def get_scope(self) -> str:
        return self.scope

    @override
    def is_expired(self) -> bool:
        expires_at = self.expires_at
        return expires_at is not None and time.time() >= expires_at

    @override
    def is_revoked(self) -> bool:
        return False  # a revoked token is forgotten, never kept with a flag


@dataclass(frozen=True, kw_only=True)
class DeviceCredential(DeviceCredentialMixin):  # type: ignore[misc]  # authlib is untyped
    """A device code waiting for its user's decision (RFC 8628 §3.2)."""

    device_code: str = field(repr=False)
    user_code: str
    client_id: str
    scope: str
    #: ``time.monotonic()`` after which the code is dead (``expired_token``).
    expires_at: float

    @override
    def get_client_id(self) -> str:
        return self.client_id

    @override
    def get_scope(self) -> str:
        return self.scope

    @override
    def get_user_code(self) -> str:
        return self.user_code

    @override
    def is_expired(self) -> bool:
        return time.monotonic() >= self.expires_at
