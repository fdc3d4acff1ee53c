"""The operability benchmark's rows do their job, so its tables measure what they say.

Each start-up command exits 0 (``tokenwire token`` gets a token from the replay server armed with
the seed response), and the hot-path rows hand out the cached token without reporting an event.
Nothing is timed here: figures live in the script and in docs/performance.md.
"""

from __future__ import annotations

import os
import subprocess

from tests.benchmarks import bench_ops
from tests.benchmarks.bench_core import load_case
from tokenwire.conformance.replay import ReplayServer, ScriptedReply


def test_every_start_up_command_exits_0_and_the_token_command_prints_the_seed_token() -> None:
    case = load_case()
    with ReplayServer() as server:
        server.arm([ScriptedReply(response=case.vector.response)])
        commands = bench_ops.startup_commands(f"{server.base_url}/token")
        env = {**os.environ, "TOKENWIRE_CLIENT_SECRET": "bench-secret"}
        outputs = {
            name: subprocess.run(
                command, check=False, capture_output=True, text=True, timeout=60, env=env
            )
            for name, command in commands.items()
        }
        assert server.take().requests == 1
    assert {name: out.returncode for name, out in outputs.items()} == dict.fromkeys(commands, 0)
    assert case.access_token in outputs["`tokenwire token` (nginx, httpcore)"].stdout


def test_the_hot_path_rows_run_without_reporting_an_event() -> None:
    lines, _ = bench_ops.hot_path(repeats=1, seconds=0.001)
    assert lines[2].startswith("| `access_token()`, logging at INFO + one trace callback |")
    assert any(line.startswith(("- PASS", "- FAIL")) for line in lines)
