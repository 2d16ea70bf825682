"""A hand-driven clock, so tests can age trigger ids and refill rate limits without sleeping."""

from __future__ import annotations

import threading
import time


class ManualClock:
    """Callable returning epoch seconds; moves only when `advance` or `set` is called."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        """Jump to an absolute epoch time."""
        with self._lock:
            self._now = float(when)
