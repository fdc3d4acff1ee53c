"""The transport interface as a package: its names, what a transport declares, the one table of
built-in transports, and errors from a caller's bad input that keep no secret anywhere."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import pkgutil
from collections.abc import Callable
from typing import ClassVar

import pytest

from tests.error_chain import chain
from tests.transport_harness import HARNESSES, Harness, assert_no_secret, post
from tests.transport_servers import ACCESS, CLIENT_SECRET, Handler, Server
from tokenwire.adapters import transport as transport_package
from tokenwire.adapters.cli import build_parser
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport, HttpcoreTransport
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    BuiltinTransport,
    TransportOptions,
    build_sync_transport,
    default_library,
    sync_libraries,
    transport_options,
    transport_runtime_headers,
)
from tokenwire.conformance.loopback import HOST
from tokenwire.conformance.runner import builtin_transports
from tokenwire.core import ConfigurationError, HttpRequest, HttpResponse, basic_authorization

SUBMODULES = sorted(info.name for info in pkgutil.iter_modules(transport_package.__path__))


# --- the package --------------------------------------------------------------------------------


def test_the_package_re_exports_every_public_name_of_its_modules() -> None:
    modules = [importlib.import_module(f"tokenwire.adapters.transport.{n}") for n in SUBMODULES]
    assert {m.__name__.rsplit(".", 1)[1] for m in modules} >= {
        "interface",
        "options",
        "tls",
        "endpoint",
        "failures",
        "headers",
        "registry",
    }
    exported = set(transport_package.__all__)
    for module in modules:
        assert module.__doc__, f"{module.__name__} has no docstring"
        for name in module.__all__:
            assert name in exported, f"{module.__name__}.{name} is not re-exported"
            assert getattr(transport_package, name) is getattr(module, name)
    declared = {name for m in modules for name in m.__all__}
    assert exported == declared


def test_every_public_name_has_a_docstring() -> None:
    for name in transport_package.__all__:
        value = getattr(transport_package, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert getattr(value, "__doc__", None), f"{name} has no docstring"


# --- what a transport declares ------------------------------------------------------------------


class Bare:
    """A transport with nothing but ``send``: it declares nothing, and still fits."""

    def send(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=204, headers=(), body=b"")


class Misdeclared(Bare):
    options: ClassVar[object] = {"total_timeout": 5}
    runtime_headers: ClassVar[object] = "accept-encoding"  # a string, not a set of names


class BrowserFetch(Bare):
    runtime_headers = frozenset({"Accept-Encoding", "Sec-Fetch-*"})


def test_every_builtin_transport_declares_the_options_it_was_built_with() -> None:
    options = TransportOptions(total_timeout=7.0)
    for entry in BUILTIN_TRANSPORTS:
        built = entry.build(options)
        assert transport_options(built) is options
        assert transport_options(entry.build()) == TransportOptions()


def test_a_transport_that_declares_no_options_has_none() -> None:
    assert transport_options(Bare()) is None
    assert transport_options(Misdeclared()) is None  # a dict is not TransportOptions


def test_runtime_headers_are_read_lower_cased_and_builtin_transports_declare_none() -> None:
    assert transport_runtime_headers(BrowserFetch()) == {"accept-encoding", "sec-fetch-*"}
    assert transport_runtime_headers(Bare()) == frozenset()
    for entry in BUILTIN_TRANSPORTS:
        assert transport_runtime_headers(entry.build()) == frozenset()


def test_a_runtime_headers_declaration_that_is_not_a_set_of_names_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="runtime_headers"):
        transport_runtime_headers(Misdeclared())


# --- one table of built-in transports -----------------------------------------------------------


def test_the_runner_and_the_test_harness_use_the_one_table() -> None:
    names = [entry.name for entry in BUILTIN_TRANSPORTS]
    assert names == ["httpcore-sync", "httpcore-asyncio", "httpcore-trio", "stdlib"]
    assert [spec.name for spec in builtin_transports()] == names
    assert [spec.mode for spec in builtin_transports()] == [e.mode for e in BUILTIN_TRANSPORTS]
    assert [h.name for h in HARNESSES] == names


def test_each_row_builds_its_transport() -> None:
    built = [type(entry.build()).__name__ for entry in BUILTIN_TRANSPORTS]
    assert built == [
        HttpcoreTransport.__name__,
        AsyncHttpcoreTransport.__name__,
        AsyncHttpcoreTransport.__name__,
        StdlibTransport.__name__,
    ]
    assert type(build_sync_transport("stdlib")) is StdlibTransport
    with pytest.raises(ConfigurationError, match="unknown transport"):
        build_sync_transport("curl")


def test_a_row_whose_library_is_missing_says_how_to_install_it() -> None:
    missing = BuiltinTransport(
        "nowhere-sync", "nowhere", "sync", "tokenwire.adapters.no_such_module:X", ("no_such_lib",)
    )
    assert not missing.available
    with pytest.raises(ConfigurationError, match="pip install"):
        missing.build()


def test_without_httpcore_the_default_transport_is_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "httpcore" else real(name)

    assert default_library() == "httpcore"
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert default_library() == "stdlib"


def _transport_choices(parser: argparse.ArgumentParser, command: str) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    option = next(a for a in sub.choices[command]._actions if "--transport" in a.option_strings)
    return list(option.choices or ())


def test_every_transport_option_on_the_command_line_offers_the_tables_sync_transports() -> None:
    parser = build_parser()
    assert list(sync_libraries()) == ["httpcore", "stdlib"]
    assert _transport_choices(parser, "token") == list(sync_libraries())
    assert _transport_choices(parser, "conformance") == list(sync_libraries())


# --- errors from a caller's bad input keep no secret ---------------------------------------------

BAD_HEADERS = [
    pytest.param(("Authorization", f"Bearer {ACCESS}\r\nX-Injected: 1"), id="crlf-bearer"),
    pytest.param(("Authorization", f"Bearer {ACCESS}\u2603"), id="non-latin-1-bearer"),
    pytest.param(
        ("Authorization", basic_authorization("tw-client", CLIENT_SECRET) + "\u2603"),
        id="non-latin-1-basic",
    ),
    pytest.param(("Authorization", f"Bearer {ACCESS}\x00"), id="nul-bearer"),
    pytest.param((f"X-{ACCESS} bad", "1"), id="secret-in-a-bad-name"),
]

BAD_URLS = [
    pytest.param(
        f"http://{HOST}:{{port}}/token?client_secret={CLIENT_SECRET}\u2603", id="non-ascii"
    ),
    pytest.param(f"http://{HOST}:{{port}}/t\u00e9?access_token={ACCESS}", id="non-ascii-path"),
    pytest.param(f"http://u:{CLIENT_SECRET}@{HOST}:{{port}}/token", id="userinfo"),
    pytest.param(f"http://{HOST}:{CLIENT_SECRET}/token", id="bad-port"),
    pytest.param(f"http://example.com/token?client_secret={CLIENT_SECRET}", id="plain-http"),
    pytest.param(f"http://{HOST}:{{port}}/token?x={CLIENT_SECRET}\n", id="control-character"),
]


@pytest.mark.parametrize("header", BAD_HEADERS)
def test_a_refused_header_keeps_no_secret_in_its_cause_or_context(
    harness: Harness, serve: Callable[..., Server], header: tuple[str, str]
) -> None:
    server = serve(Handler)
    [error] = harness.exchange([post(server.url, (header,))])

    assert isinstance(error, ConfigurationError)
    assert_no_secret(error)
    assert chain(error) == [error]  # raised outside any handler: nothing chained
    assert server.requests == []


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_refused_url_keeps_no_secret_in_its_cause_or_context(
    harness: Harness, serve: Callable[..., Server], url: str
) -> None:
    server = serve(Handler)
    [error] = harness.exchange([post(url.format(port=server.port))])

    assert isinstance(error, ConfigurationError)
    assert_no_secret(error)
    assert chain(error) == [error]
    assert server.requests == []
