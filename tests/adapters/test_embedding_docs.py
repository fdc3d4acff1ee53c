"""Every Python example in docs/embedding.md runs, as written, against real loopback servers.

The blocks are read from the Markdown and executed with the names the page says they get
(``profile``, ``CLIENT_ID``, ``CLIENT_SECRET``, ``API_URL``): the embedded reference provider
issues the tokens and the protected resource server of the bearer tests answers ``API_URL``.
Each example runs twice: once plainly, once against an API that rejects the first token it sees,
which the example must get past with one renewal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.resource_server import protected_resource
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider

DOC = Path(__file__).parents[2] / "docs" / "embedding.md"
ALL_BLOCKS = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
#: The API-calling examples; the login ones after them are run by test_embedding_login_docs.py.
BLOCKS = ALL_BLOCKS[:3]


def test_the_page_has_its_three_api_examples_first() -> None:
    assert len(ALL_BLOCKS) == 7
    assert [("httpx" in b, "requests" in b) for b in BLOCKS] == [
        (True, False),
        (True, False),
        (False, True),
    ]


@pytest.mark.parametrize("rejects_first", [False, True], ids=["plain", "first-token-rejected"])
@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=["httpx", "httpx-async", "requests"])
def test_a_docs_example_calls_the_api_with_a_token(index: int, rejects_first: bool) -> None:
    with ReferenceProvider("rfc6749") as provider, protected_resource(None) as resource:
        resource.revoke_first = rejects_first
        namespace = {
            "__name__": "embedding_example",
            "profile": provider.profile(),
            "CLIENT_ID": POST_CLIENT.client_id,
            "CLIENT_SECRET": POST_CLIENT.client_secret,
            "API_URL": resource.url(),
        }
        exec(compile(BLOCKS[index], f"{DOC}:block{index}", "exec"), namespace)  # noqa: S102
        tokens = resource.tokens()
        assert [seen.status for seen in resource.seen] == ([401, 200] if rejects_first else [200])
        assert provider.token_requests == len(tokens)
        assert None not in tokens
        assert len(set(tokens)) == len(tokens)
