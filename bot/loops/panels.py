"""Placing a panel: a round run by several interviewers (and observers) at one time.

The round goes to the earliest time, on the candidate's days, at which the whole panel is free
(each inside their working day, with the buffer, under the daily maximum and the weekly cap),
with every pinned person when a time allows it; failing that, with the pinned people who are
free; failing that, with the fewest interviewers the round runs with. Among the free, the same
order as for a round of one: fewest rounds in this loop, least loaded week, least recently
assigned."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.loops.ledger import (
    DEPTH,
    GRID,
    MAX_ROUNDS_PER_DAY,
    Booking,
    Ledger,
    Placed,
    Refusal,
    RoundNeed,
    earliest,
    round_up,
)
from bot.loops.queries import OBSERVER, ROUND_LETTERS
from bot.reminders.plan import BEFORE_START, Kind, notice, round_reminders
from bot.store.models import Assignment, Reminder, Round


def panel_reminders(
    rnd: Round,
    people: list[Assignment],
    accountable: Assignment | None,
    *,
    now: datetime,
    offsets: dict[str, int],
) -> list[Reminder]:
    """Every interviewer's notice and reminders; an observer's notice, guide and heads-up only
    (no scorecard, so nothing after the interview)."""
    out: list[Reminder] = []
    for row in people:
        if row.letter not in ROUND_LETTERS:
            continue
        out.append(notice(Kind.ASSIGNED, row, version=rnd.version, now=now))
        rows = round_reminders(
            rnd=rnd, responsible=row, accountable=accountable, now=now, offsets=offsets
        )
        if row.letter == OBSERVER:
            rows = [r for r in rows if r.kind in BEFORE_START]
        out += rows
    return unique(out)


def unique(reminders: list[Reminder]) -> list[Reminder]:
    """One row per person, kind and version: a panel's interviewers share one escalation."""
    seen: set[tuple] = set()
    out = []
    for r in reminders:
        key = (r.assignment_id, r.kind, r.round_version, r.step)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _rank(ledger: Ledger, start: datetime, in_loop: dict, last: dict):
    never = datetime.min.replace(tzinfo=start.tzinfo)
    return lambda p: (in_loop.get(p, 0), ledger.load_near(p, start), last.get(p, never), p)


def _pick(rnd: RoundNeed, free: list[str], key) -> tuple[list[str], list[str]]:
    """(interviewers, observers) among the people free at one time, pinned people first."""
    pinned_in, pinned_obs = rnd.pinned[: rnd.seats], rnd.pinned[rnd.seats :]
    others = sorted((p for p in free if p not in rnd.pinned), key=key)
    interviewers = [p for p in pinned_in if p in free]
    interviewers += others[: max(0, rnd.seats - len(interviewers))]
    observers = [p for p in pinned_obs if p in free][: rnd.observers]
    rest = [p for p in others if p not in interviewers]
    observers += rest[: max(0, rnd.observers - len(observers))]
    return interviewers, observers


def place_panel(
    ledger: Ledger,
    rnd: RoundNeed,
    days: list[tuple[datetime, datetime]],
    cursor: tuple[int, datetime | None, int],
    in_loop: dict[str, int],
    last_assigned: dict[str, datetime],
) -> Placed:
    """The earliest time and people for a panel round, booked in `ledger`; or, when no time
    works for even its fewest interviewers, each person's reason."""
    length = timedelta(minutes=rnd.minutes)
    people = sorted(set(rnd.pool) | set(rnd.pinned))
    cursor_day, at, today = cursor
    passes = (["all pinned"] if rnd.pinned else []) + ["whole panel", "fewest"]
    best: dict[str, tuple] = {}  # the earliest slot meeting each pass, and its people
    worst: dict[str, tuple[int, str, int]] = {}
    for d in range(cursor_day, len(days) if len(people) >= rnd.minimum else 0):
        lo, hi = days[d]
        if d == cursor_day:
            if today >= MAX_ROUNDS_PER_DAY:
                continue
            lo = max(lo, at) if at else lo
        t = round_up(lo)
        while t + length <= hi and passes[0] not in best:
            free = []
            for p in people:
                got, why, overlap = earliest(ledger, p, days[d], t, t + length, length)
                if got == t:
                    free.append(p)
                elif why is not None:
                    depth = (DEPTH[why], why, overlap)
                    worst[p] = max(worst.get(p, depth), depth)
            chosen = _pick(rnd, free, _rank(ledger, t, in_loop, last_assigned))
            for wanted in passes:
                if wanted not in best and _enough(rnd, wanted, *chosen):
                    best[wanted] = (t, *chosen)
            t += GRID
        if passes[0] in best:
            break  # nothing later can be better than the first pass's earliest slot
    for wanted in passes:
        if wanted in best:
            return _book(ledger, rnd, *best[wanted], in_loop, last_assigned)
    refusals = tuple(Refusal(p, worst[p][1], worst[p][2]) for p in people if p in worst)
    return Placed(rnd.number, None, None, refusals)


def _enough(rnd: RoundNeed, wanted: str, interviewers: list[str], observers: list[str]) -> bool:
    if wanted == "fewest":
        return len(interviewers) >= rnd.minimum
    whole = len(interviewers) >= rnd.seats and len(observers) >= rnd.observers
    if wanted == "whole panel":
        return whole
    return whole and set(rnd.pinned[: rnd.seats + rnd.observers]) <= {*interviewers, *observers}


def _book(
    ledger: Ledger,
    rnd: RoundNeed,
    start: datetime,
    interviewers: list[str],
    observers: list[str],
    in_loop: dict[str, int],
    last_assigned: dict[str, datetime],
) -> Placed:
    for person in (*interviewers, *observers):
        ledger.add(Booking(person, start, start + timedelta(minutes=rnd.minutes)))
        in_loop[person] = in_loop.get(person, 0) + 1
        last_assigned[person] = start
    taken = {*interviewers, *observers}
    unpinned = tuple(p for p in rnd.pinned if p not in taken)
    panel = tuple(interviewers) if len(interviewers) > 1 else ()
    return Placed(rnd.number, start, interviewers[0], (), panel, tuple(observers), unpinned)


def with_trainee(
    ledger: Ledger,
    rnd: RoundNeed,
    got: Placed,
    day: tuple[datetime, datetime],
    trained: set[str],
) -> Placed:
    """The placed round with the first of its trainees who is free then, booked; each trainee
    joins one round of a loop at most."""
    if got.starts_at is None or not rnd.trainees:
        return got
    length = timedelta(minutes=rnd.minutes)
    taken = {got.user_id, *got.panel, *got.observers}
    for person in rnd.trainees:
        if person in trained or person in taken:
            continue
        start, _, _ = earliest(ledger, person, day, got.starts_at, got.starts_at + length, length)
        if start == got.starts_at:
            ledger.add(Booking(person, start, start + length))
            trained.add(person)
            return replace(got, trainee=person)
    return got


def round_problem(need: RoundNeed, got: Placed) -> str | None:
    """Why step 2 shows a round with nobody to run it, when it can say."""
    if got.user_id:
        return None
    if not need.pool:
        return "Nobody holds this round's role."
    people = len(set(need.pool) | set(need.pinned))
    if need.minimum > people:
        return (
            f"Its round type asks for {need.minimum} interviewers at one time; "
            f"the pool has {people}."
        )
    return None
