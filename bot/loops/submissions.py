"""An asynchronous round's submission: marked received, it starts the reviewer's window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.authz import Action, require
from bot.errors import InvalidInput
from bot.loops.hours import Hours, stored_hours
from bot.loops.places import ASYNC, ahead_of_submission, review_due
from bot.loops.queries import assignments_of, rounds_of, standing
from bot.reminders.plan import round_reminders
from bot.slack.format import slack_time
from bot.store.models import AuditEntry, Loop, LoopStatus, Round


@dataclass(frozen=True)
class ReviewClock:
    """What `reviewer`'s window is counted in: their time zone (from Slack), the deployment's
    `LOOPBOT_REVIEW_DAYS`, and its working hours if they set none in App Home."""

    reviewer: str | None
    tz: str | None
    days: int
    default_hours: Hours

    def window_end(self, session: Session, start: datetime) -> datetime:
        """The end of the window opened at `start`: in the reviewer's own days and zone."""
        who = self.reviewer
        hours = stored_hours(session, [who] if who else []).get(who or "")
        return review_due(start, self.tz, self.days, hours or self.default_hours)


def waiting_round(session: Session, loop: Loop, number: int) -> Round:
    """The asynchronous round `number`, still waiting for its submission."""
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop {loop.short_id} is cancelled.")
    rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
    if rnd is None or rnd.cancelled:
        raise InvalidInput(f"Loop {loop.short_id} has no round {number}.")
    if rnd.starts_at is not None or rnd.format != "async":
        raise InvalidInput(f"{rnd.number}. {rnd.name} is a live round; it has no submission.")
    if rnd.received_at is not None:
        raise InvalidInput(
            f"The submission for {rnd.number}. {rnd.name} was already marked received "
            f"{slack_time(rnd.received_at)}."
        )
    return rnd


def reviewer_of(session: Session, loop: Loop, rnd: Round) -> str | None:
    return next(
        (
            a.user_id
            for a in assignments_of(session, loop)
            if a.round_id == rnd.id and a.letter == "R"
        ),
        None,
    )


def mark_received(
    *,
    session: Session,
    loop: Loop,
    round_number: int,
    actor: str,
    admins: list[str],
    now: datetime,
    offsets: dict[str, int],
    review: ReviewClock,
) -> Round:
    """Record the submission and plan the reviewer's guide, due, nudge and escalation."""
    require(Action.MARK_RECEIVED, standing(session, loop, actor, admins=admins), loop=loop.short_id)
    rnd = waiting_round(session, loop, round_number)
    if reviewer_of(session, loop, rnd) != review.reviewer:  # changed since its zone was asked
        raise InvalidInput(
            f"{rnd.number}. {rnd.name} was just given to someone else; press *Submission "
            "received* again."
        )
    rnd.received_at = now
    rnd.review_due = review.window_end(session, now)
    loop.updated_at = now
    session.add_all([rnd, loop])
    session.flush()
    people = [a for a in assignments_of(session, loop) if a.round_id == rnd.id]
    accountable = next((a for a in people if a.letter == "A"), None)
    for owner in (a for a in people if a.letter == "R"):
        session.add_all(
            round_reminders(
                rnd=rnd, responsible=owner, accountable=accountable, now=now, offsets=offsets
            )
        )
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="round.received",
            loop_id=loop.id,
            detail={"round": rnd.number},
        )
    )
    return rnd


def awaited_submission(session: Session, loop: Loop, rnd: Round) -> Round | None:
    """The asynchronous round a live round builds on, when the live round now starts before that
    submission is due and it is not in yet. A proposal never puts it there; a person may (a
    submission received early is a reason to pull the live rounds in), and is told."""
    rounds = [r for r in rounds_of(session, loop) if not r.cancelled]
    awaited = [(r.number, r.format == ASYNC, None if r.received_at else r.deadline) for r in rounds]
    first = ahead_of_submission(awaited, rnd.number, rnd.starts_at)
    return next((r for r in rounds if r.number == first), None)
