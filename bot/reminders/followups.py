"""What a scorecard reminder leads to: the next daily reminder, the escalation, and the one
late-scorecards message per loop for its hiring manager and recruiter.

Each is a reminder row of its own, written in the transaction that records the send (or the
raise), and inserted only if its key (assignment, kind, round version, step) is new: two
replicas, or a retry, can never write a step twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.loops.hours import WorkingDay, stored_hours
from bot.loops.queries import (
    LOOP_ROLE,
    TRAINEE_PARTS,
    assignments_of,
    recruiter_roles,
    template_of,
)
from bot.loops.views import Snapshot
from bot.reminders.cadence import Cadence, Next, after, first_due
from bot.reminders.late import late_scorecards
from bot.reminders.plan import Kind
from bot.reminders.policy import in_force
from bot.store.db import rows
from bot.store.models import Assignment, Loop, LoopStatus, Reminder, ReminderState, Round

FOLDED = "already named in the loop's late-scorecards message"
CADENCE_KINDS = (Kind.DUE, Kind.NUDGE)
# Built once: a first or daily reminder runs them as it goes out.
_ESCALATIONS_AHEAD = (
    select(Reminder.due_at, Reminder.round_id, Reminder.assignment_id, Reminder.loop_id)
    .where(
        Reminder.loop_id == bindparam("loop"),
        Reminder.kind == Kind.ESCALATION,
        Reminder.state == ReminderState.PENDING,
        col(Reminder.due_at) > bindparam("now"),
        col(Reminder.due_at) >= bindparam("since"),
    )
    .order_by(col(Reminder.due_at))
)
_FIRST_NAMED = select(func.min(Reminder.due_at)).where(
    Reminder.loop_id == bindparam("loop"),
    Reminder.kind == Kind.LATE_SCORECARDS,
    col(Reminder.due_at) >= bindparam("since"),
    Reminder.state != ReminderState.FAILED,
)
_FIRST_NAMED_UNTIL = _FIRST_NAMED.where(col(Reminder.due_at) <= bindparam("until"))
_ROUND_NUMBER = select(Round.number).where(Round.id == bindparam("round"))


def where_in_cadence(
    session: Session,
    reminder: Reminder,
    assignment: Assignment,
    zone_of: Callable[[], str],
    cadence: Cadence,
    settings_offsets: dict[str, int],
    now: datetime,
) -> Next | None:
    """For a first or daily reminder: its place, the next one and the escalation, in the
    interviewer's zone (`zone_of`, read only for these) and working days."""
    if reminder.kind not in CADENCE_KINDS or reminder.round_id is None:
        return None
    rnd = session.get(Round, reminder.round_id)
    loop = session.get(Loop, reminder.loop_id)
    assert rnd is not None and loop is not None
    offsets = in_force(settings_offsets, template_of(session, loop).reminder_offsets)
    first = first_due(rnd, offsets["due"])
    if first is None:
        return None
    hours = stored_hours(session, [assignment.user_id]).get(
        assignment.user_id, cadence.default_hours
    )
    where = after(reminder.step, first, WorkingDay(zone_of(), hours), cadence, now)
    if assignment.part in TRAINEE_PARTS:  # a practice scorecard: nobody is told it is late
        return replace(where, escalate_at=None, escalates=False)
    since = max(first, assignment.created_at)
    heard = _who_hears(session, reminder.loop_id, since, where, now, settings_offsets)
    if loop.status != LoopStatus.SCHEDULED:  # the debrief is open: nothing more is raised
        return replace(heard, escalate_at=None, hear_at=None, escalates=False)
    return heard


def _who_hears(
    session: Session,
    loop_id: int,
    since: datetime,
    where: Next,
    now: datetime,
    settings_offsets: dict[str, int],
) -> Next:
    """When the hiring manager and recruiter were told, or will be, of a scorecard late since
    `since`: a late-scorecards message of the loop raised since then named it; else the first
    of the loop's escalations still to come that will raise one (its own, or another round's
    that comes first; one whose scorecard is in, or a message named already, raises none)."""
    told = _named_since(session, loop_id, since, until=now)
    if told is not None:
        return replace(where, told_at=told)
    pending = rows(session, _ESCALATIONS_AHEAD, {"loop": loop_id, "now": now, "since": since})
    loop = session.get(Loop, loop_id)
    submitted = Snapshot.read(session, [loop]).submitted if loop is not None else set()
    coming = next(
        (
            row.due_at
            for row in pending
            if not _in(session, row, submitted)
            and not _named_before(session, row, settings_offsets)
        ),
        None,
    )
    firsts = [at for at in (where.escalate_at, coming) if at is not None]
    return replace(where, hear_at=min(firsts)) if firsts else where


def _in(session: Session, escalation: Reminder, submitted: set[tuple[int, str]]) -> bool:
    """Whether the scorecard an escalation is for is in: then it raises nothing
    (`checks.why_not_send`)."""
    holder = session.get(Assignment, escalation.assignment_id)
    return holder is not None and (escalation.round_id or 0, holder.user_id) in submitted


