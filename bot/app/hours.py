"""Whether a round moved or handed by hand falls outside someone's interview hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlmodel import Session

from bot.errors import SlackUnavailable
from bot.loops.hours import WorkingDay, stored_hours
from bot.render import render
from bot.runtime import Runtime
from bot.slack.format import mention, zone_time
from bot.store.models import Round


class HoursCheck(NamedTuple):
    starts: datetime
    end: datetime
    people: list[str]
    saved: dict
    """Each person's saved interview hours, where they saved some."""


def hours_check(session: Session, rnd: Round, people: list[str]) -> HoursCheck | None:
    """What `outside_hours` needs from the store: the round's times, the people and their
    saved hours (read in the change's transaction; Slack is asked after it)."""
    if rnd.starts_at is None:
        return None
    end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
    return HoursCheck(rnd.starts_at, end, people, stored_hours(session, people))


def outside_hours(runtime: Runtime, check: HoursCheck | None) -> str:
    """A round moved or handed by hand may fall outside someone's interview hours: the change
    goes ahead (a person decided it) and the confirmation says so, with their local time. A
    person whose time zone Slack does not give now is not checked."""
    if check is None:
        return ""
    starts, end, people, saved = check
    outside = []
    for user_id in people:
        try:
            tz = runtime.messenger.user(user_id).tz
        except SlackUnavailable:
            continue
        day = WorkingDay(tz, saved.get(user_id, runtime.settings.working_hours))
        if not day.contains(starts, end):
            local = zone_time(starts, day.tz)
            outside.append({"who": mention(user_id), "hours": day.describe(), "local": local})
    return " " + render("outside_hours", outside=outside).strip() if outside else ""
