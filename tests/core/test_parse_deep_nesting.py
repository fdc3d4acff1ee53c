"""JSON nested deeper than the core's bound is refused before any decoder sees it.

A decoder recurses once per level: on CPython that is a ``RecursionError``, inside WebAssembly
(Pyodide) it overflows msgspec's C stack and kills the interpreter. These tests run on CPython
and, through ``tests/pyodide``, inside Pyodide, where the last one proves the interpreter lives on.
"""

from __future__ import annotations

import pytest

from tokenwire.core import HttpResponse, Profile, ProtocolError, Token, parse_token_response
from tokenwire.core.response import MAX_JSON_DEPTH

PROFILE = Profile(token_url="https://as.example.com/token")
TOKEN = b'{"access_token":"AT","token_type":"Bearer"'


def parse(body: bytes, status: int = 200) -> Token:
    response = HttpResponse(
        status=status, headers=(("Content-Type", "application/json"),), body=body
    )
    return parse_token_response(PROFILE, response, received_at=0.0)


@pytest.mark.parametrize("status", [200, 400, 502])
def test_five_thousand_open_brackets_are_a_protocol_error_on_any_status(status: int) -> None:
    with pytest.raises(ProtocolError, match="nested deeper than 64") as caught:
        parse(b"[" * 5000, status)
    assert caught.value.status == status


def test_a_deep_object_chain_inside_a_token_response_is_refused() -> None:
    deep = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    with pytest.raises(ProtocolError, match="nested deeper"):
        parse(TOKEN + b',"extra":' + deep + b"}")


def test_nesting_at_the_bound_is_accepted_and_one_more_level_is_not() -> None:
    # The token object itself is one level, so the member holds MAX_JSON_DEPTH - 1 more.
    inner = MAX_JSON_DEPTH - 1
    at_bound = TOKEN + b',"extra":' + b"[" * inner + b"]" * inner + b"}"
    token = parse(at_bound)
    assert token.access_token == "AT"
    over = TOKEN + b',"extra":' + b"[" * (inner + 1) + b"]" * (inner + 1) + b"}"
    with pytest.raises(ProtocolError, match="nested deeper"):
        parse(over)


def test_many_brackets_side_by_side_or_inside_strings_are_not_depth() -> None:
    wide = b"[" + b"[],".join([b""] * 500) + b"[]]"
    quoted = b'"' + b"[" * 5000 + b'"'
    token = parse(TOKEN + b',"wide":' + wide + b',"quoted":' + quoted + b"}")
    assert token.extra["quoted"] == "[" * 5000
    assert len(token.extra["wide"]) == 500


def test_the_interpreter_answers_the_next_call_after_a_deep_body() -> None:
    for _ in range(3):
        with pytest.raises(ProtocolError):
            parse(b"[" * 100_000)
    token = parse(TOKEN + b"}")
    assert token.access_token == "AT"


@pytest.mark.parametrize(
    "member",
    [
        b'[{"a":' * 40 + b"1" + b"}]" * 40,  # 80 levels, the two kinds alternating
        b"[" * 5000 + b"}",  # deep, and not even matched
        b"]" * 10 + b"[" * 70,  # closers first do not buy depth back
    ],
    ids=["mixed-kinds", "unmatched", "closers-first"],
)
def test_deep_or_unmatched_bracket_runs_are_refused(member: bytes) -> None:
    with pytest.raises(ProtocolError, match="nested deeper"):
        parse(TOKEN + b',"extra":' + member + b"}")


def test_escaped_quotes_do_not_end_a_string_early() -> None:
    text = b'"\\"' + b"[" * 100 + b'\\\\"'  # a quote, a run of brackets, a backslash
    token = parse(TOKEN + b',"text":' + text + b"}")
    assert token.extra["text"] == '"' + "[" * 100 + "\\"
