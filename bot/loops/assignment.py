"""The assignment engine: who runs each round. Pure and deterministic for the same inputs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

LOAD_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Slot:
    round_number: int
    round_name: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Booking:
    """An interview someone already has, in any loop."""

    user_id: str
    starts_at: datetime
    ends_at: datetime
    round_id: int | None = None


@dataclass(frozen=True)
class Pick:
    round_number: int
    user_id: str | None
    problem: str | None = None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def week_of(when: datetime) -> tuple[int, int]:
    iso = when.isocalendar()
    return iso.year, iso.week


def load_near(user_id: str, when: datetime, bookings: Iterable[Booking]) -> int:
    """Interviews the person has in the 7 days around `when`."""
    half = LOAD_WINDOW / 2
    return sum(1 for b in bookings if b.user_id == user_id and abs(b.starts_at - when) <= half)


def assign_responsible(
    *,
    slots: list[Slot],
    pool: list[str],
    bookings: list[Booking],
    last_assigned: dict[str, datetime] | None = None,
    weekly_cap: int | None = None,
    pinned: dict[int, str] | None = None,
) -> list[Pick]:
    """Pick a Responsible per slot from `pool`: free at that time, under the weekly cap, least
    loaded over the surrounding week, then least recently assigned; one round per person per
    loop while the pool allows. A slot nobody can take gets a Pick with a `problem`."""
    last_assigned = last_assigned or {}
    pinned = pinned or {}
    booked = list(bookings)
    taken_in_loop: dict[str, int] = {}
    picks: dict[int, Pick] = {}
    never = datetime.min.replace(tzinfo=slots[0].starts_at.tzinfo) if slots else None

    for slot in sorted(slots, key=lambda s: (s.starts_at, s.round_number)):
        if slot.round_number in pinned:
            chosen = pinned[slot.round_number]
        else:
            free, reasons = [], []
            for person in sorted(set(pool)):
                clash = next(
                    (
                        b
                        for b in booked
                        if b.user_id == person
                        and overlaps(b.starts_at, b.ends_at, slot.starts_at, slot.ends_at)
                    ),
                    None,
                )
                if clash:
                    reasons.append(f"<@{person}> is already interviewing then")
                    continue
                week = week_of(slot.starts_at)
                in_week = sum(
                    1 for b in booked if b.user_id == person and week_of(b.starts_at) == week
                )
                if weekly_cap is not None and in_week >= weekly_cap:
                    reasons.append(f"<@{person}> has reached the weekly cap of {weekly_cap}")
                    continue
                free.append(person)
            if not free:
                why = "; ".join(reasons) if reasons else "the pool is empty"
                picks[slot.round_number] = Pick(
                    slot.round_number, None, f"nobody in the pool can take {slot.round_name}: {why}"
                )
                continue
            chosen = min(
                free,
                key=lambda p: (
                    taken_in_loop.get(p, 0),
                    load_near(p, slot.starts_at, booked),
                    last_assigned.get(p, never),
                    p,
                ),
            )
        picks[slot.round_number] = Pick(slot.round_number, chosen)
        taken_in_loop[chosen] = taken_in_loop.get(chosen, 0) + 1
        booked.append(Booking(chosen, slot.starts_at, slot.ends_at))
        last_assigned = {**last_assigned, chosen: slot.starts_at}
    return [picks[s.round_number] for s in slots]
