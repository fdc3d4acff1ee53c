"""Only literal loopback addresses and exactly ``localhost`` may use plain http (issue 9.18)."""

from __future__ import annotations

import pytest

from tokenwire.core import ConfigurationError, Profile, is_loopback_host


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]
)
def test_literal_loopback_addresses_and_localhost_are_loopback(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    ["evil.localhost", "app.localhost", "localhost.", "localhost.example.com", "10.0.0.1", "::2"],
)
def test_names_under_localhost_are_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)


def test_a_plain_http_endpoint_under_localhost_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Profile(token_url="http://evil.localhost/token")
