"""The hand-tuned form encoder is exactly ``quote_plus(s, safe="*")``, and decoding inverts it."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tokenwire.core import ConfigurationError, decode_form, encode_form
from tokenwire.core.form import form_escape, form_value

#: Any text UTF-8 can carry (a lone surrogate cannot, and is refused: see below).
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
#: Mostly plain characters, so the fast paths (nothing to escape) are taken often too.
PLAIN_ISH = st.text(st.sampled_from("abcXYZ019*-._ +=&%~/:é€😀"))
FIELDS = st.lists(st.tuples(TEXT | PLAIN_ISH, TEXT | PLAIN_ISH), max_size=6)


@given(TEXT | PLAIN_ISH)
@example("")
@example("a b+c*d~e")
@example("s:e%41c+r et%/=&?")
def test_escaping_one_value_equals_quote_plus_with_star_safe(value: str) -> None:
    assert form_escape(value) == quote_plus(value, safe="*")
    assert form_value(value) == quote_plus(value, safe="*").encode("ascii")


@given(FIELDS)
@example([])
@example([("", "")])
@example([("grant_type", "client_credentials"), ("scope", "a=b&c")])
def test_a_form_body_is_each_pair_quote_plus_encoded_and_joined(
    fields: list[tuple[str, str]],
) -> None:
    expected = "&".join(
        f"{quote_plus(name, safe='*')}={quote_plus(value, safe='*')}" for name, value in fields
    )
    assert encode_form(fields) == expected.encode("ascii")


@given(FIELDS)
def test_decoding_an_encoded_form_gives_back_the_same_pairs_in_order(
    fields: list[tuple[str, str]],
) -> None:
    assert decode_form(encode_form(fields)) == fields
    assert decode_form(encode_form(fields).decode("ascii")) == fields


@pytest.mark.parametrize("value", ["\ud800", "ok\udfffok"])
def test_a_lone_surrogate_is_a_configuration_error_that_keeps_no_copy_of_the_value(
    value: str,
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        encode_form([("client_secret", value)])
    assert value not in str(caught.value)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
