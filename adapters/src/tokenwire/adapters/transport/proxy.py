"""HTTP proxies: the :class:`Proxy` a caller names, and which endpoint goes through which proxy.

A service behind a corporate egress proxy has ``HTTPS_PROXY`` set and expects every HTTP client in
it to honour that, as curl, requests and httpx do; a token client that ignores it cannot reach the
provider at all. The choice is made here once, the same way for every built-in transport, and the
transports only carry it out (HTTP ``CONNECT`` for ``https://``, the absolute form for
``http://``):

* ``TransportOptions(proxy=...)`` sends every request through that proxy, loopback included
  (a proxy named in code was asked for); ``NO_PROXY`` is not consulted for it (as in httpx);
* otherwise, with ``trust_env=True`` (the default), the environment decides as it does for curl
  and httpx: ``https_proxy`` / ``HTTPS_PROXY`` for an ``https://`` endpoint, ``http_proxy`` (and
  ``HTTP_PROXY`` outside a CGI request, where it could come from a client's ``Proxy:`` header)
  for ``http://``, then ``all_proxy`` / ``ALL_PROXY``; the lower-case name wins; an empty value
  means none. ``NO_PROXY`` (see :func:`bypasses`) lists hosts that go direct, and a loopback
  endpoint is never sent to a proxy from the environment;
* the environment is read when the transport is built, not per request.

Only ``http://`` proxies are supported (TLS to the endpoint runs inside the tunnel, so the token
request is encrypted end to end all the same). Credentials in a proxy URL
(``http://user:pass@proxy:3128``) become a ``Proxy-Authorization: Basic`` header for the proxy;
they never appear in a repr, a message or a log line: what is shown is :attr:`Proxy.url`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from base64 import b64encode
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from tokenwire.adapters.transport.endpoint import Endpoint
from tokenwire.core import ConfigurationError, is_loopback_host

__all__ = ["Proxy", "ProxyChoice", "bypasses", "route_where"]

_log = logging.getLogger("tokenwire.transport")
#: Why an endpoint goes direct when no proxy applies to its scheme: not logged (nothing to say).
_UNSET = "no proxy set"


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy: where it listens, and the credentials it wants, if any.

    Build it with :meth:`parse` (or pass the URL string to ``TransportOptions(proxy=...)``).
    ``username`` and ``password`` are kept out of the repr; :attr:`url` never shows them.
    """

    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, *, source: str = "proxy") -> Proxy:
        """The proxy ``url`` names: ``http://[user:password@]host[:port]``.

        A URL with no scheme (``proxy.corp:3128``) is taken as ``http://``, as curl does; the port
        defaults to 80. ``source`` (``proxy``, ``HTTPS_PROXY``, ...) names where the URL came from
        in the :class:`ConfigurationError` for one that is refused; the message never quotes the
        URL, which may carry a password.
        """
        if not isinstance(url, str):
            raise ConfigurationError(f"{source} must be a URL string or a Proxy")
        text = url.strip()
        if "://" not in text:
            text = f"http://{text}"
        try:
            parts = urlsplit(text)
            port = parts.port
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            valid = False
        else:
            valid = bool(host)
        if not valid:
            raise ConfigurationError(f"{source} is not a valid proxy URL (http://host:port)")
        if parts.scheme.lower() != "http":
            raise ConfigurationError(
                f"{source} uses {parts.scheme}://; only http:// proxies are supported "
                "(an https:// endpoint is still encrypted end to end inside the CONNECT tunnel)"
            )
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(host, port or 80, username, password)

    @property
    def url(self) -> str:
        """``http://host:port``: what may be shown (never the credentials)."""
        return f"http://{self.where}"

    @property
    def where(self) -> str:
        """``host:port``, for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value for the credentials (RFC 7617), or None."""
        if self.username is None:
            return None
        pair = f"{self.username}:{self.password or ''}".encode()
        return "Basic " + b64encode(pair).decode("ascii")

    def __repr__(self) -> str:
        shown = "***@" if self.username is not None else ""
        return f"Proxy('http://{shown}{self.where}')"


def route_where(endpoint: Endpoint, proxy: Proxy | None) -> str:
    """``host:port`` of ``endpoint`` for messages, with the proxy it goes through, if any
    (``tokens.example.com:443 via proxy proxy.corp:3128``): never a path, never credentials."""
    return endpoint.where if proxy is None else f"{endpoint.where} via proxy {proxy.where}"


def _env(environ: Mapping[str, str], name: str, *, upper: bool = True) -> tuple[str, str] | None:
    """``(value, variable)`` for ``name``, or None if unset or empty.

    The lower-case variable wins when it is set at all (an empty one means "none", as urllib reads
    it); the upper-case one is read only if ``upper``.
    """
    for variable in (name, name.upper()) if upper else (name,):
        value = environ.get(variable)
        if value is not None:
            value = value.strip()
            return (value, variable) if value else None
    return None


