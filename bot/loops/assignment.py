"""The assignment engine: when each round lies and who runs it. Pure and deterministic for the
same inputs.

A live round goes to the earliest time inside the candidate's working day at which someone
from its pool is inside their own working day, free (with a buffer around their other
interviews and busy time), under their daily maximum and the weekly cap. Among those people the
one with the fewest rounds in this loop, then the least loaded week, then the earliest time,
then the least recently assigned is chosen. An asynchronous round gets a reviewer, no slot."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from bot.loops.hours import WorkingDay
from bot.loops.ledger import (
    BUSY,
    DEPTH,
    MAX_ROUNDS_PER_DAY,
    Booking,
    Ledger,
    Limits,
    Placed,
    Refusal,
    RoundNeed,
    earliest,
    round_up,
    week_of,
)
from bot.loops.panels import place_panel, with_trainee
from bot.loops.requests import Gap, Unavailable

GAP = timedelta(minutes=15)
"""Between two of the candidate's rounds."""
HORIZON = timedelta(days=14)
"""How far from the first day a round is looked for before saying none would work."""


def search_end(first_day: date, later: Iterable[datetime], candidate: WorkingDay) -> date:
    """The day after the search's last: two weeks from the first day, or from the latest day a
    round may not start before (a live round after a submission is due)."""
    zone = candidate.zone
    return max([first_day, *(when.astimezone(zone).date() for when in later)]) + HORIZON


def explain_gap(
    need: RoundNeed,
    got: Placed,
    candidate: WorkingDay,
    hours: dict[str, WorkingDay],
    first_day: date,
    end: date,
) -> Gap:
    """Why round `need` has no time: each pool member's reason, with the candidate's day and
    the days searched (from the first day, or from the deadline it follows, to `end`, the
    search's `search_end`)."""
    day = first_day
    while candidate.window(day) is None:
        day += timedelta(days=1)
    window = candidate.window(day)
    assert window is not None
    since = need.not_before.astimezone(candidate.zone).date() if need.not_before else first_day
    return Gap(
        number=need.number,
        minutes=need.minutes,
        candidate_hours=candidate.describe(),
        candidate_utc=f"{window[0]:%H:%M}–{window[1]:%H:%M} UTC",
        searched=f"{max(since, first_day):%a %d %b} to {end - timedelta(days=1):%a %d %b}",
        people=[
            Unavailable(
                user_id=r.user_id,
                reason=r.reason,
                hours=hours[r.user_id].describe(),
                overlap_minutes=r.overlap_minutes,
            )
            for r in got.refusals
        ],
    )


def _candidate_days(candidate: WorkingDay, first_day: date, not_before: datetime | None, end: date):
    day, out = first_day, []
    while day < end:
        window = candidate.window(day)
        if window and (not_before is None or window[1] > not_before):
            start = max(window[0], round_up(not_before)) if not_before else window[0]
            out.append((start, window[1]))
        day += timedelta(days=1)
    return out


