"""Property tests: whatever a device authorization, revocation or introspection endpoint sends,
the core answers with its struct (or nothing, for a revocation) or a ``TokenwireError``, and
never shows the device code or a token planted in the answer in a message or a repr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenwire.core import (
    HttpResponse,
    Profile,
    TokenwireError,
    parse_device_authorization,
    parse_introspection_response,
    parse_revocation_response,
)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECRET = "tw0_Planted-Secret.9x8y7z"
PROFILE = Profile(token_url="https://as.example.com/token")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
MEMBERS = (
    "device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in",
    "interval", "active", "scope", "client_id", "username", "token_type", "exp", "iat", "nbf",
    "sub", "aud", "iss", "jti", "error",
)  # fmt: skip
#: Where a server puts (or echoes) a secret: the secret is planted there, and only there.
SECRET_HOMES = ("device_code", "access_token", "refresh_token", "error_description", "token")
#: Valid answers to start from, so that the success paths are walked as often as the failures.
BASES: tuple[dict[str, Any], ...] = (
    {
        "device_code": "d",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://example.com/device",
        "expires_in": 1800,
    },
    {"active": True, "scope": "read", "sub": "Z5O3upPC88QrAjx00dis", "exp": 1419356238},
    {},
)
bodies = st.builds(
    lambda base, changes, homes: {**base, **changes, **dict.fromkeys(homes, SECRET)},
    st.sampled_from(BASES),
    st.dictionaries(st.sampled_from(MEMBERS) | st.text(max_size=8), values, max_size=4),
    st.lists(st.sampled_from(SECRET_HOMES), max_size=3),
)
statuses = st.sampled_from([200, 200, 200, 400, 401, 500, 503])


def parsers() -> list[Callable[[HttpResponse], object]]:
    return [
        lambda r: parse_device_authorization(PROFILE, r, received_at=0.0),
        lambda r: parse_introspection_response(PROFILE, r),
        lambda r: parse_revocation_response(PROFILE, r),
    ]


def check(response: HttpResponse) -> None:
    for parse in parsers():
        shown: str
        try:
            result = parse(response)
        except TokenwireError as exc:
            shown = f"{exc} {exc!r}"
        else:
            shown = f"{result} {result!r}"
        assert SECRET not in shown


@SETTINGS
@given(body=bodies, status=statuses)
def test_any_json_object_gives_a_struct_or_a_typed_error_and_no_secret(
    body: dict[str, Any], status: int
) -> None:
    check(HttpResponse(status=status, body=msgspec.json.encode(body)))


@SETTINGS
@given(raw=st.binary(max_size=200) | values.map(msgspec.json.encode), status=statuses)
def test_any_body_at_all_gives_a_struct_or_a_typed_error(raw: bytes, status: int) -> None:
    check(HttpResponse(status=status, body=raw + SECRET.encode()))
