"""The check just before a reminder is sent: is it still true, still wanted, still on time?

Reminders are written when a loop is created or changed; by the time one is due, the loop may be
cancelled, the round moved or the scorecard already in. The dispatcher asks here, in the same
transaction that renews its lease on the row, and skips the reminder with the reason given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.errors import SlackUnavailable
from bot.loops.at_hand import LoopAtHand
from bot.loops.queries import LOOP_ROLE, TRAINEE_PARTS, assignments_of, template_of
from bot.reminders.followups import CADENCE_KINDS
from bot.reminders.plan import BEFORE_START, Kind
from bot.render import render
from bot.slack.messenger import Messenger
from bot.store.db import rows
from bot.store.models import Assignment, Decision, Loop, LoopStatus, Reminder, Round, Scorecard

SCORECARD_KINDS = (Kind.DUE, Kind.NUDGE, Kind.ESCALATION)
LOOP_WIDE = (
    Kind.SUMMARY,
    Kind.CALIBRATE,
    Kind.STATUS,
    Kind.CHANGED,
    Kind.CANCELLED,
    Kind.DECIDED,
    Kind.FINALIST,
    Kind.ITINERARY,
    Kind.LATE_SCORECARDS,
)
ENDED_BY_DECISION = (*SCORECARD_KINDS, Kind.LATE_SCORECARDS)
# Built once: each delivery runs them, and building a statement costs more than running it.
_SUBMITTED_IN = select(Scorecard.author_id).where(
    Scorecard.round_id == bindparam("round"), col(Scorecard.submitted).is_(True)
)
_DECISION_OF = select(Decision.outcome).where(Decision.loop_id == bindparam("loop"))


def why_not_send(
    session: Session, reminder: Reminder, now: datetime, hand: LoopAtHand | None
) -> str | None:
    """Why `reminder` must not go out at `now`, or None when it should (`hand`: its loop, None
    when gone)."""
    if hand is None:
        return "loop gone"
    loop = hand.loop
    if loop.status == LoopStatus.CANCELLED and reminder.kind != Kind.CANCELLED:
        return "loop cancelled"
    if loop.status == LoopStatus.DECIDED and reminder.kind in ENDED_BY_DECISION:
        return "loop decided"
    assignment = session.get(Assignment, reminder.assignment_id)
    if assignment is None or (not assignment.active and reminder.kind != Kind.UNASSIGNED):
        return "no longer assigned"
    if reminder.kind in LOOP_WIDE:
        return None
    rnd = hand.round(reminder.round_id) if reminder.round_id else None
    if rnd is None or rnd.cancelled:
        return "round gone"
    if rnd.version != reminder.round_version and reminder.kind != Kind.UNASSIGNED:
        return "round changed since"
    if reminder.kind in BEFORE_START and rnd.starts_at is not None and rnd.starts_at <= now:
        return "interview already started"
    if reminder.kind in SCORECARD_KINDS:
        owners = [
            a.user_id
            for a in hand.people
            if a.round_id == rnd.id and a.letter == "R" and a.part not in TRAINEE_PARTS
        ]
        submitted = [row.author_id for row in rows(session, _SUBMITTED_IN, {"round": rnd.id})]
        # An interviewer's reminders stop with their own scorecard (a panel's other
        # interviewer may still owe theirs); an older escalation row to the hiring manager
        # stops once the round's are all in.
        if assignment.letter == "R":
            if assignment.user_id in submitted:
                return "scorecard already in"
        elif owners and set(owners) <= set(submitted):
            return "scorecard already in"
    return None


def decision_label(session: Session, loop: Loop) -> str:
    """The decision as a message names it, or "" before there is one (a loop is decided by its
    decision, and may be cancelled after it)."""
    if loop.status not in (LoopStatus.DECIDED, LoopStatus.CANCELLED):
        return ""
    decision = next(iter(rows(session, _DECISION_OF, {"loop": loop.id})), None)
    labels = {"hire": "Hire", "no_hire": "No hire", "hold": "Hold"}
    return labels.get(decision.outcome, decision.outcome) if decision else ""


def failure_note(session: Session, reminder: Reminder, error: str) -> tuple[list[str], str]:
    """Who runs the loop day to day (its recruiter, else its creator) and what to tell them."""
    loop = session.get(Loop, reminder.loop_id)
    assignment = session.get(Assignment, reminder.assignment_id)
    assert loop is not None and assignment is not None
    template = template_of(session, loop)
    informed = {
        r.code
        for r in template.roles
        if not r.finalists_only and any(r.code in rnd.informed for rnd in template.rounds)
    }
    recruiters = sorted(
        {
            a.user_id
            for a in assignments_of(session, loop)
            if a.letter == LOOP_ROLE and a.role_code in informed
        }
    )
    rnd = session.get(Round, reminder.round_id) if reminder.round_id else None
    note = render(
        "delivery_failed",
        kind=reminder.kind,
        round=f"{rnd.number}. {rnd.name}" if rnd else "",
        user=assignment.user_id,
        short_id=loop.short_id,
        error=error,
    )
    return recruiters or [loop.created_by], note


def ask_slack_first(messenger: Messenger, user_id: str | None, kind: str) -> None:
    """What delivering a reminder asks Slack (the person's DM channel; their time zone for a
    first or daily scorecard reminder), asked before the delivery's write transaction, so a
    slow Slack never holds the database's write lock, which every request's replay guard
    waits on. Whom and what the claim told (`claims.CLAIM_SQLITE`). The messenger caches the
    answers; a refusal here is met again in the delivery, which handles it."""
    if user_id is None:
        return
    try:
        messenger.dm_channel(user_id)
        if kind in CADENCE_KINDS:
            messenger.user(user_id)
    except SlackUnavailable:
        pass
