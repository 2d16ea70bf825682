"""Whether a round moved or handed by hand falls outside someone's interview hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlmodel import Session

from bot.errors import SlackUnavailable
from bot.loops.hours import WorkingDay, hours_or, stored_hours
from bot.render import render
from bot.runtime import Runtime
from bot.slack.format import mention, zone_time
from bot.store.models import Loop, Round


class HoursCheck(NamedTuple):
    starts: datetime
    end: datetime
    people: list[str]
    saved: dict
    """Each person's saved interview hours, where they saved some."""
    candidate: tuple[str, str, str | None] | None = None
    """The candidate's name, time zone and hours (None: the default), when their time moved."""


def hours_check(
    session: Session, rnd: Round, people: list[str], *, candidate: Loop | None = None
) -> HoursCheck | None:
    """What `outside_hours` needs from the store: the round's times, the people and their
    saved hours (read in the change's transaction; Slack is asked after it), and with
    `candidate` (a round moved), the candidate's hours too."""
    if rnd.starts_at is None:
        return None
    end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
    theirs = (
        (candidate.candidate_name, candidate.candidate_tz, candidate.candidate_hours)
        if candidate
        else None
    )
    return HoursCheck(rnd.starts_at, end, people, stored_hours(session, people), theirs)


def outside_hours(runtime: Runtime, check: HoursCheck | None) -> str:
    """A round moved or handed by hand may fall outside someone's interview hours: the change
    goes ahead (a person decided it) and the confirmation says so, with their local time. A
    person whose time zone Slack does not give now is not checked."""
    if check is None:
        return ""
    starts, end, people, saved, candidate = check
    outside = []
    if candidate is not None:
        name, tz, hours = candidate
        day = WorkingDay(tz, hours_or(hours, runtime.settings.working_hours))
        if not day.contains(starts, end):
            local = zone_time(starts, day.tz)
            outside.append({"candidate": name, "hours": day.describe(), "local": local})
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
