"""Where credentials may be sent: ``check_endpoint_url`` and ``is_loopback_host`` as they behave."""

from __future__ import annotations

import pytest

from tokenwire.core import ConfigurationError, check_endpoint_url, is_loopback_host


@pytest.mark.parametrize(
    "url",
    [
        "https://as.example.com/token",
        "https://as.example.com:8443/oauth2/token?tenant=a",
        "http://127.0.0.1:8080/token",
        "http://127.9.9.9/token",
        "http://[::1]:8080/token",
        "http://localhost:8080/token",
        "http://LOCALHOST/token",
    ],
)
def test_https_anywhere_and_plain_http_on_loopback_are_accepted(url: str) -> None:
    check_endpoint_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://as.example.com/token",
        "http://10.0.0.1/token",
        "http://0.0.0.0/token",
        "http://localhost.example.com/token",
    ],
)
def test_plain_http_off_loopback_is_refused_and_names_the_host(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http:// for non-loopback host"):
        check_endpoint_url(url)


@pytest.mark.parametrize(
    "url",
    ["ftp://as.example.com/token", "file:///etc/passwd", "/token", "as.example.com/token"],
)
def test_anything_but_an_absolute_http_or_https_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must be an absolute https:// URL"):
        check_endpoint_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://client:hunter2-secret@as.example.com/token",
        "https://hunter2-secret@as.example.com/token",
        "https://:hunter2-secret@as.example.com/token",
    ],
)
def test_credentials_in_the_url_are_refused_and_never_echoed(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must not carry credentials") as caught:
        check_endpoint_url(url)
    assert "hunter2" not in str(caught.value)


def test_a_bad_port_is_refused_without_echoing_the_url_or_keeping_the_parsers_error() -> None:
    with pytest.raises(ConfigurationError, match="is not a valid URL") as caught:
        check_endpoint_url("https://as.example.com:hunter2/token")
    assert "hunter2" not in str(caught.value)
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    "url",
    ["https://as.example.com/to ken", "https://as.example.com/token\r\nX: y", "https://a\tb/"],
)
def test_whitespace_and_control_characters_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="whitespace or control characters"):
        check_endpoint_url(url)


def test_a_fragment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="fragment"):
        check_endpoint_url("https://as.example.com/token#frag")


def test_the_message_names_what_the_url_is_for() -> None:
    with pytest.raises(ConfigurationError, match=r"^revocation endpoint URL"):
        check_endpoint_url("http://as.example.com/revoke", "revocation endpoint")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("127.0.0.1", True),
        ("127.255.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("example.com", False),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
    ],
)
def test_loopback_hosts_are_localhost_and_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
