"""The feedback cadence: when a missing scorecard is asked for again, and when it is escalated.

The first reminder (`due`, the reminder policy's minutes after the round ends: a live round's
end, an asynchronous round's review deadline) opens the cadence. Then one reminder at the start
of each of the interviewer's working days, for up to `days` of them: the first minute of their
interview hours (App Home, else LOOPBOT_WORKING_HOURS) in their Slack time zone, days outside
those hours (their weekend) skipped. At the start of working day `escalate_day` the loop's
hiring manager and recruiter hear of it, in one message per loop (bot.reminders.escalation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.loops.hours import DEFAULT_HOURS, Hours, WorkingDay, parse_hours
from bot.store.models import Round


@dataclass(frozen=True)
class Cadence:
    days: int = 5
    """Daily reminders after the first (LOOPBOT_FEEDBACK_DAYS)."""
    escalate_day: int = 2
    """The working day on which the hiring manager and recruiter hear
    (LOOPBOT_FEEDBACK_ESCALATE_DAY)."""
    default_hours: Hours = field(default_factory=lambda: parse_hours(DEFAULT_HOURS))

    @property
    def steps(self) -> int:
        """How many reminders one missing scorecard gets in all."""
        return 1 + self.days


@dataclass(frozen=True)
class Next:
    """Where one reminder stands in the cadence, as its text quotes it."""

    step: int
    """0 for the first reminder, then 1.. for the daily ones."""
    steps: int
    next_step: int | None = None
    next_at: datetime | None = None
    escalate_at: datetime | None = None
    """When this scorecard's own escalation day comes, if that is still ahead."""
    hear_at: datetime | None = None
    """When the hiring manager and recruiter hear it is missing, as things stand: its own
    escalation, or an earlier one of the loop's (each names every scorecard late then)."""
    told_at: datetime | None = None
    """When they were told, when a late-scorecards message already named it."""
    escalates: bool = True
    """False when nobody is ever told it is late: a trainee's practice scorecard, a loop whose
    debrief is open."""

    @property
    def number(self) -> int:
        return self.step + 1


def first_due(rnd: Round, due_minutes: int) -> datetime | None:
    """When the first reminder is due: the round's end (an asynchronous one's review deadline)
    plus the policy's `due` minutes."""
    if rnd.starts_at is not None:
        end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
    elif rnd.review_due is not None:
        end = rnd.review_due
    else:
        return None
    return end + timedelta(minutes=due_minutes)


def working_day_start(first: datetime, day: WorkingDay, n: int) -> datetime:
    """The start of the person's `n`-th working day after the local day of `first`."""
    local = day.local_day(first)
    found = 0
    for _ in range(8 * max(n, 1)):
        local += timedelta(days=1)
        window = day.window(local)
        if window is not None:
            found += 1
            if found == n:
                return window[0]
    raise ValueError("working hours with no working day")


def after(step: int, first: datetime, day: WorkingDay, cadence: Cadence, now: datetime) -> Next:
    """What follows reminder `step`: the next daily reminder still ahead of `now` (one missed
    while loopbot was down is not sent late in a burst), and the escalation if still ahead."""
    out = Next(step=step, steps=cadence.steps)
    for later in range(step + 1, cadence.days + 1):
        at = working_day_start(first, day, later)
        if at > now:
            out = Next(step=step, steps=cadence.steps, next_step=later, next_at=at)
            break
    escalate = working_day_start(first, day, cadence.escalate_day)
    if escalate > now:
        return Next(out.step, out.steps, out.next_step, out.next_at, escalate)
    return out
