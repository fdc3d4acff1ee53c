"""Run a test's worker function in several spawned processes at once, and collect what they say.

Each worker gets its own arguments plus a shared barrier (so that they really act at the same
moment) and a queue to put its one result on. Every wait is bounded by ``wait``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def run_spawned(
    target: Callable[..., None], args: list[tuple[Any, ...]], *, wait: float
) -> list[Any]:
    """Run ``target(*each, barrier, queue)`` in one spawned process per ``args`` entry."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(args))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*each, barrier, results)) for each in args]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=wait) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=wait)
            if process.is_alive():
                process.kill()
                process.join(timeout=wait)
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return collected
