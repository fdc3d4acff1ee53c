"""``tokenwire conformance``: plugged into the ``tokenwire`` command via its entry-point group.

With no target it runs the whole suite (vectors, fault scenarios, round trips) against the
embedded servers through every built-in transport, prints a table, and exits 0 only if everything
passed (1 otherwise). With ``--token-url`` it probes a live provider instead (see
:mod:`tokenwire.conformance.probes`). An error that stops either run exits with the code
``tokenwire`` gives its kind (:func:`tokenwire.adapters.cli.exit_code`: 2 to 6).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from tokenwire.conformance.suite import CaseResult

#: `tokenwire conformance`: a suite case failed, or a probe found the provider wrong.
EXIT_FAILED = 1

_MARK = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}


def register(sub: Any) -> None:
    """Add the ``conformance`` subcommand to the ``tokenwire`` parser."""
    from tokenwire.adapters.cli import add_client_arguments, default_transport, transport_choices
    from tokenwire.adapters.commands.options import add_connection_arguments
    from tokenwire.conformance.probes import DEFAULT_INTERVAL, MAX_REQUESTS

    parser: argparse.ArgumentParser = sub.add_parser(
        "conformance",
        help="run the conformance suite (default), or probe a live token endpoint",
        description="Without --token-url: run every vector, fault scenario and round trip against "
        "the embedded loopback servers through every built-in transport. With --token-url: probe "
        f"that live token endpoint with at most {MAX_REQUESTS} requests and report what it gets "
        "wrong (exit 1 if a MUST check fails).",
    )
    parser.add_argument(
        "--format",
        choices=["table", "json", "junit", "html"],
        default="table",
        help="the report's format; html (probes only) is one self-contained page",
    )
    probe = parser.add_argument_group("probing a live provider")
    probe.add_argument("--token-url", help="probe this token endpoint instead of the suite")
    probe.add_argument(
        "--issuer",
        help="probe this whole provider from its issuer URL: metadata, JWKS, token endpoint, "
        "ID tokens",
    )
    probe.add_argument(
        "--token-response",
        metavar="FILE",
        help="with --issuer: a token response (JSON) from a real login, whose ID token is checked",
    )
    add_client_arguments(probe, required=False)
    add_connection_arguments(parser)
    probe.add_argument("--refresh-token", help="also probe refresh (or TOKENWIRE_REFRESH_TOKEN)")
    probe.add_argument("--revocation-url", help="also probe this revocation endpoint (RFC 7009)")
    probe.add_argument(
        "--introspection-url", help="also probe this introspection endpoint (RFC 7662)"
    )
    probe.add_argument(
        "--no-reuse-check",
        action="store_true",
        help="do not send the old refresh token again after rotation (a provider with reuse "
        "detection answers that by revoking the whole grant)",
    )
    probe.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL,
        help=f"seconds between two probe requests (default {DEFAULT_INTERVAL:g})",
    )
    probe.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default 10)"
    )
    probe.add_argument(
        "--transport",
        choices=transport_choices(),
        default=default_transport(),
        help="the transport the probes use (default: httpcore if installed)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.issuer or args.token_url:
        return _probe(args)
    from tokenwire.conformance.runner import run_suite

    if args.format == "html":
        from tokenwire.core import ConfigurationError

        raise ConfigurationError("--format html is for probes (--token-url or --issuer)")
    report = run_suite()
    if args.format == "json":
        sys.stdout.write(report.to_json().decode() + "\n")
    elif args.format == "junit":
        from tokenwire.conformance.junit import junit_xml

        sys.stdout.write(junit_xml(report.results, suite="tokenwire-conformance") + "\n")
    else:
        sys.stdout.write(render_table(report.results, report.summary))
    return 0 if report.ok else EXIT_FAILED


def _probe(args: argparse.Namespace) -> int:
    """Probe a live token endpoint; exit 0 if no MUST check failed, 1 if one did, 2 for bad
    options or refused credentials, 5 if a transport failure cut the run short."""
    from tokenwire.adapters.cli import EXIT_TRANSPORT, client_auth
    from tokenwire.adapters.commands.options import transport_options
    from tokenwire.adapters.transport import build_sync_transport
    from tokenwire.conformance.probes import (
        ProbeTarget,
        render_junit_report,
        render_table,
        run_probes,
    )
    from tokenwire.conformance.probes.issuer import IssuerTarget, run_issuer_probes
    from tokenwire.conformance.probes.token_response import read_token_response
    from tokenwire.core import ConfigurationError

    if args.issuer and args.token_url:
        raise ConfigurationError("give --issuer or --token-url, not both")
    option = "--issuer" if args.issuer else "--token-url"
    if not args.client_id:
        raise ConfigurationError(f"{option} needs --client-id")
    if args.token_response and not args.issuer:
        raise ConfigurationError("--token-response needs --issuer")
    if args.issuer and (args.private_key or os.environ.get("TOKENWIRE_PRIVATE_KEY")):
        raise ConfigurationError(
            "--issuer probes authenticate with a client secret; probe a private_key_jwt client "
            "with --token-url"
        )
    refresh_token = args.refresh_token or os.environ.get("TOKENWIRE_REFRESH_TOKEN") or None
    options = transport_options(args)  # --timeout, --proxy, --ca-file, --client-cert
    transport = build_sync_transport(args.transport, options)
    try:
        if args.issuer:
            issuer_target = IssuerTarget(
                issuer=args.issuer,
                client_id=args.client_id,
                client_secret=client_auth(args).client_secret,
                auth_method=args.auth_method,
                refresh_token=refresh_token,
                scope=args.scope,
                reuse_check=not args.no_reuse_check,
                basic_urlencode=not args.basic_unencoded,
                id_tokens=read_token_response(args.token_response),
            )
            report = run_issuer_probes(
                issuer_target, transport, interval=args.interval, announce=_to_stderr
            )
        else:
            target = ProbeTarget(
                token_url=args.token_url,
                auth=client_auth(args),
                refresh_token=refresh_token,
                scope=args.scope,
                reuse_check=not args.no_reuse_check,
                basic_urlencode=not args.basic_unencoded,
                revocation_url=args.revocation_url,
                introspection_url=args.introspection_url,
            )
            report = run_probes(target, transport, interval=args.interval, announce=_to_stderr)
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()
    if args.format == "json":
        sys.stdout.write(report.to_json().decode() + "\n")
    elif args.format == "junit":
        sys.stdout.write(render_junit_report(report) + "\n")
    elif args.format == "html":
        from tokenwire.conformance.probes.html import render_html

        sys.stdout.write(render_html(report))
    else:
        sys.stdout.write(render_table(report))
    if report.stopped:
        sys.stderr.write(f"tokenwire: {report.stopped}\n")
    if report.transport_failed:
        return EXIT_TRANSPORT
    return 0 if report.ok else EXIT_FAILED


def _to_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def render_table(results: list[CaseResult], summary: dict[str, int]) -> str:
    """Cases down, transports across; failures explained underneath."""
    transports: list[str] = []
    cases: dict[str, dict[str, CaseResult]] = {}
    for r in results:
        if r.transport not in transports:
            transports.append(r.transport)
        cases.setdefault(r.case, {})[r.transport] = r
    kinds = {r.case: r.kind for r in results}
    width = max([len("case"), *(len(c) for c in cases)])
    cols = [max(len(t), 4) for t in transports]
    lines = [
        "  ".join(
            [
                f"{'case':<{width}}",
                f"{'kind':<9}",
                *(f"{t:<{w}}" for t, w in zip(transports, cols, strict=True)),
            ]
        ),
        "  ".join(["-" * width, "-" * 9, *("-" * w for w in cols)]),
    ]
    for case, row in cases.items():
        marks = [
            f"{_MARK[row[t].outcome] if t in row else '':<{w}}"
            for t, w in zip(transports, cols, strict=True)
        ]
        lines.append("  ".join([f"{case:<{width}}", f"{kinds[case]:<9}", *marks]).rstrip())
    failures = [r for r in results if r.outcome == "failed"]
    if failures:
        lines += ["", "Failures:"]
        lines += [f"  {r.case} [{r.transport}]: {r.detail}" for r in failures]
    lines += [
        "",
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
        f"({len(cases)} cases x {len(transports)} transports)",
    ]
    return "\n".join(lines) + "\n"
