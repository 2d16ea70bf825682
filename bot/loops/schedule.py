"""Laying a loop's rounds out in the candidate's working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 30)
GAP = timedelta(minutes=15)
MAX_ROUNDS_PER_DAY = 3


@dataclass(frozen=True)
class RoundLength:
    number: int
    minutes: int


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def propose_times(
    *,
    rounds: list[RoundLength],
    first_day: date,
    tz: ZoneInfo,
    not_before: datetime | None = None,
) -> dict[int, datetime]:
    """Start times (aware UTC) packing rounds into working days, in order, with short breaks.

    At most three rounds a day, so nobody faces six interviews back to back; weekends skipped.
    """
    day = first_day if first_day.weekday() < 5 else next_business_day(first_day)
    cursor = datetime.combine(day, WORKDAY_START, tzinfo=tz)
    if not_before and cursor < not_before:
        cursor = _round_up(not_before.astimezone(tz))
    today_count = 0
    out: dict[int, datetime] = {}
    for rnd in rounds:
        length = timedelta(minutes=rnd.minutes)
        end_of_day = datetime.combine(cursor.date(), WORKDAY_END, tzinfo=tz)
        if today_count >= MAX_ROUNDS_PER_DAY or cursor + length > end_of_day:
            day = next_business_day(cursor.date())
            cursor = datetime.combine(day, WORKDAY_START, tzinfo=tz)
            today_count = 0
        out[rnd.number] = cursor.astimezone(UTC)
        cursor = cursor + length + GAP
        today_count += 1
    return out


def _round_up(when: datetime, minutes: int = 30) -> datetime:
    when = when.replace(second=0, microsecond=0)
    extra = (-when.minute) % minutes
    return when + timedelta(minutes=extra)
