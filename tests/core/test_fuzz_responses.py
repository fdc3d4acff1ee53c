"""100,000 hostile responses through ``parse_token_response`` (issue 9, acceptance).

Only a ``Token`` or a ``TokenwireError`` comes out, and no secret (what the request carried, or a
token the server issued) is in any message, repr or argument of the error or of anything in its
``__cause__`` / ``__context__`` chain. What the request carried is not in its attributes either
(``OAuthError.description`` keeps the rest of the server's words as sent).
"""

from __future__ import annotations

import pytest

from tests.core.fuzz_bodies import KNOWN, BodyMaker, all_secrets
from tests.error_chain import shown
from tokenwire.core import Profile, Token, TokenwireError, parse_token_response
from tokenwire.core.redact import Secrets

RESPONSES = 100_000
PROFILE = Profile(token_url="https://as.example.com/token")


# About 40 s of CPU since the JSON nesting guard scans every bracket-heavy body (the fuzzer
# makes many); the default 120 s limit is too tight on a loaded machine.
@pytest.mark.timeout(300)
def test_100000_hostile_responses_give_typed_errors_that_show_no_secret() -> None:
    maker = BodyMaker(seed=20261130)
    secrets = all_secrets()
    carried = all_secrets(KNOWN)
    known = Secrets(KNOWN)  # built once, as a flow does
    kinds: dict[str, int] = {}
    for _ in range(RESPONSES):
        response = maker.make()
        try:
            result = parse_token_response(PROFILE, response, received_at=0.0, secrets=known)
        except TokenwireError as error:
            kinds[type(error).__name__] = kinds.get(type(error).__name__, 0) + 1
            text = shown(error, attributes=False)
            leaked = [secret for secret in secrets if secret in text]
            attributes = shown(error, attributes=True)
            leaked += [secret for secret in carried if secret in attributes]
            assert not leaked, (leaked, response)
            continue
        # Any other exception fails the test with its traceback.
        assert isinstance(result, Token)
        kinds["Token"] = kinds.get("Token", 0) + 1
    assert sum(kinds.values()) == RESPONSES
    # The generator reaches every outcome the parser has.
    assert {"Token", "ProtocolError", "InvalidGrant"} <= kinds.keys()
