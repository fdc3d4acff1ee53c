"""Which proxy an endpoint goes through: ``proxy=``, the environment as curl reads it, NO_PROXY.

The choice is one function of the options and the environment, shared by every built-in
transport, so its rules are pinned here case by case; ``tests/adapters/test_proxy.py`` shows each
transport carrying it out against a real proxy.
"""

from __future__ import annotations

import pytest

from tokenwire.adapters.transport import (
    Proxy,
    ProxyChoice,
    TransportOptions,
    bypasses,
    parse_endpoint,
)
from tokenwire.core import ConfigurationError

PASSWORD = "ProxyPassw0rd-secret"
TOKENS = parse_endpoint("https://tokens.example.com/token")
PLAIN_LOOPBACK = parse_endpoint("http://127.0.0.1:8080/token")


def choose(environ: dict[str, str], url: str = TOKENS.url, **options: object) -> Proxy | None:
    choice = ProxyChoice(
        options.get("proxy"),  # type: ignore[arg-type]
        bool(options.get("trust_env", True)),
        environ,
    )
    return choice.for_endpoint(parse_endpoint(url))


def test_https_proxy_is_used_for_an_https_endpoint() -> None:
    assert choose({"HTTPS_PROXY": "http://proxy.corp:3128"}) == Proxy("proxy.corp", 3128)


def test_the_lower_case_variable_wins_and_an_empty_one_means_none() -> None:
    both = {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"}
    assert choose(both) == Proxy("lower", 1)
    assert choose({"https_proxy": "", "HTTPS_PROXY": "http://upper:2"}) is None


def test_http_proxy_never_serves_an_https_endpoint_and_all_proxy_is_the_fallback() -> None:
    assert choose({"HTTP_PROXY": "http://plain:1"}) is None
    env = {"HTTP_PROXY": "http://plain:1", "ALL_PROXY": "http://every:2"}
    assert choose(env) == Proxy("every", 2)
    assert ProxyChoice(None, True, env).routes == (None, Proxy("every", 2), Proxy("plain", 1))


def test_upper_case_http_proxy_is_ignored_in_a_cgi_request() -> None:
    """httpoxy: in CGI, HTTP_PROXY is what the web server made of a client's Proxy: header."""
    choice = ProxyChoice(None, True, {"HTTP_PROXY": "http://evil:1", "REQUEST_METHOD": "GET"})
    assert choice.routes == (None,)
    choice = ProxyChoice(None, True, {"http_proxy": "http://mine:1", "REQUEST_METHOD": "GET"})
    assert choice.routes == (None, Proxy("mine", 1))


def test_a_loopback_endpoint_is_never_proxied_from_the_environment() -> None:
    env = {"HTTP_PROXY": "http://proxy:1", "HTTPS_PROXY": "http://proxy:1"}
    for url in ("http://127.0.0.1:8080/t", "http://localhost/t", "https://[::1]/t"):
        assert choose(env, url) is None, url


def test_a_proxy_named_in_code_takes_every_endpoint_loopback_included() -> None:
    asked = Proxy("asked", 3128)
    env = {"HTTPS_PROXY": "http://env:1", "NO_PROXY": "*"}
    assert choose(env, PLAIN_LOOPBACK.url, proxy=asked) == asked
    assert choose(env, proxy=asked) == asked


def test_trust_env_false_ignores_the_environment() -> None:
    assert choose({"HTTPS_PROXY": "http://proxy:1"}, trust_env=False) is None


def test_no_proxy_sends_listed_hosts_direct() -> None:
    env = {"HTTPS_PROXY": "http://proxy:1", "NO_PROXY": "internal.example, example.com"}
    assert choose(env) is None  # tokens.example.com is under example.com
    assert choose(env, "https://other.example.org/t") == Proxy("proxy", 1)


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "direct"),
    [
        ("tokens.example.com", 443, "*", True),
        ("tokens.example.com", 443, "example.com", True),
        ("tokens.example.com", 443, ".example.com", True),
        ("tokens.example.com", 443, "*.example.com", True),
        ("example.com", 443, ".example.com", True),
        ("TOKENS.Example.COM.", 443, "example.com", True),
        ("notexample.com", 443, "example.com", False),
        ("tokens.example.com", 443, "tokens.example", False),
        ("tokens.example.com", 443, "example.com:8443", False),
        ("tokens.example.com", 8443, "example.com:8443", True),
        ("10.1.2.3", 443, "10.0.0.0/8", True),
        ("11.1.2.3", 443, "10.0.0.0/8", False),
        ("192.0.2.7", 443, "192.0.2.7", True),
        ("192.0.2.7", 443, "192.0.2.7:443", True),
        ("192.0.2.7", 443, "192.0.2.7:80", False),
        ("2001:db8::1", 443, "2001:db8::/32", True),
        ("2001:db8::1", 443, "[2001:db8::1]:443", True),
        ("2001:db8::1", 443, "[2001:db8::1]:80", False),
        ("192.0.2.7", 443, "example.com", False),
        ("tokens.example.com", 443, "", False),
        ("tokens.example.com", 443, " , ,", False),
    ],
)
def test_no_proxy_entries_match_as_curl_reads_them(
    host: str, port: int, no_proxy: str, direct: bool
) -> None:
    assert bypasses(host, port, no_proxy) is direct


