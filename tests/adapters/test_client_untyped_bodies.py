"""A TokenClient meeting invalid UTF-8 inside a JSON string gets a ProtocolError (issue 9.7).

msgspec raises ``UnicodeDecodeError`` for it, whose ``.object`` holds the raw bytes (a token):
the error must be typed and keep no bytes, through every transport.
"""

from __future__ import annotations

import pytest

from tests.error_chain import chain
from tests.raw_http import raw_endpoint
from tokenwire.adapters import profiles
from tokenwire.core import ClientAuth, ClientCredentials, ProtocolError

BODY = b'{"access_token": "AT-\xff\xfe-SECRETBYTES", "token_type": "Bearer"}'


@pytest.mark.parametrize("transport", ["httpcore", "stdlib"])
def test_invalid_utf8_in_a_token_response_is_a_protocol_error_that_keeps_no_bytes(
    transport: str,
) -> None:
    with raw_endpoint(BODY) as endpoint:
        profile = profiles.generic(endpoint.url)
        auth = ClientAuth("c", "client-secret-value", "client_secret_post")
        if transport == "httpcore":
            from tokenwire.adapters.httpcore import TokenClient

            with TokenClient(profile, auth) as client, pytest.raises(ProtocolError) as caught:
                client.request(ClientCredentials())
        else:
            from tokenwire.adapters.stdlib import TokenClient as StdlibTokenClient

            with StdlibTokenClient(profile, auth) as client, pytest.raises(ProtocolError) as caught:
                client.request(ClientCredentials())
    for error in chain(caught.value):
        assert not isinstance(error, UnicodeDecodeError)
        assert "SECRETBYTES" not in str(error)
        assert "SECRETBYTES" not in repr(error.args)