def bypasses(host: str, port: int, no_proxy: str) -> bool:
    """True if ``NO_PROXY`` (``no_proxy``) sends ``host:port`` direct, as curl reads it.

    Entries are separated by commas (or spaces). ``*`` matches every host. A name matches
    itself and every name under it (``example.com`` and ``.example.com`` both match
    ``tokens.example.com``); an IP address matches itself, and a CIDR block (``10.0.0.0/8``)
    every address in it; an entry with a port (``example.com:8443``, ``[::1]:443``) matches
    that port only. Names compare without case and without a trailing dot.
    """
    host = host.strip("[]").lower().rstrip(".")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for text in no_proxy.replace(",", " ").split():
        if text == "*":
            return True
        pattern, pattern_port = _split_entry(text.lower())
        if pattern_port is not None and pattern_port != port:
            continue
        if address is not None:
            if _address_matches(address, pattern):
                return True
            continue
        pattern = pattern.removeprefix("*").strip(".")
        if pattern and (host == pattern or host.endswith("." + pattern)):
            return True
    return False


def _split_entry(entry: str) -> tuple[str, int | None]:
    """A ``NO_PROXY`` entry as (host or block, port or None)."""
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:  # name:port or v4:port (a bare v6 address has several colons)
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def _address_matches(address: ipaddress.IPv4Address | ipaddress.IPv6Address, pattern: str) -> bool:
    try:
        return address in ipaddress.ip_network(pattern, strict=False)
    except ValueError:  # a name: it cannot match an address
        return False


class ProxyChoice:
    """Which proxy, if any, each endpoint goes through, decided once per transport.

    Built from the transport's options when the transport is built (the environment is read
    then); :meth:`for_endpoint` is asked once per endpoint URL, when the transport first sees it,
    and, when a proxy was in play, logs its answer and the reason at DEBUG under
    ``tokenwire.transport`` (the proxy by :attr:`Proxy.where`, never its credentials).

    A proxy the environment names but tokenwire cannot use (``https://``, ``socks5://``, a bad
    URL) is refused only for an endpoint that would go through it: the
    :class:`ConfigurationError` comes from :meth:`for_endpoint`, so a shell whose
    ``HTTPS_PROXY`` is for other tools still reaches loopback and ``NO_PROXY`` hosts.
    A ``proxy=`` named in code is checked at once.
    """

    __slots__ = ("_by_scheme", "_explicit", "_no_proxy", "_refused")

    def __init__(
        self,
        proxy: Proxy | str | None,
        trust_env: bool,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._explicit = Proxy.parse(proxy) if isinstance(proxy, str) else proxy
        #: scheme -> (proxy, the variable it came from)
        self._by_scheme: dict[str, tuple[Proxy, str]] = {}
        #: scheme -> why the environment's proxy for it cannot be used
        self._refused: dict[str, str] = {}
        self._no_proxy = ""
        if self._explicit is not None or not trust_env:
            return
        env = os.environ if environ is None else environ
        # HTTP_PROXY is also what CGI makes of a client's "Proxy:" header (httpoxy): not trusted
        # in a CGI request, as urllib and curl do.
        cgi = "REQUEST_METHOD" in env
        every = _env(env, "all_proxy")
        for scheme, name, upper in (
            ("https", "https_proxy", True),
            ("http", "http_proxy", not cgi),
        ):
            found = _env(env, name, upper=upper) or every
            if found is not None:
                value, variable = found
                try:
                    self._by_scheme[scheme] = (Proxy.parse(value, source=variable), variable)
                except ConfigurationError as exc:  # its message names the variable, not the URL
                    self._refused[scheme] = str(exc)
        no_proxy = _env(env, "no_proxy")
        self._no_proxy = no_proxy[0] if no_proxy else ""

    @property
    def routes(self) -> tuple[Proxy | None, ...]:
        """Every way out an endpoint may be given: None (direct) and each proxy, once each.

        A transport keeps one connection pool per route, built up front (a pool holds no
        connection until used), so no lock is needed to add one later.
        """
        if self._explicit is not None:
            return (self._explicit,)
        return (None, *dict.fromkeys(proxy for proxy, _ in self._by_scheme.values()))

    def for_endpoint(self, endpoint: Endpoint) -> Proxy | None:
        """The proxy ``endpoint`` goes through, or None to connect direct."""
        proxy, why = self._choose(endpoint)
        if why is not _UNSET and _log.isEnabledFor(logging.DEBUG):
            way = "direct" if proxy is None else f"via proxy {proxy.where}"
            _log.debug("%s", f"{endpoint.where} goes {way} ({why})")  # formatted, as all are
        return proxy

    def _choose(self, endpoint: Endpoint) -> tuple[Proxy | None, str]:
        if self._explicit is not None:
            return self._explicit, "proxy="
        scheme = endpoint.scheme
        chosen = self._by_scheme.get(scheme)
        if chosen is None and scheme not in self._refused:
            return None, _UNSET
        if is_loopback_host(endpoint.host):
            return None, "loopback is not proxied from the environment"
        if self._no_proxy and bypasses(endpoint.host, endpoint.port, self._no_proxy):
            return None, "NO_PROXY"
        if chosen is None:
            raise ConfigurationError(
                f"{endpoint.where} would go through a proxy: {self._refused[scheme]}"
            )
        return chosen
