"""Which messages a round or a loop change will send, and when. The database is the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot.reminders.policy import DEFAULT_OFFSETS, in_force
from bot.store.models import Assignment, Reminder, Round

__all__ = ["DEFAULT_OFFSETS", "Kind", "notice", "offsets_for", "round_reminders"]


class Kind(StrEnum):
    # before and after each interview, to the round's people
    GUIDE = "guide"
    HEADS_UP = "heads_up"
    DUE = "due"
    NUDGE = "nudge"
    """A daily scorecard reminder (its `step` in the cadence), planned when the one before
    went: bot.reminders.followups."""
    ESCALATION = "escalation"
    """A scorecard reached its escalation day: raises the loop's late-scorecards DMs."""
    LATE_SCORECARDS = "late_scorecards"
    """The hiring manager's and recruiter's one message per loop listing what is missing."""
    # when a loop is created or changed
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    MOVED = "moved"
    SUMMARY = "summary"
    CALIBRATE = "calibrate"
    STATUS = "status"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    DECIDED = "decided"
    FINALIST = "finalist"
    ITINERARY = "itinerary"


# Offsets count from the start (guide, heads-up) or the end (the rest): bot.reminders.policy
BEFORE_START = (Kind.GUIDE, Kind.HEADS_UP)


def offsets_for(global_offsets: dict[str, int], document_offsets: dict[str, int]) -> dict[str, int]:
    """Defaults, then the deployment's settings, then the loop document's front matter."""
    return in_force(global_offsets, document_offsets)


def round_reminders(
    *,
    rnd: Round,
    responsible: Assignment,
    accountable: Assignment | None = None,
    now: datetime,
    offsets: dict[str, int],
) -> list[Reminder]:
    """The reminder rows for one round version; a guide that is already late goes out at once.

    An asynchronous round has no meeting: nothing until its submission is received, then the
    guide at once and the first scorecard reminder after its review window; never a heads-up.
    The daily reminders and the escalation follow the first one as it is sent (the cadence is
    in the interviewer's zone, read then); `accountable` is no longer written to, since the
    escalation is one message per loop."""
    if rnd.cancelled:
        return []
    if rnd.starts_at is not None:
        start = rnd.starts_at
        end = start + timedelta(minutes=rnd.duration_minutes)
        kinds = [Kind.GUIDE, Kind.HEADS_UP, Kind.DUE]
    elif rnd.received_at is not None and rnd.review_due is not None:
        start, end = rnd.received_at, rnd.review_due
        kinds = [Kind.GUIDE, Kind.DUE]
    else:
        return []
    rows = []
    for kind in kinds:
        base = start if kind in BEFORE_START else end
        due = base + timedelta(minutes=offsets[kind])
        if kind in BEFORE_START and start <= now and rnd.starts_at is not None:
            continue
        if kind is Kind.HEADS_UP and due <= now:
            continue
        rows.append(
            Reminder(
                assignment_id=responsible.id,
                loop_id=rnd.loop_id,
                round_id=rnd.id,
                kind=kind,
                round_version=rnd.version,
                due_at=max(due, now),
            )
        )
    return rows


def notice(
    kind: Kind, assignment: Assignment, *, version: int, now: datetime, round_id: int | None = None
) -> Reminder:
    """A message to send now (loop created, changed or cancelled)."""
    return Reminder(
        assignment_id=assignment.id,
        loop_id=assignment.loop_id,
        round_id=round_id if round_id is not None else assignment.round_id,
        kind=kind,
        round_version=version,
        due_at=now,
    )
