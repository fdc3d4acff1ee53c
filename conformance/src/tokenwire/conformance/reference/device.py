"""The device authorization grant (RFC 8628) of the reference provider, on authlib's.

authlib brings the endpoint and the grant; this module wires them to the provider's store. The
user's side (the verification page) is :meth:`ReferenceProvider.decide_device
<tokenwire.conformance.reference.ReferenceProvider.decide_device>`: tests approve or deny a user
code in-process. ``slow_down`` comes from authlib's ``should_slow_down`` hook: the provider can
be told to answer it to the next *n* pending polls, so that a client's widening of its interval
(§3.5) can be counted against the clock the client is given.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant
from typing_extensions import override

from tokenwire.conformance.reference.grants import ALL_AUTH_METHODS
from tokenwire.conformance.reference.models import TEST_USER, User
from tokenwire.conformance.reference.records import DeviceCredential

__all__ = ["DEVICE_PATH", "VERIFICATION_PATH", "DeviceEndpoint", "DeviceGrant"]

#: Where the device authorization endpoint is served, for every flavor.
DEVICE_PATH = "/device_authorization"
#: The verification URI shown to the user (nothing is served there: tests decide in-process).
VERIFICATION_PATH = "/device"


class DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]  # authlib is untyped
    """authlib's device authorization endpoint, with the provider's lifetime and interval."""

    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def __init__(self, server: Any, *, expires_in: int, interval: int) -> None:
        super().__init__(server)
        self.EXPIRES_IN = expires_in
        self.INTERVAL = interval

    @override
    def get_verification_uri(self) -> str:
        issuer: str = self.server.issuer()
        return issuer + VERIFICATION_PATH

    @override
    def save_device_credential(
        self, client_id: str, scope: str | None, data: dict[str, Any]
    ) -> None:
        self.server.store.save_device(
            DeviceCredential(
                device_code=data["device_code"],
                user_code=data["user_code"],
                client_id=client_id,
                scope=scope or "",
                expires_at=time.monotonic() + data["expires_in"],
            )
        )


class DeviceGrant(DeviceCodeGrant):  # type: ignore[misc]  # authlib is untyped
    """authlib's device code grant over the store; the device code is spent when it succeeds."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    @override
    def query_device_credential(self, device_code: str) -> DeviceCredential | None:
        credential: DeviceCredential | None = self.server.store.device(device_code)
        return credential

    @override
    def query_user_grant(self, user_code: str) -> tuple[User, bool] | None:
        decision = self.server.store.decision(user_code)
        return None if decision is None else (TEST_USER, decision)

    @override
    def should_slow_down(self, credential: DeviceCredential) -> bool:
        slow: bool = self.server.store.take_slow_down()
        return slow

    @override
    def create_token_response(self) -> Any:
        reply = super().create_token_response()
        self.server.store.drop_device(self.request.credential.device_code)
        return reply
