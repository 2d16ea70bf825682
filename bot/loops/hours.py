"""Working hours: the days and times a person interviews, in their own time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.store.models import WorkingHours

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_HOURS = "Mon-Fri 09:00-17:30"
SHORTEST_DAY = timedelta(minutes=30)
_RANGE = re.compile(
    r"^\s*(?P<d1>[a-z]{3})\w*\s*(?:[-–]\s*(?P<d2>[a-z]{3})\w*)?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*[-–]\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$",
    re.I,
)


@dataclass(frozen=True)
class Hours:
    """Interview days (0 = Monday) and a daily window, read in some time zone."""

    days: frozenset[int]
    start: time
    end: time

    def describe(self) -> str:
        return f"{days_text(self.days)} {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class WorkingDay:
    """A person's hours placed in their zone: where an interview may lie for them."""

    tz: str
    hours: Hours

    @property
    def zone(self) -> ZoneInfo:
        return zone_or_utc(self.tz)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """(start, end) in UTC of the person's working window on their local `day`."""
        if day.weekday() not in self.hours.days:
            return None
        zone = self.zone
        start = datetime.combine(day, self.hours.start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, self.hours.end, tzinfo=zone).astimezone(UTC)
        return start, end

    def windows_between(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The person's working windows that touch [start, end), in UTC, earliest first."""
        zone = self.zone
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        out = []
        while day <= last:
            found = self.window(day)
            if found and found[0] < end and start < found[1]:
                out.append(found)
            day += timedelta(days=1)
        return out

    def after(self, start: datetime, span: timedelta) -> datetime:
        """When `span` of the person's working time has passed since `start` (time outside
        their hours does not count); `start + span` when they have no working hours."""
        if not self.hours.days or self.hours.end <= self.hours.start:
            return start + span
        left, day = span, start.astimezone(self.zone).date()
        while True:
            found = self.window(day)
            if found and found[1] > start:
                lo, hi = max(found[0], start), found[1]
                if hi - lo >= left:
                    return lo + left
                left -= hi - lo
            day += timedelta(days=1)

    def contains(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside one of the person's working windows."""
        found = self.window(start.astimezone(self.zone).date())
        return found is not None and found[0] <= start and end <= found[1]

    def local_day(self, when: datetime) -> date:
        return when.astimezone(self.zone).date()

    def describe(self) -> str:
        return f"{self.hours.describe()} {self.tz}"


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def days_text(days: frozenset[int]) -> str:
    """ "Mon–Fri", "Mon, Wed, Fri", "every day"."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]}–{DAY_NAMES[ordered[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in ordered)


def check_hours(days: frozenset[int], start: time, end: time) -> str | None:
    """Why these hours cannot be used, in one sentence; None when they can."""
    if not days:
        return "Pick at least one day."
    if datetime.combine(date.min, end) - datetime.combine(date.min, start) < SHORTEST_DAY:
        return "End at least 30 minutes after the start (hours cannot cross midnight)."
    return None


def parse_hours(text: str) -> Hours:
    """`Mon-Fri 09:00-17:30` (days, then local start and end) as Hours; ValueError says why."""
    found = _RANGE.match(text or "")
    names = [d.lower() for d in DAY_NAMES]
    if (
        not found
        or found["d1"].lower() not in names
        or (found["d2"] and found["d2"].lower() not in names)
    ):
        raise ValueError(f"write days and hours like {DEFAULT_HOURS!r}")
    first = names.index(found["d1"].lower())
    last = names.index(found["d2"].lower()) if found["d2"] else first
    days = frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))
    try:
        start = time(int(found["h1"]), int(found["m1"]))
        end = time(int(found["h2"]), int(found["m2"]))
    except ValueError:
        raise ValueError("hours run from 00:00 to 23:59") from None
    problem = check_hours(days, start, end)
    if problem:
        raise ValueError(problem[0].lower() + problem[1:].rstrip("."))
    return Hours(days, start, end)


def hours_or(text: str | None, default: Hours) -> Hours:
    """Hours written as `Mon-Fri 09:00-17:30` (a candidate's, from step 1), else `default`."""
    return parse_hours(text) if text else default


def stored_hours(session: Session, user_ids: list[str]) -> dict[str, Hours]:
    """The hours people set in App Home (people who never did are absent)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(WorkingHours).where(col(WorkingHours.user_id).in_(sorted(set(user_ids))))
    ).all()
    return {
        r.user_id: Hours(
            frozenset(int(d) for d in r.days),
            time(r.start_minute // 60, r.start_minute % 60),
            time(r.end_minute // 60, r.end_minute % 60),
        )
        for r in rows
    }


def save_hours(session: Session, user_id: str, hours: Hours, *, now: datetime) -> None:
    row = session.get(WorkingHours, user_id) or WorkingHours(user_id=user_id)
    row.days = "".join(str(d) for d in sorted(hours.days))
    row.start_minute = hours.start.hour * 60 + hours.start.minute
    row.end_minute = hours.end.hour * 60 + hours.end.minute
    row.updated_at = now
    session.add(row)
