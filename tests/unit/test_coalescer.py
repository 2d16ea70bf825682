"""Upkeep after acknowledgements: requests for the same thing while it waits share one run."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.runtime import Coalescer
from tests.e2e.helpers import wait_for


def test_a_burst_for_one_key_runs_once_and_other_keys_each_run() -> None:
    runs: list[str] = []
    lock = threading.Lock()

    def work(key: str):
        def run() -> None:
            with lock:
                runs.append(key)

        return run

    with ThreadPoolExecutor(2) as pool:
        coalescer = Coalescer(pool, delay_s=0.2)
        for _ in range(10):
            coalescer.submit("card A", work("A"))
        coalescer.submit("card B", work("B"))
        assert runs == []  # nothing yet: it waits for more of the same
        assert wait_for(lambda: len(runs) == 2)
        time.sleep(0.3)
    assert sorted(runs) == ["A", "B"]


def test_asking_again_after_a_run_started_runs_again() -> None:
    """A change made while the card is being refreshed must reach the card too."""
    runs: list[int] = []
    with ThreadPoolExecutor(2) as pool:
        coalescer = Coalescer(pool, delay_s=0.05)
        coalescer.submit("card", lambda: runs.append(1))
        assert wait_for(lambda: runs == [1])
        coalescer.submit("card", lambda: runs.append(2))
        assert wait_for(lambda: runs == [1, 2])


def test_flush_runs_what_waits_even_after_the_pool_stopped() -> None:
    runs: list[str] = []
    pool = ThreadPoolExecutor(1)
    coalescer = Coalescer(pool, delay_s=60)
    coalescer.submit("card", lambda: runs.append("refreshed"))
    pool.shutdown(wait=True)
    coalescer.flush()
    assert runs == ["refreshed"]


def test_failing_work_does_not_stop_later_work(caplog) -> None:
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("candidate Jane Doe")

    with caplog.at_level(logging.WARNING, logger="loopbot.runtime"), ThreadPoolExecutor(1) as pool:
        coalescer = Coalescer(pool, delay_s=0.01)
        coalescer.submit("a", broken)
        coalescer.submit("b", lambda: runs.append("b"))
        assert wait_for(lambda: runs == ["b"])
    assert "background work failed" in caplog.text
    assert "Jane Doe" not in caplog.text
