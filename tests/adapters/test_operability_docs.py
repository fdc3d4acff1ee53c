"""The examples of docs/operability.md run as written, against the replay server over loopback.

The page's blocks are executed in order in one namespace, given the names the page says they get
(``profile``, ``CLIENT_ID``, ``CLIENT_SECRET``). The token endpoint answers each request first
with a 503 and ``Retry-After: 0``, then with a token, so every example sees a retry. The
OpenTelemetry example's spans are read back from the SDK's in-memory exporter; the counters
example's ``Counter`` is read from the namespace. Trace events themselves are checked here too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.ops_replies import BUSY, token_reply
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.trace import RequestFinished, RequestStarted, RetryScheduled
from tokenwire.conformance.replay import ReplayServer
from tokenwire.core import ClientAuth, ClientCredentials, Profile, RetryPolicy

DOC = Path(__file__).parents[2] / "docs" / "operability.md"
#: The page's runnable examples, in order (a block marked as a fragment, such as the proxy one,
#: needs a proxy and is run in spirit by tests/adapters/test_proxy.py instead).
BLOCKS = [
    code
    for marker, code in re.findall(
        r"^(<!-- fragment[^\n]*-->\n)?```python\n(.*?)^```$",
        DOC.read_text(encoding="utf-8"),
        re.M | re.S,
    )
    if not marker
]

OK = token_reply(access_token="OpsAccessToken-3f9a1c", expires_in=60)
EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's OpenTelemetry provider (set once: the API allows one) exporting to memory."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    otel_trace.set_tracer_provider(provider)
    return EXPORTER


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


@pytest.fixture
def restored_levels() -> Iterator[None]:
    names = ("", "tokenwire.flow", "tokenwire.source")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_page_has_its_three_examples() -> None:
    assert len(BLOCKS) == 3
    assert "logging" in BLOCKS[0]
    assert "opentelemetry" in BLOCKS[1]
    assert "Counter" in BLOCKS[2]


def test_the_examples_log_count_and_make_spans_for_every_attempt(
    exporter: InMemorySpanExporter, server: ReplayServer, restored_levels: None
) -> None:
    exporter.clear()
    server.arm([BUSY, OK, BUSY, OK])
    namespace: dict[str, Any] = {
        "__name__": "operability_example",
        "profile": Profile(token_url=f"{server.base_url}/token"),
        "CLIENT_ID": "ops-client",
        "CLIENT_SECRET": "OpsClientSecret-0b7e44",
    }
    for index, block in enumerate(BLOCKS):
        exec(compile(block, f"{DOC}:block{index}", "exec"), namespace)  # noqa: S102
    assert logging.getLogger("tokenwire.flow").getEffectiveLevel() == logging.DEBUG
    assert server.take().requests == 4
    spans = exporter.get_finished_spans()
    assert [(s.name, (s.attributes or {}).get("http.response.status_code")) for s in spans] == [
        ("oauth client_credentials", 503),
        ("oauth client_credentials", 200),
    ] * 2
    assert [(s.attributes or {}).get("tokenwire.attempt") for s in spans] == [1, 2, 1, 2]
    assert dict(namespace["counters"]) == {
        'tokenwire_requests_total{outcome="503"}': 1,
        'tokenwire_requests_total{outcome="200"}': 1,
        "tokenwire_request_seconds_sum": pytest.approx(
            namespace["counters"]["tokenwire_request_seconds_sum"]
        ),
        'tokenwire_retries_total{reason="HTTP 503 temporarily_unavailable"}': 1,
    }
    assert namespace["open_spans"] == {}


def test_a_client_reports_each_attempt_and_retry_to_every_callback(server: ReplayServer) -> None:
    seen: list[object] = []
    also: list[object] = []
    server.arm([BUSY, OK])
    profile = Profile(token_url=f"{server.base_url}/token")
    retry = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
    auth = ClientAuth("c", "TraceClientSecret-71d0ee")
    with TokenClient(
        profile, auth, StdlibTransport(), retry=retry, trace=[seen.append, also.append]
    ) as client:
        client.request(ClientCredentials(), deadline=30.0)
    assert seen == also
    kinds = [type(event) for event in seen]
    assert kinds == [
        RequestStarted,
        RequestFinished,
        RetryScheduled,
        RequestStarted,
        RequestFinished,
    ]
    first, finished, retried = seen[0], seen[1], seen[2]
    assert isinstance(first, RequestStarted)
    assert (first.operation, first.method, first.attempt) == ("client_credentials", "POST", 1)
    assert first.timeout is not None
    assert 0 < first.timeout <= 30.0
    assert isinstance(finished, RequestFinished)
    assert (finished.status, finished.error) == (503, None)
    assert isinstance(retried, RetryScheduled)
    assert (retried.reason, retried.delay, retried.retry_after) == (
        "HTTP 503 temporarily_unavailable",
        0.0,
        True,
    )


def test_a_callback_that_raises_does_not_fail_the_request(
    server: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("metrics backend down")

    server.arm([OK])
    profile = Profile(token_url=f"{server.base_url}/token")
    auth = ClientAuth("c", method="none")
    with TokenClient(profile, auth, StdlibTransport(), trace=broken) as client:
        token = client.request(ClientCredentials())
    assert token.token_type == "Bearer"
    assert [r.getMessage() for r in caplog.records if r.name == "tokenwire.trace"] == [
        "trace callback failed: RuntimeError"
    ] * 2
