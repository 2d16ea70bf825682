"""Saying one cannot make one's round: which rounds a person may say it of (`declinable`),
and a trainee leaving theirs (`step_out`). An interviewer's round then needs a replacement
(`bot.loops.replacements`); a trainee's goes on without them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.authz import Action, Standing, can, require, trains
from bot.errors import InvalidInput
from bot.loops.queries import INTERVIEWER, OBSERVER, TRAINEE_PARTS, assignments_of, rounds_of
from bot.loops.status import changeable
from bot.reminders.plan import Kind, notice
from bot.store.models import Assignment, AuditEntry, Loop, LoopStatus, Round, Scorecard


def declinable(session: Session, loop: Loop, number: int, who: Standing, now: datetime) -> Round:
    """The round `who` may say they cannot make: theirs, in a live loop; an interviewer's before
    it begins (then it is the recruiter's to swap), a trainee's until their practice scorecard
    is in (one who missed it says so afterwards too, so it does not count)."""
    rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
    on_it = replace(who, decided=False)  # whether it is theirs; the decision is said apart
    if rnd is not None and not can(Action.DECLINE_ROUND, on_it, round=number):
        gone = assignments_of(session, loop, active=False)
        if any(a.round_id == rnd.id and a.user_id == who.user_id and not a.active for a in gone):
            raise InvalidInput(f"You're no longer on {rnd.number}. {rnd.name}.")
    require(Action.DECLINE_ROUND, on_it, loop=loop.short_id, round=number)
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    if not can(Action.DECLINE_ROUND, who, round=number):
        changeable(loop)  # decided: an interviewer's replacement would be a swap
    if rnd is None:
        raise InvalidInput(f"Loop `{loop.short_id}` has no round {number}.")
    begun = rnd.starts_at is not None and rnd.starts_at <= now
    if begun and not trains(who, number):
        raise InvalidInput(
            f"{rnd.number}. {rnd.name} has already started; ask the recruiter to swap it."
        )
    if begun and _practice_in(session, rnd, who.user_id):
        raise InvalidInput(
            f"Your practice scorecard for {rnd.number}. {rnd.name} is in: the round counts "
            "toward your training."
        )
    return rnd


def _practice_in(session: Session, rnd: Round, user_id: str) -> bool:
    return (
        session.exec(
            select(Scorecard.id).where(
                Scorecard.round_id == rnd.id,
                Scorecard.author_id == user_id,
                col(Scorecard.submitted).is_(True),
            )
        ).first()
        is not None
    )


@dataclass(frozen=True)
class TraineeSeat:
    """A trainee's seat on a round: what they train as, and who holds the round without them."""

    rnd: Round
    part: str
    interviewers: list[str]
    """The round's interviewers, its lead first."""
    observers: list[str]
    begun: bool
    """The round has started (or is over): the trainee says they missed it."""


def trainee_seat(
    session: Session, loop: Loop, rnd: Round, user_id: str, now: datetime
) -> TraineeSeat:
    people = [a for a in assignments_of(session, loop) if a.round_id == rnd.id]
    return TraineeSeat(
        rnd,
        next(a.part for a in people if a.user_id == user_id and a.part in TRAINEE_PARTS),
        [a.user_id for a in people if a.letter == "R" and a.part == INTERVIEWER],
        [a.user_id for a in people if a.letter == OBSERVER],
        rnd.starts_at is not None and rnd.starts_at <= now,
    )


def step_out(
    session: Session, loop: Loop, number: int, who: Standing, now: datetime
) -> TraineeSeat:
    """A trainee who cannot make their round leaves it at once (`_leave`)."""
    rnd = declinable(session, loop, number, who, now)
    return _leave(session, loop, rnd, who.user_id, now, actor=who.user_id)


def take_off(
    session: Session, loop: Loop, number: int, trainee: str, by: Standing, now: datetime
) -> TraineeSeat:
    """Whoever may change the loop takes a trainee off their round (`_leave`), as the
    trainee's own *Can't make it* would: until their practice scorecard is in."""
    require(Action.CHANGE, by, loop=loop.short_id)
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
    if rnd is None:
        raise InvalidInput(f"Loop `{loop.short_id}` has no round {number}.")
    if not any(
        a.round_id == rnd.id and a.user_id == trainee and a.part in TRAINEE_PARTS
        for a in assignments_of(session, loop)
    ):
        raise InvalidInput(f"<@{trainee}> is not training in {rnd.number}. {rnd.name}.")
    if _practice_in(session, rnd, trainee):
        raise InvalidInput(
            f"<@{trainee}>'s practice scorecard for {rnd.number}. {rnd.name} is in: the round "
            "counts toward their training."
        )
    return _leave(session, loop, rnd, trainee, now, actor=by.user_id)


def _leave(
    session: Session, loop: Loop, rnd: Round, trainee: str, now: datetime, *, actor: str
) -> TraineeSeat:
    """A trainee leaves their round at once: nobody takes their seat (the round's interviewers
    run it as planned), their reminders stop, and the round no longer counts toward their
    training, so a later loop gives them the part again."""
    left = trainee_seat(session, loop, rnd, trainee, now)
    seat = next(
        a
        for a in assignments_of(session, loop)
        if a.round_id == rnd.id and a.user_id == trainee and a.part == left.part
    )
    held = session.get(Assignment, seat.id)
    assert held is not None
    held.active = False  # their reminders are never sent now (`checks.why_not_send`)
    session.add(held)
    if not left.begun:  # a round already held stays in their calendar, as it happened
        session.add(notice(Kind.UNASSIGNED, seat, version=rnd.version, now=now))  # the .ics
    loop.version += 1
    loop.updated_at = now
    session.add(loop)
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="round.trainee_stepped_out",
            loop_id=loop.id,
            detail={"round": rnd.number, "part": seat.part, "trainee": trainee},
        )
    )
    return left
