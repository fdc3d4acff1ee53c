"""Run the ``tokenwire`` command in a real subprocess, with secrets in its environment only."""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["cli_env", "run_cli", "start_cli"]

COMMAND = [sys.executable, "-m", "tokenwire.adapters.cli"]


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment without tokenwire's variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENWIRE_")}
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run ``tokenwire *args`` to its end; stdout and stderr captured as text."""
    return subprocess.run(
        [*COMMAND, *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``tokenwire *args``; the caller reads its stderr as it goes and waits for it."""
    return subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
