"""``tokenwire conformance --token-url ...``: the probe command, run in-process.

Each format is parsed back (JSON with msgspec, JUnit with ElementTree), the exit codes are the
documented ones, and neither stdout nor stderr ever shows the client secret or a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import msgspec
import pytest

from tests.conformance.test_probe_reference import TOKEN, assert_no_secret, refresh_token_for
from tokenwire.adapters.cli import main
from tokenwire.conformance.junit import junit_xml
from tokenwire.conformance.probes import CHECKS, MAX_REQUESTS
from tokenwire.conformance.reference import BASIC_CLIENT, POST_CLIENT, ReferenceProvider
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.suite import CaseResult


@pytest.fixture
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENWIRE_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("TOKENWIRE_REFRESH_TOKEN", raising=False)


def parse_xml(text: str) -> ET.Element:
    """Parse JUnit XML that tokenwire itself just wrote (so no untrusted input)."""
    return ET.fromstring(text)  # noqa: S314


def probe_args(url: str, *extra: str, client: str = "basic") -> list[str]:
    registered = BASIC_CLIENT if client == "basic" else POST_CLIENT
    assert registered.client_secret is not None
    return [
        "conformance",
        "--token-url",
        url,
        "--client-id",
        registered.client_id,
        "--client-secret",
        registered.client_secret,
        "--auth-method",
        registered.auth_method,
        "--interval",
        "0",
        *extra,
    ]


def test_json_format(provider: ReferenceProvider, capsys: pytest.CaptureFixture[str]) -> None:
    refresh_token = refresh_token_for(provider, BASIC_CLIENT)
    before = provider.token_requests

    code = main(
        probe_args(provider.token_url, "--format", "json", "--refresh-token", refresh_token)
    )

    out, err = capsys.readouterr()
    assert code == 0
    document = msgspec.json.decode(out)
    assert set(document) == {"results", "summary"}
    results = document["results"]
    assert [r["id"] for r in results] == [c.id for c in CHECKS]
    assert {r["outcome"] for r in results} <= {"pass", "warn", "skip"}
    summary = document["summary"]
    assert set(summary) == {"passed", "failed", "warned", "skipped"}
    assert sum(summary.values()) == len(results)
    assert summary["failed"] == 0
    assert summary["passed"] == sum(r["outcome"] == "pass" for r in results)
    for result in results:
        assert set(result) >= {"id", "section", "level", "title", "outcome", "detail"}
        assert result["level"] in ("MUST", "SHOULD", "INFO")
    rotation = next(r for r in results if r["id"] == "refresh.rotation")
    assert rotation["outcome"] == "pass"
    assert rotation["evidence"][0]["status"] == 200
    status = next(r for r in results if r["id"] == "success.status")
    assert '"access_token":"<redacted>"' in status["evidence"][0]["body"]  # there, and replaced
    assert f"at most {MAX_REQUESTS - 2} POST requests" in err
    assert provider.token_requests - before == MAX_REQUESTS - 2
    assert BASIC_CLIENT.client_secret is not None
    assert_no_secret(out + err, [BASIC_CLIENT.client_secret, refresh_token])


def test_junit_format_parses(
    provider: ReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(probe_args(provider.token_url, "--format", "junit", client="post"))

    out, err = capsys.readouterr()
    assert code == 0
    root = parse_xml(out)
    assert root.tag == "testsuite"
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in CHECKS]
    assert int(root.get("tests", "-1")) == len(cases)
    assert int(root.get("failures", "-1")) == len(root.findall("testcase/failure")) == 0
    assert int(root.get("skipped", "-1")) == len(root.findall("testcase/skipped")) == 5
    # The reference holds a post client to its method: a warning, kept in system-out.
    basic = next(c for c in cases if c.get("name") == "client-auth.basic")
    assert basic.get("classname") == "tokenwire-probe.client-auth"
    assert (basic.findtext("system-out") or "").startswith("WARNING: ")
    assert POST_CLIENT.client_secret is not None
    assert_no_secret(out + err, [POST_CLIENT.client_secret])


def test_junit_failure_for_a_broken_provider(capsys: pytest.CaptureFixture[str]) -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"no-store"})) as provider:
        code = main(probe_args(provider.token_url, "--format", "junit"))

    out, _ = capsys.readouterr()
    assert code == 1
    root = parse_xml(out)
    failed = [c.get("name") for c in root.findall("testcase") if c.find("failure") is not None]
    assert failed == ["success.cache-control"]
    failure = root.find("testcase[@name='success.cache-control']/failure")
    assert failure is not None
    assert "no Cache-Control header" in failure.get("message", "")
    assert "HTTP 200" in (failure.text or "")


def test_table_format(provider: ReferenceProvider, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(probe_args(provider.token_url, "--format", "table", client="post"))

    out, err = capsys.readouterr()
    assert code == 0
    assert out.startswith(f"Probe of {provider.token_url}\n")
    for check in CHECKS:
        assert check.id in out
    assert "Findings:" in out
    assert "WARN client-auth.basic (MUST, RFC 6749 §2.3.1)" in out
    assert out.rstrip().endswith(f"({MAX_REQUESTS - 3} requests sent)")
    assert POST_CLIENT.client_secret is not None
    assert_no_secret(out + err, [POST_CLIENT.client_secret])


def test_refresh_token_from_the_environment(
    provider: ReferenceProvider,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refresh_token = refresh_token_for(provider, BASIC_CLIENT)
    monkeypatch.setenv("TOKENWIRE_REFRESH_TOKEN", refresh_token)

    code = main(probe_args(provider.token_url, "--format", "json", "--no-reuse-check"))

    out, err = capsys.readouterr()
    assert code == 0
    outcomes = {r["id"]: r["outcome"] for r in msgspec.json.decode(out)["results"]}
    assert outcomes["refresh.new-access-token"] == "pass"
    assert outcomes["refresh.old-token-refused"] == "skip"
    assert "WARNING" not in err
    assert_no_secret(out + err, [refresh_token])


def test_missing_client_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conformance", "--token-url", "http://127.0.0.1:9/token"])

    assert code == 2
    assert "--client-id" in capsys.readouterr().err


def test_plain_http_off_loopback_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(probe_args("http://as.example/token"))

    _, err = capsys.readouterr()
    assert code == 2
    assert "TLS" in err
    assert "probing" not in err  # refused before the announcement: nothing was sent


def test_refused_credentials_are_a_configuration_error(
    provider: ReferenceProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    args = probe_args(provider.token_url, "--format", "json", client="post")
    args[args.index("--client-secret") + 1] = "wrong-secret-for-the-cli"

    code = main(args)

    _, err = capsys.readouterr()
    assert code == 2
    error = msgspec.json.decode(err.splitlines()[-1])
    assert error["exit_code"] == 2
    assert "refused the client's credentials" in error["error"]["message"]
    assert "wrong-secret-for-the-cli" not in err
    assert provider.token_requests == 1


def test_transport_failure_mid_run_exits_5(capsys: pytest.CaptureFixture[str]) -> None:
    with ReplayServer() as replay:
        replay.arm([ScriptedReply(response=TOKEN), ScriptedReply(action="reset")])
        code = main(probe_args(f"{replay.base_url}/token", "--format", "json", client="post"))
        assert replay.take().requests == 2

    out, err = capsys.readouterr()
    assert code == 5
    assert msgspec.json.decode(out)["summary"]["skipped"] > 0
    assert "transport error" in err


def test_suite_results_still_render_as_junit() -> None:
    results = [
        CaseResult(case="a", kind="vector", transport="stdlib", outcome="passed"),
        CaseResult(case="b", kind="fault", transport="stdlib", outcome="failed", detail="boom"),
        CaseResult(case="c", kind="roundtrip", transport="t", outcome="skipped", detail="n/a"),
    ]

    root = parse_xml(junit_xml(results, suite="tokenwire-conformance"))

    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    failure = root.find("testcase[@name='b']/failure")
    assert failure is not None
    assert (failure.get("message"), failure.text) == ("boom", "boom")
    skipped = root.find("testcase[@name='c']")
    assert skipped is not None
    assert skipped.get("classname") == "tokenwire-conformance.t"
    assert skipped.find("skipped") is not None
