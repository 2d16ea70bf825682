"""Which messages a round or a loop change will send, and when. The database is the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot.store.models import Assignment, Reminder, Round


class Kind(StrEnum):
    # before and after each interview, to the round's people
    GUIDE = "guide"
    HEADS_UP = "heads_up"
    DUE = "due"
    NUDGE = "nudge"
    ESCALATION = "escalation"
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


# Minutes relative to the interview's start (guide, heads-up) or end (the rest).
DEFAULT_OFFSETS: dict[str, int] = {
    Kind.GUIDE: -24 * 60,
    Kind.HEADS_UP: -15,
    Kind.DUE: 0,
    Kind.NUDGE: 24 * 60,
    Kind.ESCALATION: 48 * 60,
}
BEFORE_START = (Kind.GUIDE, Kind.HEADS_UP)


def offsets_for(global_offsets: dict[str, int], document_offsets: dict[str, int]) -> dict[str, int]:
    """Defaults, then the deployment's settings, then the loop document's front matter."""
    return {**DEFAULT_OFFSETS, **global_offsets, **document_offsets}


def round_reminders(
    *,
    rnd: Round,
    responsible: Assignment,
    accountable: Assignment | None,
    now: datetime,
    offsets: dict[str, int],
) -> list[Reminder]:
    """The reminder rows for one round version; a guide that is already late goes out at once."""
    if rnd.starts_at is None or rnd.cancelled:
        return []
    start = rnd.starts_at
    end = start + timedelta(minutes=rnd.duration_minutes)
    rows = []
    for kind in (Kind.GUIDE, Kind.HEADS_UP, Kind.DUE, Kind.NUDGE, Kind.ESCALATION):
        base = start if kind in BEFORE_START else end
        due = base + timedelta(minutes=offsets[kind])
        if kind in BEFORE_START and start <= now:
            continue
        if kind is Kind.HEADS_UP and due <= now:
            continue
        target = accountable if kind is Kind.ESCALATION else responsible
        if target is None:
            continue
        rows.append(
            Reminder(
                assignment_id=target.id,
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
