"""Cold-start benchmark: a fresh process that refreshes one token, tokenwire next to authlib.

Run by hand, on a quiet machine, from the repository root:
``uv run python -m tests.benchmarks.bench_coldstart``.

A cron job, a CLI call or a serverless handler starts, refreshes one token and exits; for them the
cost is the whole process, interpreter start-up and imports included. Each contender runs as a
fresh interpreter that refreshes one token against the embedded reference provider on loopback
(refresh tokens not rotated, so every run uses the same one): tokenwire through the stdlib
transport (``tokenwire.adapters.stdlib.TokenClient``), authlib through ``requests``
(``OAuth2Session.refresh_token``). The two run in pairs, in alternating order, with bare
interpreters (``-c pass``) and the two tokenwire imports interleaved; each row is the median wall
time of its processes.

The script prints a markdown table and the acceptance check of issue 14 (tokenwire's cold start
at most half of authlib's) and exits 1 if it fails.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from tests.benchmarks.bench_core import machine
from tokenwire.conformance.reference import PUBLIC_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.core import AuthorizationCode, code_challenge, new_code_verifier

#: Acceptance (issue 14): tokenwire's cold start takes at most this share of authlib's.
MAX_SHARE = 0.5

TOKENWIRE = "tokenwire, stdlib transport"
AUTHLIB = "authlib + requests"
#: Each contender's whole program; argv is token URL, client id, refresh token.
PROGRAMS = {
    TOKENWIRE: (
        "import sys\n"
        "from tokenwire.adapters.stdlib import TokenClient\n"
        "from tokenwire.core import ClientAuth, Profile, RefreshToken\n"
        "auth = ClientAuth(sys.argv[2], None, 'none')\n"
        "client = TokenClient(Profile(token_url=sys.argv[1]), auth)\n"
        "token = client.request(RefreshToken(sys.argv[3]))\n"
        "print(token.token_type, token.expires_in)\n"
    ),
    AUTHLIB: (
        "import sys\n"
        "from authlib.integrations.requests_client import OAuth2Session\n"
        "session = OAuth2Session(client_id=sys.argv[2], token_endpoint_auth_method='none')\n"
        "token = session.refresh_token(sys.argv[1], refresh_token=sys.argv[3])\n"
        "print(token['token_type'], token['expires_in'])\n"
    ),
}
#: Rows that show where the time goes: the bare interpreter and tokenwire's two imports.
BARE = "`python -c pass`"
IMPORTS = {
    BARE: "pass",
    "`import tokenwire.core`": "import tokenwire.core",
    "`import tokenwire.adapters.stdlib`": "import tokenwire.adapters.stdlib",
}


def run(program: str, *args: str, timeout: float = 60.0) -> tuple[float, str]:
    """Seconds a fresh interpreter takes to run ``program`` with ``args``, and what it printed."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", program, *args],
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, result.stdout


def refresh_token(provider: ReferenceProvider) -> str:
    """A refresh token for the public client, from a code exchange done in this process."""
    from tokenwire.adapters.stdlib import TokenClient

    verifier = new_code_verifier()
    code = provider.issue_code(PUBLIC_CLIENT.client_id, code_challenge=code_challenge(verifier))
    token = TokenClient(provider.profile(), PUBLIC_CLIENT.auth()).request(
        AuthorizationCode(code, REDIRECT_URI, verifier)
    )
    assert token.refresh_token is not None
    return token.refresh_token


def measure(runs: int) -> dict[str, float]:
    """Median seconds per row over ``runs`` rounds; one untimed round first (bytecode caches)."""
    times: dict[str, list[float]] = {name: [] for name in [*PROGRAMS, *IMPORTS]}
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=False) as provider:
        args = (provider.token_url, PUBLIC_CLIENT.client_id, refresh_token(provider))
        outputs = {name: run(program, *args)[1] for name, program in PROGRAMS.items()}
        assert len(set(outputs.values())) == 1, outputs  # the same job, the same answer
        for statement in IMPORTS.values():
            run(statement)
        for round_ in range(runs):
            pair = list(PROGRAMS) if round_ % 2 == 0 else list(reversed(PROGRAMS))
            for name in pair:
                times[name].append(run(PROGRAMS[name], *args)[0])
            for name, statement in IMPORTS.items():
                times[name].append(run(statement)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def report(medians: dict[str, float], *, runs: int) -> tuple[list[str], bool]:
    """The markdown table and the acceptance check; ``ok`` is False if it fails."""
    bare = medians[BARE]
    lines = [
        "| process | ms, median | ms, minus bare interpreter |",
        "|---|---:|---:|",
    ]
    for name, seconds in medians.items():
        extra = "" if name == BARE else f"{(seconds - bare) * 1e3:.1f}"
        label = f"refresh one token: {name}" if name in PROGRAMS else name
        lines.append(f"| {label} | {seconds * 1e3:.1f} | {extra} |")
    share = medians[TOKENWIRE] / medians[AUTHLIB]
    passed = share <= MAX_SHARE
    lines += [
        "",
        f"{runs} rounds; the two refreshing processes run as a pair per round, in alternating "
        "order, with the import rows after them.",
        "",
        f"- {'PASS' if passed else 'FAIL'}: tokenwire's cold start is {share:.0%} of authlib's "
        f"({medians[TOKENWIRE] * 1e3:.1f} ms against {medians[AUTHLIB] * 1e3:.1f} ms; "
        "target: at most half)",
    ]
    return lines, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire cold-start benchmark (issue 14)")
    parser.add_argument("--runs", type=int, default=21, help="rounds (default 21)")
    args = parser.parse_args(argv)
    header = machine()
    medians = measure(args.runs)
    lines, ok = report(medians, runs=args.runs)
    print(f"Cold-start benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print(f"- Interpreter: {sys.executable}")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
