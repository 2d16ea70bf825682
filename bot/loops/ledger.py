"""The assignment engine's parts: the time people are taken (bookings), the limits on them,
what a round needs and what it gets, why someone could not take it, and the ledger that keeps
everyone's taken time while rounds are placed. `bot.loops.assignment` places single rounds,
`bot.loops.panels` panels, both on these."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.loops.hours import WorkingDay

LOAD_WINDOW = timedelta(days=7)
GRID = timedelta(minutes=15)
MAX_ROUNDS_PER_DAY = 3
"""Rounds a candidate faces in one day."""
# Why a person could not take a round, from the first check to the last they passed.
HOURS, SHORT, CAP, DAILY, BUSY = "hours", "short", "cap", "daily", "busy"
DEPTH = {HOURS: 0, SHORT: 1, CAP: 2, DAILY: 3, BUSY: 4}


@dataclass(frozen=True)
class Booking:
    """Time someone is already taken, in any loop: an interview, or (interview False, no
    round) busy time from elsewhere, which blocks a slot but is not interview load."""

    user_id: str
    starts_at: datetime
    ends_at: datetime
    round_id: int | None = None
    interview: bool = True


@dataclass(frozen=True)
class Limits:
    weekly_cap: int | None = None
    daily_max: int | None = 3
    buffer: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class RoundNeed:
    """A round to place: who may run it (its pool, or the one person holding its role)."""

    number: int
    minutes: int
    pool: tuple[str, ...]
    asynchronous: bool = False
    seats: int = 1
    """Interviewers wanted (each writes a scorecard); `minimum` at least."""
    minimum: int = 1
    observers: int = 0
    pinned: tuple[str, ...] = ()
    """People pinned to the round: the first `seats` interview, the next ones observe."""
    trainees: tuple[str, ...] = ()
    """Trainees who may join the round (one at most), in order of preference."""
    not_before: datetime | None = None
    """The earliest the round may start (a live round after a submission is due)."""

    @property
    def panel(self) -> bool:
        return self.seats > 1 or self.observers > 0 or bool(self.pinned)


@dataclass(frozen=True)
class Refusal:
    user_id: str
    reason: str
    overlap_minutes: int = 0


@dataclass(frozen=True)
class Placed:
    number: int
    starts_at: datetime | None
    user_id: str | None
    refusals: tuple[Refusal, ...] = ()
    panel: tuple[str, ...] = ()
    """Every interviewer, `user_id` (the lead) first; empty for a round of one."""
    observers: tuple[str, ...] = ()
    unpinned: tuple[str, ...] = ()
    """Pinned people who could not make the slot."""
    trainee: str | None = None
    """A trainee beside the interviewers (shadowing or reverse-shadowing)."""


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def week_of(when: datetime) -> tuple[int, int]:
    iso = when.isocalendar()
    return iso.year, iso.week


def round_up(when: datetime, step: timedelta = GRID) -> datetime:
    """`when` moved forward to the next whole step of the hour (15 minutes by default)."""
    exact = when.replace(second=0, microsecond=0)
    if exact < when:
        exact += timedelta(minutes=1)
    minutes = int(step.total_seconds() // 60)
    return exact + timedelta(minutes=-exact.minute % minutes)


@dataclass
class Ledger:
    """Everyone's taken time and interview counts, kept up to date as rounds are placed."""

    hours: dict[str, WorkingDay]
    limits: Limits
    busy: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    starts: dict[str, list[datetime]] = field(default_factory=dict)
    daily: dict[tuple[str, date], int] = field(default_factory=dict)
    weekly: dict[tuple[str, tuple[int, int]], int] = field(default_factory=dict)

    def add(self, b: Booking) -> None:
        spans = self.busy.setdefault(b.user_id, [])
        spans.insert(bisect_left(spans, (b.starts_at, b.ends_at)), (b.starts_at, b.ends_at))
        if not b.interview:
            return
        starts = self.starts.setdefault(b.user_id, [])
        starts.insert(bisect_left(starts, b.starts_at), b.starts_at)
        day = self.hours[b.user_id].local_day(b.starts_at) if b.user_id in self.hours else None
        if day is not None:
            self.daily[(b.user_id, day)] = self.daily.get((b.user_id, day), 0) + 1
        week = (b.user_id, week_of(b.starts_at))
        self.weekly[week] = self.weekly.get(week, 0) + 1

    def load_near(self, user_id: str, when: datetime) -> int:
        starts = self.starts.get(user_id, [])
        half = LOAD_WINDOW / 2
        return bisect_left(starts, when + half + timedelta(microseconds=1)) - bisect_left(
            starts, when - half
        )

    def free_at(self, user_id: str, lo: datetime, hi: datetime, length: timedelta):
        """The earliest start on the grid in [lo, hi - length] clear of the person's taken
        time (with the buffer around it), or None."""
        pad = self.limits.buffer
        t = round_up(lo)
        for s0, s1 in self.busy.get(user_id, []):
            if s1 + pad <= t:
                continue
            if s0 - pad >= t + length:
                break  # sorted by start: nothing later reaches this slot
            t = max(t, round_up(s1 + pad))
        return t if t + length <= hi else None


def earliest(ledger: Ledger, person: str, day_window, lo, hi, length: timedelta):
    """(start, None, overlap) when `person` can take a round in [lo, hi) on this candidate
    day, else (None, reason, overlap in minutes with the candidate's whole day)."""
    mine = ledger.hours.get(person)
    if mine is None:
        return None, HOURS, 0
    best_overlap, why = 0, HOURS
    for w0, w1 in mine.windows_between(*day_window):
        overlap = min(w1, day_window[1]) - max(w0, day_window[0])
        best_overlap = max(best_overlap, int(overlap.total_seconds() // 60))
        if overlap < length:
            why = max(why, SHORT, key=DEPTH.get) if overlap > timedelta(0) else why
            continue
        s, e = max(w0, lo), min(w1, hi)
        if e - s < length:
            why = max(why, BUSY, key=DEPTH.get)
            continue
        cap, most = ledger.limits.weekly_cap, ledger.limits.daily_max
        if cap is not None and ledger.weekly.get((person, week_of(s)), 0) >= cap:
            why = max(why, CAP, key=DEPTH.get)
            continue
        if most is not None and ledger.daily.get((person, mine.local_day(s)), 0) >= most:
            why = max(why, DAILY, key=DEPTH.get)
            continue
        start = ledger.free_at(person, s, e, length)
        if start is not None:
            return start, None, best_overlap
        why = BUSY
    return None, why, best_overlap