def _named_since(
    session: Session, loop_id: int | None, since: datetime, *, until: datetime | None = None
) -> datetime | None:
    """When the first of the loop's late-scorecards messages raised at or after `since` (and
    no later than `until`) was raised; None when there is none. One that failed to go out
    does not count: nobody was told by it."""
    given = {"loop": loop_id, "since": since, "until": until}
    return rows(session, _FIRST_NAMED if until is None else _FIRST_NAMED_UNTIL, given)[0][0]


# One statement for any number of rows, run as executemany: rows written into VALUES make a
# statement SQLAlchemy cannot cache, compiled again on every insert.
_INSERT = {
    "postgresql": postgresql.insert(Reminder).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(Reminder).on_conflict_do_nothing(),
}


def _insert(session: Session, planned: list[dict]) -> None:
    if not planned:
        return
    dialect = session.get_bind().dialect.name
    session.connection().execute(_INSERT[dialect], planned)


def _row(reminder: Reminder, kind: Kind, step: int, due: datetime, now: datetime) -> dict:
    return {
        "assignment_id": reminder.assignment_id,
        "loop_id": reminder.loop_id,
        "round_id": reminder.round_id,
        "kind": kind.value,
        "round_version": reminder.round_version,
        "step": step,
        "due_at": due,
        "state": ReminderState.PENDING.value,
        "attempts": 0,
        "updated_at": now,
    }


def plan_next(session: Session, reminder: Reminder, where: Next, now: datetime) -> bool:
    """Once a first or daily reminder went: the next daily one, and after the first one the
    escalation (when its day is still ahead, else at once; none when nobody is told it is
    late). Returns whether one is due now."""
    planned = []
    if where.next_step is not None and where.next_at is not None:
        planned.append(_row(reminder, Kind.NUDGE, where.next_step, where.next_at, now))
    if reminder.kind == Kind.DUE and where.escalates:
        planned.append(_row(reminder, Kind.ESCALATION, 0, where.escalate_at or now, now))
    _insert(session, planned)
    return any(row["due_at"] <= now for row in planned)


def raise_escalation(
    session: Session, trigger: Reminder, now: datetime, settings_offsets: dict[str, int]
) -> bool:
    """A scorecard reached its escalation day: the loop's hiring manager(s) and recruiter(s)
    each get one late-scorecards message naming every scorecard late in the loop. A scorecard
    a message already named (it was late when an earlier one was raised) raises none; nor does
    anything once the debrief is open (the hiring manager went ahead without it) or the loop
    ended. Raises for one loop are serialized on its row, so two replicas never both send. The
    trigger is recorded sent (messages queued) or skipped; returns whether any were."""
    lock = select(Loop).where(Loop.id == trigger.loop_id).with_for_update()
    loop = session.exec(lock).one()
    late = late_scorecards(session, [loop], now, settings_offsets)
    why_not = None if loop.status == LoopStatus.SCHEDULED and late else "nothing to escalate"
    if why_not is None and _named_before(session, trigger, settings_offsets):
        why_not = FOLDED
    if why_not is not None:
        _record(session, trigger, ReminderState.SKIPPED, now, why_not)
        return False
    template = template_of(session, loop)
    accountable = {code for r in template.rounds for code in r.accountable}
    organisers = accountable | recruiter_roles(template)
    told: dict[str, Assignment] = {}
    for holder in assignments_of(session, loop):
        if holder.letter == LOOP_ROLE and holder.role_code in organisers:
            told.setdefault(holder.user_id, holder)
    planned = [
        {
            **_row(trigger, Kind.LATE_SCORECARDS, trigger.id or 0, now, now),
            "assignment_id": holder.id,
            "round_id": None,
            "round_version": loop.version,
        }
        for holder in told.values()
    ]
    _insert(session, planned)
    _record(session, trigger, ReminderState.SENT if planned else ReminderState.SKIPPED, now, None)
    return bool(planned)


def _named_before(session: Session, trigger: Reminder, settings_offsets: dict[str, int]) -> bool:
    """Whether a late-scorecards message of the loop was raised once this scorecard was late
    (after its first reminder was due, and after this interviewer had the round)."""
    rnd = session.get(Round, trigger.round_id) if trigger.round_id else None
    assignment = session.get(Assignment, trigger.assignment_id)
    loop = session.get(Loop, trigger.loop_id)
    if rnd is None or assignment is None or loop is None:
        return False
    offsets = in_force(settings_offsets, template_of(session, loop).reminder_offsets)
    first = first_due(rnd, offsets["due"])
    if first is None:
        return False
    return _named_since(session, trigger.loop_id, max(first, assignment.created_at)) is not None


def _record(
    session: Session, row: Reminder, state: ReminderState, now: datetime, error: str | None
) -> None:
    row.state, row.lease_until, row.last_error, row.updated_at = state, None, error, now
    session.add(row)


def _number(session: Session, assignment: Assignment) -> tuple[int, str] | None:
    found = rows(session, _ROUND_NUMBER, {"round": assignment.round_id})
    return (found[0].number, assignment.user_id) if found else None