def test_a_proxy_url_is_parsed_with_its_credentials_kept_out_of_sight() -> None:
    proxy = Proxy.parse(f"http://alice:{PASSWORD.replace('-', '%2D')}@proxy.corp:3128")
    assert (proxy.host, proxy.port, proxy.username, proxy.password) == (
        "proxy.corp",
        3128,
        "alice",
        PASSWORD,
    )
    assert proxy.url == "http://proxy.corp:3128"
    assert proxy.authorization is not None
    assert proxy.authorization.startswith("Basic ")
    options = TransportOptions(proxy=f"http://alice:{PASSWORD}@proxy.corp:3128")
    for shown in (repr(proxy), str(proxy), repr(options), str(options)):
        assert PASSWORD not in shown
        assert "alice" not in shown
        assert "proxy.corp:3128" in shown


def test_a_scheme_less_proxy_is_http_and_the_port_defaults_to_80() -> None:
    assert Proxy.parse("proxy.corp:3128") == Proxy("proxy.corp", 3128)
    assert Proxy.parse("http://proxy.corp") == Proxy("proxy.corp", 80)


@pytest.mark.parametrize(
    "url",
    [
        f"https://u:{PASSWORD}@proxy.corp:3128",
        f"socks5://u:{PASSWORD}@proxy.corp:1080",
        f"http://u:{PASSWORD}@proxy.corp:99999",
        f"http://u:{PASSWORD}@:3128",
    ],
)
def test_a_proxy_url_that_cannot_be_used_is_refused_without_quoting_it(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TransportOptions(proxy=url)
    assert PASSWORD not in str(caught.value)
    assert "proxy" in str(caught.value)


@pytest.mark.parametrize("url", [f"https://u:{PASSWORD}@proxy:1", f"socks5://u:{PASSWORD}@p:1"])
def test_an_unusable_proxy_in_the_environment_is_refused_only_where_it_would_be_used(
    url: str,
) -> None:
    """A shell's HTTPS_PROXY may be meant for other tools: loopback and NO_PROXY hosts still
    work, and only an endpoint that would go through it is refused, naming the variable."""
    choice = ProxyChoice(None, True, {"HTTPS_PROXY": url, "NO_PROXY": "internal"})
    assert choice.routes == (None,)
    assert choice.for_endpoint(parse_endpoint("https://localhost:8443/token")) is None
    assert choice.for_endpoint(parse_endpoint("https://idp.internal/token")) is None
    with pytest.raises(ConfigurationError, match="HTTPS_PROXY") as caught:
        choice.for_endpoint(TOKENS)
    assert "tokens.example.com:443 would go through a proxy" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_routes_name_each_way_out_once() -> None:
    same = {"HTTPS_PROXY": "http://proxy:1", "HTTP_PROXY": "http://proxy:1"}
    assert ProxyChoice(None, True, same).routes == (None, Proxy("proxy", 1))
    assert ProxyChoice("http://asked:2", True, same).routes == (Proxy("asked", 2),)
    assert ProxyChoice(None, False, same).routes == (None,)


def test_the_choice_is_logged_with_its_reason_and_without_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"HTTPS_PROXY": f"http://alice:{PASSWORD}@proxy.corp:3128", "NO_PROXY": "internal"}
    choice = ProxyChoice(None, True, env)
    with caplog.at_level("DEBUG", logger="tokenwire.transport"):
        choice.for_endpoint(TOKENS)
        choice.for_endpoint(parse_endpoint("https://idp.internal/token"))
        choice.for_endpoint(parse_endpoint("https://localhost:8443/token"))
        ProxyChoice(None, True, {}).for_endpoint(TOKENS)  # no proxy in play: nothing to say
    assert [r.getMessage() for r in caplog.records] == [
        "tokens.example.com:443 goes via proxy proxy.corp:3128 (HTTPS_PROXY)",
        "idp.internal:443 goes direct (NO_PROXY)",
        "localhost:8443 goes direct (loopback is not proxied from the environment)",
    ]
    for record in caplog.records:
        assert PASSWORD not in repr(record.__dict__)
        assert "alice" not in repr(record.__dict__)
