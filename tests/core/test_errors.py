"""The error hierarchy: one root, one class per OAuth code, attributes that survive pickling,
and messages that show no secret."""

from __future__ import annotations

import importlib
import inspect
import pickle
import sys

import pytest

from tests.layering import modules_under
from tokenwire.core import IdTokenError, UserinfoError, errors
from tokenwire.core.errors import (
    ERROR_CLASSES,
    OAuthError,
    ProtocolError,
    ReauthorizationRequired,
    TokenwireError,
    TransportError,
    oauth_error,
)

SECRET = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXJlZnJlc2gtdG9rZW4.Zm9vYmFy"


#: Read through a variable: mypy would judge a literal ``sys.platform`` test for its own platform.
PLATFORM: str = sys.platform


def _declared_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in modules_under():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Inside Pyodide (tests/pyodide) only core and adapters are installed, without the
            # optional extras (httpcore, redis) and the conformance suite's dependencies.
            if PLATFORM != "emscripten" or exc.name in ("tokenwire.core", "tokenwire.adapters"):
                raise
            continue
        for public in getattr(module, "__all__", ()):
            obj = getattr(module, public)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[key] for key in sorted(found)]


DECLARED = _declared_exceptions()


def test_the_three_distributions_declare_their_errors() -> None:
    names = {cls.__name__ for cls in DECLARED}
    assert {"InvalidGrant", "ProtocolError", "StoreError", "RefreshTimeout"} <= names


@pytest.mark.parametrize("cls", DECLARED, ids=lambda cls: cls.__name__)
def test_every_declared_error_is_a_tokenwire_error(cls: type[BaseException]) -> None:
    assert issubclass(cls, TokenwireError)


def test_every_oauth_error_class_with_a_code_is_what_that_code_builds() -> None:
    subclasses = [cls for cls in vars(errors).values() if inspect.isclass(cls)]
    coded = [
        cls
        for cls in subclasses
        if issubclass(cls, OAuthError) and cls is not OAuthError and "code" in vars(cls)
    ]
    assert len(coded) == len(ERROR_CLASSES) == 14
    for cls in coded:
        assert cls.code is not None
        built = oauth_error(cls.code, "why", "https://as.example/e", status=400)
        assert type(built) is cls
        assert (built.error, built.description, built.uri, built.status) == (
            cls.code,
            "why",
            "https://as.example/e",
            400,
        )


def test_an_unknown_code_builds_a_plain_oauth_error_that_keeps_the_code() -> None:
    built = oauth_error("vendor_specific", status=400)
    assert type(built) is OAuthError
    assert built.error == "vendor_specific"


def test_the_errors_that_blame_the_request_end_retries_and_the_transient_ones_do_not() -> None:
    ending = {code for code, cls in ERROR_CLASSES.items() if cls.ends_retries}
    assert ending == {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        # RFC 8628 §3.5 and RFC 7009 §2.2.1: the device flow, not the token flow's back-off,
        # decides what follows a pending or slow-down answer.
        "authorization_pending",
        "slow_down",
        "expired_token",
        "unsupported_token_type",
    }
    assert ReauthorizationRequired.ends_retries
    assert not OAuthError.ends_retries


def _sample(cls: type[TokenwireError]) -> TokenwireError:
    if issubclass(cls, OAuthError):
        return cls(cls.code or "vendor_error", "description", "https://as.example/e", status=400)
    if issubclass(cls, ProtocolError):
        return cls("bad answer", status=502, excerpt="<html>")
    if issubclass(cls, TransportError):
        return cls("connect failed", sent=False)
    if cls is IdTokenError:
        return IdTokenError("nonce_mismatch", "the nonce is not the one sent")
    if cls is UserinfoError:
        return UserinfoError("error_status", "userinfo answered 401", status=401)
    if cls.__name__ == "LoginError":  # tokenwire.adapters.login: (reason, message)
        return cls("replayed", "this login was finished already")
    return cls("what went wrong")


@pytest.mark.parametrize("cls", DECLARED, ids=lambda cls: cls.__name__)
def test_pickling_keeps_the_class_the_message_and_every_attribute(
    cls: type[TokenwireError],
) -> None:
    error = _sample(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


@pytest.mark.parametrize("cls", [*ERROR_CLASSES.values(), OAuthError], ids=lambda c: c.__name__)
def test_an_oauth_errors_str_and_repr_show_no_secret_sent_in_its_description(
    cls: type[OAuthError],
) -> None:
    error = cls(cls.code or "vendor_error", f"refresh token {SECRET} was revoked", status=400)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert "revoked" in str(error)


def test_a_secret_sent_as_the_error_code_is_not_shown_either() -> None:
    error = oauth_error(SECRET)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
