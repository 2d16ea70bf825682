"""What every service needs, built once at start-up and handed to the Slack surface."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.calendars import CalendarBackend, connect
from bot.documents import DocumentErrors, Library, load_deployed
from bot.logs import exception_summary
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.slack.messenger import Messenger
from bot.store import Database

log = logging.getLogger("loopbot.runtime")


def system_clock() -> datetime:
    return datetime.now(UTC)


class Coalescer:
    """Starts work on a pool `delay_s` after it is first asked for; asking again for the same
    key while it waits adds nothing, so ten scorecards in a second refresh a loop card once."""

    def __init__(self, pool: ThreadPoolExecutor, delay_s: float):
        self.pool = pool
        self.delay_s = delay_s
        self._waiting: dict[Hashable, tuple[threading.Timer, Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def submit(self, key: Hashable, work: Callable[[], None]) -> None:
        with self._lock:
            if key in self._waiting:
                return
            timer = threading.Timer(self.delay_s, self._start, args=(key,))
            timer.daemon = True
            self._waiting[key] = (timer, work)
        timer.start()

    def _start(self, key: Hashable) -> None:
        with self._lock:
            waiting = self._waiting.pop(key, None)
        if waiting is not None:
            self._run(waiting[1])

    def flush(self) -> None:
        """Start everything still waiting, now; in this thread once the pool has stopped (a
        graceful stop)."""
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for timer, work in waiting.values():
            timer.cancel()
            self._run(work)

    def _run(self, work: Callable[[], None]) -> None:
        try:
            self.pool.submit(_logged, work)
        except RuntimeError:  # the pool has stopped taking work: a stop is under way
            _logged(work)


def _logged(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception as error:  # noqa: BLE001 - background upkeep; the next change tries again
        log.warning("background work failed: %s", exception_summary(error))


class AckGate:
    """Requests still waiting for their acknowledgement, so that work which can wait (answers
    through a response URL, modals opened after a click, a submission's follow-ups) lets them
    go first: under a burst the acknowledgements come before the follow-ups, not among them."""

    def __init__(self, *, settle_s: float = 0.005, max_wait_s: float = 1.0):
        self.settle_s = settle_s
        """How long no request must have been waiting before follow-ups start."""
        self.max_wait_s = max_wait_s
        """The longest a follow-up waits (Slack's trigger ids last 3 s)."""
        self._cond = threading.Condition()
        self._pending = 0
        self._last = 0.0

    @contextmanager
    def pending(self) -> Iterator[None]:
        """Around a request until its acknowledgement is on its way back."""
        with self._cond:
            self._pending += 1
        try:
            yield
        finally:
            with self._cond:
                self._pending -= 1
                self._last = time.monotonic()
                if self._pending == 0:  # what the waiting follow-ups wait for; not each one
                    self._cond.notify_all()

    def wait_quiet(self) -> None:
        """Return once no request has waited for `settle_s`, or after `max_wait_s`."""
        deadline = time.monotonic() + self.max_wait_s
        with self._cond:
            while (now := time.monotonic()) < deadline:
                if self._pending == 0 and now >= self._last + self.settle_s:
                    return
                calm = self._last + self.settle_s if self._pending == 0 else deadline
                self._cond.wait(max(0.0, min(calm, deadline) - now))


class Heartbeat:
    """How this process's dispatcher is doing, for `/healthz`: "ok" while its ticks finish (or
    one is under way) within a few intervals, "stalled" or "failing" otherwise."""

    def __init__(self, interval_s: float, *, clock: Callable[[], float] = time.monotonic):
        self.grace_s = max(3 * interval_s, 60.0)
        self.clock = clock
        self._last_ok = clock()
        self._running_since: float | None = None
        self._failures = 0
        self.stopped = False

    def started(self) -> None:
        self._running_since = self.clock()

    def finished(self, *, ok: bool) -> None:
        self._running_since = None
        if ok:
            self._last_ok, self._failures = self.clock(), 0
        else:
            self._failures += 1

    def state(self) -> str:
        now = self.clock()
        if self.stopped:
            return "stopped"
        if self._failures >= 3:
            return "failing"
        if self._running_since is not None:
            return "ok" if now - self._running_since < 120 else "stalled"
        return "ok" if now - self._last_ok < self.grace_s else "stalled"


@dataclass
class Runtime:
    settings: Settings
    db: Database
    library: Library
    messenger: Messenger
    clock: Callable[[], datetime] = field(default=system_clock)
    listeners: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=8, thread_name_prefix="loopbot-listener"
        )
    )
    """Where listeners run (Bolt's pool); drained on shutdown."""
    after_ack: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="loopbot-after-ack"
        )
    )
    """Slow work that follows an acknowledgement, kept off the pool that acknowledges."""
    kick: Callable[[], None] = field(default=lambda: None)
    """Wakes the dispatcher after something was queued (set by `loopbot serve`)."""
    coalesce_s: float = 1.0
    """How long upkeep after an acknowledgement (a card refresh) waits for more of the same."""
    heartbeat: Heartbeat | None = None
    """This process's dispatcher, when it runs one (`loopbot serve`)."""
    acks: AckGate = field(default_factory=AckGate)
    """Requests waiting for their acknowledgement; `later` work waits for them."""
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    """Run last by `drain` (the scheduler stops, the dispatcher gives back its leases)."""
    calendar: CalendarBackend | None = None
    """Where busy time comes from and interview events go (`LOOPBOT_CALENDAR`); None: off."""

    def __post_init__(self) -> None:
        self.coalesced = Coalescer(self.after_ack, self.coalesce_s)
        """Upkeep several requests can share (`Coalescer.submit(key, work)`)."""
        if self.calendar is None:
            self.calendar = connect(self.settings)
        self.outbox = OutboxSender(db=self.db, messenger=self.messenger, calendar=self.calendar)
        """How channel messages are posted: durably, retried by the dispatcher if need be."""
        self._edit_locks: dict[Hashable, threading.Lock] = {}
        self._edit_locks_guard = threading.Lock()

    def editing(self, key: Hashable) -> threading.Lock:
        """One lock per message this process keeps current (`edit_until_current`): what one
        refresh reads and the edits (or thread replies) it decides on are not interleaved
        with another's for the same message."""
        with self._edit_locks_guard:
            return self._edit_locks.setdefault(key, threading.Lock())

    def drain(self) -> None:
        """Finish what acknowledged requests started, then stop: listeners still running, the
        work they queued after acknowledging, refreshes waiting to coalesce, the dispatcher."""
        self.listeners.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)
        self.coalesced.flush()
        for stop in self.on_stop:
            try:
                stop()
            except Exception as error:  # noqa: BLE001 - the other steps still run
                log.warning("stopping failed: %s", exception_summary(error))

    def reload_documents(self) -> list[str]:
        """Read the documents folder again; on any error keep the set in service and say why."""
        try:
            self.library = load_deployed(self.settings)
        except DocumentErrors as exc:
            return [str(e) for e in exc.errors]
        return []
