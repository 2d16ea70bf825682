"""Work that can wait lets requests still waiting for their acknowledgement go first."""

from __future__ import annotations

import threading
import time

from bot.runtime import AckGate


def test_follow_ups_start_once_no_request_waits_for_its_acknowledgement() -> None:
    gate = AckGate(settle_s=0.01, max_wait_s=5.0)
    started: list[float] = []
    acknowledged = threading.Event()

    def request() -> None:
        with gate.pending():
            acknowledged.wait(5)

    waiting = threading.Thread(target=request)
    waiting.start()
    time.sleep(0.05)  # the request is in flight
    follow_up = threading.Thread(target=lambda: (gate.wait_quiet(), started.append(1)))
    follow_up.start()
    time.sleep(0.2)
    assert started == []  # held while the request waits
    acknowledged.set()
    waiting.join()
    follow_up.join(2)
    assert started == [1]


def test_a_follow_up_waits_no_longer_than_its_limit() -> None:
    gate = AckGate(settle_s=0.01, max_wait_s=0.2)
    with gate.pending():  # a request that never gets its acknowledgement
        began = time.monotonic()
        gate.wait_quiet()
        assert 0.15 <= time.monotonic() - began < 1.0


def test_with_nothing_in_flight_a_follow_up_starts_at_once() -> None:
    gate = AckGate()
    began = time.monotonic()
    gate.wait_quiet()
    assert time.monotonic() - began < 0.05
