"""``deadline=`` on a client and per call: what each attempt is sent with, what a bad one says.

The requests go to the replay server over loopback through a transport that records the
``timeout`` each request carried before sending it on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops_replies import token_reply
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.replay import ReplayServer
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    Profile,
)

AUTH = ClientAuth("deadline-client", "DeadlineClientSecret-5f3e10")
OK = token_reply(access_token="DeadlineAccess-0c9b7a", expires_in=60)


class Recording:
    """Sends through ``StdlibTransport``, keeping each request's ``timeout``."""

    def __init__(self) -> None:
        self.inner = StdlibTransport()
        self.timeouts: list[float | None] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.timeouts.append(request.timeout)
        return self.inner.send(request)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


def test_a_call_s_deadline_overrides_the_client_s_and_bounds_the_attempt(
    server: ReplayServer,
) -> None:
    server.arm([OK] * 5)
    recording = Recording()
    profile = Profile(token_url=f"{server.base_url}/token")
    with TokenClient(profile, AUTH, recording, deadline=5.0) as client:
        client.client_credentials()
        client.client_credentials(deadline=1.0)
        client.request(ClientCredentials(), deadline=2.0)
    with TokenClient(profile, AUTH, recording) as client:
        client.client_credentials()
        client.client_credentials(deadline=0.5)
    first, second, third, none, last = recording.timeouts
    assert none is None
    # Each attempt gets what is left of its deadline: a little under the whole of it.
    for sent, deadline in ((first, 5.0), (second, 1.0), (third, 2.0), (last, 0.5)):
        assert sent is not None
        assert deadline / 2 < sent <= deadline
    assert server.take().requests == 5


@pytest.mark.parametrize("deadline", [0, -1, float("nan"), float("inf"), "3"])
def test_a_deadline_that_is_not_a_positive_number_is_refused_when_given(deadline: object) -> None:
    profile = Profile(token_url="http://127.0.0.1:9/token")
    with pytest.raises(ConfigurationError, match="deadline"):
        TokenClient(profile, AUTH, StdlibTransport(), deadline=deadline)  # type: ignore[arg-type]
    client = TokenClient(profile, AUTH, StdlibTransport())
    with pytest.raises(ConfigurationError, match="deadline"):
        client.client_credentials(deadline=deadline)  # type: ignore[arg-type]