def plan(
    *,
    rounds: list[RoundNeed],
    candidate: WorkingDay,
    first_day: date,
    hours: dict[str, WorkingDay],
    bookings: Iterable[Booking],
    last_assigned: dict[str, datetime] | None = None,
    limits: Limits | None = None,
    not_before: datetime | None = None,
) -> list[Placed]:
    """A time (live rounds) and a person for each round, in the order given."""
    last_assigned = dict(last_assigned or {})
    limits = limits or Limits()
    ledger = Ledger(hours=hours, limits=limits)
    for b in sorted(bookings, key=lambda b: (b.starts_at, b.user_id, b.ends_at)):
        ledger.add(b)
    end = search_end(first_day, (r.not_before for r in rounds if r.not_before), candidate)
    days = _candidate_days(candidate, first_day, not_before, end)
    in_loop: dict[str, int] = {}
    placed: dict[int, Placed] = {}
    trained: set[str] = set()

    cursor_day, cursor, today = 0, days[0][0] if days else None, 0

    for rnd in (r for r in rounds if not r.asynchronous):
        if rnd.not_before and (cursor is None or cursor < rnd.not_before):
            later = [i for i, (lo, hi) in enumerate(days) if hi > rnd.not_before]
            d = later[0] if later else len(days)
            if d != cursor_day:
                today = 0
            cursor_day = d
            cursor = max(days[d][0], round_up(rnd.not_before)) if later else None
        length = timedelta(minutes=rnd.minutes)
        worst: dict[str, tuple[int, str, int]] = {}
        found = None
        if rnd.panel:
            got = place_panel(
                ledger, rnd, days, (cursor_day, cursor, today), in_loop, last_assigned
            )
            placed[rnd.number] = got
            if got.starts_at is not None:
                d = next(i for i, (lo, hi) in enumerate(days) if lo <= got.starts_at < hi)
                placed[rnd.number] = with_trainee(ledger, rnd, got, days[d], trained)
                today = 0 if d != cursor_day else today
                cursor_day, cursor, today = d, got.starts_at + length + GAP, today + 1
            continue
        for d in range(cursor_day, len(days)):
            lo, hi = days[d]
            if d == cursor_day:
                if today >= MAX_ROUNDS_PER_DAY:
                    continue
                lo = max(lo, cursor) if cursor else lo
            options = []
            for person in sorted(set(rnd.pool)):
                start, why, overlap = earliest(ledger, person, days[d], lo, hi, length)
                if start is None:
                    depth = (DEPTH[why], why, overlap)
                    if person not in worst or depth > worst[person]:
                        worst[person] = depth
                    continue
                options.append(
                    (
                        in_loop.get(person, 0),
                        ledger.load_near(person, start),
                        start,
                        last_assigned.get(person, datetime.min.replace(tzinfo=start.tzinfo)),
                        person,
                    )
                )
            if options:
                found = (d, min(options))
                break
        if found is None:
            refusals = tuple(
                Refusal(p, worst[p][1], worst[p][2]) for p in sorted(set(rnd.pool)) if p in worst
            )
            placed[rnd.number] = Placed(rnd.number, None, None, refusals)
            continue
        d, (_, _, start, _, person) = found
        if d != cursor_day:
            today = 0
        cursor_day, cursor, today = d, start + length + GAP, today + 1
        ledger.add(Booking(person, start, start + length))
        in_loop[person] = in_loop.get(person, 0) + 1
        last_assigned[person] = start
        placed[rnd.number] = with_trainee(
            ledger, rnd, Placed(rnd.number, start, person), days[d], trained
        )

    anchor = days[0][0] if days else None
    for rnd in (r for r in rounds if r.asynchronous):
        people = sorted(set(rnd.pool))
        if not people or anchor is None:
            placed[rnd.number] = Placed(rnd.number, None, people[0] if people else None)
            continue
        cap = limits.weekly_cap
        open_ = [
            p for p in people if cap is None or ledger.weekly.get((p, week_of(anchor)), 0) < cap
        ] or people
        ranked = sorted(
            open_,
            key=lambda p: (
                p not in rnd.pinned[: rnd.seats],
                in_loop.get(p, 0),
                ledger.load_near(p, anchor),
                last_assigned.get(p, datetime.min.replace(tzinfo=anchor.tzinfo)),
                p,
            ),
        )
        reviewers = tuple(ranked[: rnd.seats])
        for person in reviewers:
            in_loop[person] = in_loop.get(person, 0) + 1
        unpinned = tuple(p for p in rnd.pinned[: rnd.seats] if p not in reviewers)
        panel = reviewers if rnd.seats > 1 else ()
        placed[rnd.number] = Placed(rnd.number, None, reviewers[0], (), panel, (), unpinned)
    return [placed[r.number] for r in rounds]


def replacement(
    *,
    number: int,
    start: datetime | None,
    minutes: int,
    pool: Iterable[str],
    hours: dict[str, WorkingDay],
    bookings: Iterable[Booking],
    last_assigned: dict[str, datetime] | None = None,
    limits: Limits | None = None,
    now: datetime,
) -> Placed:
    """Who can take a round whose time is fixed (its interviewer can't make it): the pool member
    inside their working day then, free with the buffer, under the daily maximum and the weekly
    cap, least loaded, then least recently assigned. An asynchronous round (no `start`) goes to
    the least loaded. Nobody: each person's reason, as `Placed.refusals`."""
    ledger = Ledger(hours=hours, limits=limits or Limits())
    for b in sorted(bookings, key=lambda b: (b.starts_at, b.user_id, b.ends_at)):
        ledger.add(b)
    last = last_assigned or {}
    when = start or now
    options, refusals = [], []
    for person in sorted(set(pool)):
        if start is not None:
            length = timedelta(minutes=minutes)
            span = (start, start + length)
            got, why, overlap = earliest(ledger, person, span, *span, length)
            if got != start:
                refusals.append(Refusal(person, why or BUSY, overlap))
                continue
        never = datetime.min.replace(tzinfo=when.tzinfo)
        options.append((ledger.load_near(person, when), last.get(person, never), person))
    if not options:
        return Placed(number, start, None, tuple(refusals))
    return Placed(number, start, min(options)[-1])
