"""The device polling benchmark's pairs do the same job, so their difference is the overhead.

Runs each timed call once; timing itself lives in the script and in docs/performance.md only.
"""

from __future__ import annotations

from tests.benchmarks import bench_device


def test_each_pair_ends_the_same_way() -> None:
    calls = bench_device.build_calls()
    for device, bare in bench_device.PAIRS:
        assert calls[device]() == calls[bare]()
    assert calls[bench_device.PENDING_DEVICE]() == (None, "pending")
    assert calls[bench_device.TOKEN_DEVICE]() == (None, "AT-bench-device")


def test_a_pending_poll_of_the_device_flow_can_be_repeated_without_end() -> None:
    call = bench_device.build_calls()[bench_device.PENDING_DEVICE]
    assert [call() for _ in range(3)] == [(None, "pending")] * 3
