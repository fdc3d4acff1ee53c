"""Import-time benchmark: what ``import tokenwire.core`` costs a fresh process, next to authlib.

Run by hand, on a quiet machine, from the repository root:
``uv run python -m tests.benchmarks.bench_import``.

A token client is often imported by short-lived processes (CLIs, serverless handlers, cron jobs),
where import time is most of the run. Each statement below runs in a fresh interpreter
(``sys.executable -c "import ..."``), interleaved with the others and with a bare ``-c pass``, in an
order rotated every run; its import cost is the median wall time of its processes minus the median
of the bare ones. As a cross-check, the same imports run again under ``-X importtime``, which
reports the time spent inside the import statement itself (the sum of its top-level entries),
without interpreter start-up, but with the tracing's own overhead.

The script prints a markdown table and the acceptance check of issue 3 (``import tokenwire.core``
under a third of ``import authlib.integrations.requests_client``) and exits 1 if it fails.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from tests.benchmarks.bench_core import machine

#: Acceptance (issue 3): tokenwire.core's import costs less than this share of authlib's.
MAX_SHARE = 1 / 3

CORE = "tokenwire.core"
ADAPTER = "tokenwire.adapters.httpcore"
AUTHLIB = "authlib.integrations.requests_client"
MODULES = (CORE, ADAPTER, AUTHLIB)
#: Everything before this line on stderr is interpreter start-up (``-X importtime`` runs).
MARK = "--- tokenwire bench_import ---"


def wall_time(statement: str, *, timeout: float = 60.0) -> float:
    """Seconds a fresh interpreter takes to run ``statement`` and exit."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", statement], check=True, timeout=timeout, capture_output=True
    )
    return time.perf_counter() - started


def importtime(module: str, *, timeout: float = 60.0) -> float:
    """Seconds spent in ``import module`` as ``-X importtime`` reports them.

    Sums the cumulative time of the entries at the outermost level after a marker written just
    before the import: the module, and any parent package imported first.
    """
    statement = f"import sys; sys.stderr.write({MARK!r} + '\\n'); import {module}"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    return parse_importtime(result.stderr)


def parse_importtime(stderr: str) -> float:
    """Seconds in the top-level imports listed after :data:`MARK` in ``-X importtime`` output."""
    lines = stderr.splitlines()
    if MARK not in lines:
        raise ValueError("marker not found in -X importtime output")
    total_us = 0
    for line in lines[lines.index(MARK) + 1 :]:
        if not line.startswith("import time:"):
            continue
        _self, cumulative, name = line[len("import time:") :].split("|")
        if cumulative.strip().isdigit() and not name[1:].startswith(" "):
            total_us += int(cumulative)
    return total_us / 1e6


@dataclass(frozen=True)
class Result:
    module: str
    #: Median wall time of the fresh processes importing it, minus that of bare ones (seconds).
    net: float
    #: Median of its own processes (seconds), before the baseline is taken off.
    process: float
    #: Median of what ``-X importtime`` attributes to the import statement (seconds).
    traced: float


def measure(runs: int) -> tuple[list[Result], float]:
    """``runs`` fresh processes per statement and per traced import, interleaved and rotated.

    Returns the results and the bare interpreter's median wall time. One untimed run of each
    first, so that bytecode caches are written before anything is timed.
    """
    statements = {"": "pass", **{m: f"import {m}" for m in MODULES}}
    for statement in statements.values():
        wall_time(statement)
    walls: dict[str, list[float]] = {name: [] for name in statements}
    traced: dict[str, list[float]] = {m: [] for m in MODULES}
    names = list(statements)
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            walls[name].append(wall_time(statements[name]))
            if name:
                traced[name].append(importtime(name))
    bare = statistics.median(walls[""])
    results = [
        Result(
            module=m,
            net=statistics.median(walls[m]) - bare,
            process=statistics.median(walls[m]),
            traced=statistics.median(traced[m]),
        )
        for m in MODULES
    ]
    return results, bare


def report(results: list[Result], bare: float, *, runs: int) -> tuple[list[str], bool]:
    """The markdown table and the acceptance check; ``ok`` is False if it fails."""
    by_module = {r.module: r for r in results}
    authlib = by_module[AUTHLIB]
    lines = [
        "| import | ms, fresh process minus bare (median) | ms, whole process (median) "
        "| ms, -X importtime (median) | share of authlib's (process / importtime) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        shares = f"{r.net / authlib.net:.0%} / {r.traced / authlib.traced:.0%}"
        lines.append(
            f"| `import {r.module}` | {r.net * 1e3:.1f} | {r.process * 1e3:.1f} "
            f"| {r.traced * 1e3:.1f} | {shares} |"
        )
    lines += [
        f"| bare interpreter (`-c pass`) | | {bare * 1e3:.1f} | | |",
        "",
        f"{runs} fresh processes per row and per traced import, interleaved in a rotating order. "
        "The check uses the first column: the median process minus the median bare process.",
        "",
    ]
    share = by_module[CORE].net / authlib.net
    passed = share < MAX_SHARE
    lines.append(
        f"- {'PASS' if passed else 'FAIL'}: `import {CORE}` costs {share:.0%} of "
        f"`import {AUTHLIB}` ({by_module[CORE].net * 1e3:.1f} ms against "
        f"{authlib.net * 1e3:.1f} ms; target: under a third)"
    )
    return lines, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire import-time benchmark (issue 3)")
    parser.add_argument(
        "--runs", type=int, default=15, help="fresh processes per statement (default 15)"
    )
    args = parser.parse_args(argv)
    header = machine()
    results, bare = measure(args.runs)
    lines, ok = report(results, bare, runs=args.runs)
    print(f"Import-time benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print(f"- Interpreter: {sys.executable}")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
