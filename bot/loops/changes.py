"""Changing a loop: reschedule, swap, cancel (as its status allows, `bot.loops.status`). Each
moves its reminders in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from bot.authz import Action, can, require
from bot.errors import InvalidInput
from bot.loops.ledger import overlaps
from bot.loops.panels import unique
from bot.loops.places import written_part_due
from bot.loops.queries import (
    LOOP_ROLE,
    OBSERVER,
    ROUND_LETTERS,
    TRAINEE_PARTS,
    Seat,
    assignments_of,
    bookings_between,
    rounds_of,
    standing,
    template_of,
)
from bot.loops.service import loop_notices
from bot.loops.status import cancellable, changeable
from bot.loops.submissions import ReviewClock
from bot.loops.validate import BOOKABLE, written_part_passed
from bot.reminders.plan import BEFORE_START, Kind, notice, round_reminders
from bot.store.models import (
    AskState,
    Assignment,
    AuditEntry,
    Decline,
    DeclineState,
    Loop,
    LoopStatus,
    Reminder,
    ReminderState,
    ReplacementAsk,
    Round,
)


def _round(session: Session, loop: Loop, number: int) -> Round:
    rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
    if rnd is None:
        raise InvalidInput(f"Loop `{loop.short_id}` has no round {number}.")
    return rnd


def _cancel_pending(session: Session, *, loop_id: int, round_id: int | None = None) -> None:
    """The loop's (or one round's) messages still to send stop, but for telling someone they
    are off a round: a later change does not make that less true (it is written again for
    nobody)."""
    query = update(Reminder).where(
        col(Reminder.loop_id) == loop_id,
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.kind) != Kind.UNASSIGNED,
    )
    if round_id is not None:
        query = query.where(col(Reminder.round_id) == round_id)
    session.exec(query.values(state=ReminderState.CANCELLED))  # type: ignore[call-overload]


def _settle_declines(
    session: Session, *, loop_id: int, round_id: int | None = None, user_id: str | None = None
) -> None:
    """A seat that changed hands (`user_id`'s on the round), or a cancelled loop, needs no
    replacement any more: open declines close and unanswered asks are withdrawn."""
    declines = select(Decline.id).where(
        Decline.loop_id == loop_id, Decline.state == DeclineState.ASKING
    )
    if round_id is not None:
        declines = declines.where(Decline.round_id == round_id)
    if user_id is not None:
        declines = declines.where(Decline.user_id == user_id)
    ids = list(session.exec(declines).all())
    if not ids:
        return
    session.exec(
        update(ReplacementAsk)  # type: ignore[call-overload]
        .where(
            col(ReplacementAsk.decline_id).in_(ids), col(ReplacementAsk.state) == AskState.PENDING
        )
        .values(state=AskState.VOID)
    )
    session.exec(
        update(Decline).where(col(Decline.id).in_(ids)).values(state=DeclineState.CLOSED)  # type: ignore[call-overload]
    )


def _check_free(
    session: Session,
    loop: Loop,
    user_id: str,
    start: datetime,
    minutes: int,
    *,
    skip_round: int | None,
) -> None:
    end = start + timedelta(minutes=minutes)
    for booking in bookings_between(session, start - timedelta(days=1), end + timedelta(days=1)):
        if booking.round_id == skip_round:
            continue
        if booking.user_id == user_id and overlaps(booking.starts_at, booking.ends_at, start, end):
            raise InvalidInput(f"<@{user_id}> is already interviewing at that time.")


def _replan(
    session: Session, loop: Loop, rnd: Round, now: datetime, offsets: dict[str, int]
) -> tuple[list[Seat], list[Reminder]]:
    """New reminders for the round's new version, and its Responsible rows. Someone who
    already has the round's guide is not sent it again: their "moved" DM gives the new time."""
    people = [a for a in assignments_of(session, loop) if a.round_id == rnd.id]
    accountable = next((a for a in people if a.letter == "A"), None)
    owners = [a for a in people if a.letter in ROUND_LETTERS]
    has_guide = set(
        session.exec(
            select(Reminder.assignment_id).where(
                Reminder.round_id == rnd.id,
                Reminder.kind == Kind.GUIDE,
                Reminder.state == ReminderState.SENT,
            )
        ).all()
    )
    planned = []
    for owner in owners:
        rows = round_reminders(
            rnd=rnd, responsible=owner, accountable=accountable, now=now, offsets=offsets
        )
        if owner.letter == OBSERVER:  # the guide and heads-up; no scorecard to remind of
            rows = [r for r in rows if r.kind in BEFORE_START]
        planned += [r for r in rows if not (r.kind == Kind.GUIDE and owner.id in has_guide)]
    return owners, unique(planned)


def _tell_consulted_and_informed(session: Session, loop: Loop, rnd: Round, now: datetime) -> None:
    holders = [a for a in assignments_of(session, loop) if a.letter == LOOP_ROLE]
    template = template_of(session, loop)
    session.add_all(loop_notices(loop, template, holders, Kind.CHANGED, now=now, round_id=rnd.id))


def _new_version(
    session: Session,
    loop: Loop,
    rnd: Round,
    *,
    now: datetime,
    offsets: dict[str, int],
    actor: str,
    action: str,
    owners_hear: Kind,
    change: dict,
    newcomer: str | None = None,
) -> None:
    """A changed round: new version, new reminders, its people and the C and I told, audited
    with what changed (`change`: from and to), which the messages quote."""
    rnd.version += 1
    loop.version += 1
    loop.updated_at = now
    session.add_all([rnd, loop])
    session.flush()
    owners, planned = _replan(session, loop, rnd, now, offsets)
    for owner in owners:
        if newcomer is None or owner.user_id == newcomer:  # a swap: the rest of a panel stays
            session.add(notice(owners_hear, owner, version=rnd.version, now=now))
    # After the notices, so a guide due at once follows the DM that says it "follows now".
    session.add_all(planned)
    _tell_consulted_and_informed(session, loop, rnd, now)
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action=action,
            loop_id=loop.id,
            detail={
                "round": rnd.number,
                "version": rnd.version,
                "loop_version": loop.version,
                **change,
            },
        )
    )


def reschedule(
    *,
    session: Session,
    loop: Loop,
    round_number: int,
    starts_at: datetime,
    actor: str,
    admins: list[str],
    now: datetime,
    offsets: dict[str, int],
) -> Round:
    """Move a round; the old time's reminders can never be sent."""
    require(Action.CHANGE, standing(session, loop, actor, admins=admins), loop=loop.short_id)
    changeable(loop)
    rnd = _round(session, loop, round_number)
    if rnd.starts_at is None and rnd.format == "async":
        raise InvalidInput(f"{rnd.number}. {rnd.name} is asynchronous: it has no meeting to move.")
    if starts_at == rnd.starts_at:
        raise InvalidInput(f"{rnd.number}. {rnd.name} is already at that time.")
    if starts_at <= now:
        raise InvalidInput("Pick a time in the future.")
    if starts_at > now + BOOKABLE:
        raise InvalidInput("Pick a time within two years.")
    if passed := written_part_passed(starts_at, rnd.format, loop, now):
        raise InvalidInput(f"{rnd.number}. {rnd.name}: {passed}")
    for owner in [
        a
        for a in assignments_of(session, loop)
        if a.round_id == rnd.id and a.letter in ROUND_LETTERS
    ]:
        _check_free(
            session, loop, owner.user_id, starts_at, rnd.duration_minutes, skip_round=rnd.id
        )
    _cancel_pending(session, loop_id=loop.id or 0, round_id=rnd.id)
    was = rnd.starts_at
    rnd.starts_at = starts_at
    rnd.written_due = written_part_due(
        starts_at, rnd.format, loop.candidate_tz, loop.candidate_hours
    )
    _new_version(
        session,
        loop,
        rnd,
        now=now,
        offsets=offsets,
        actor=actor,
        action="round.rescheduled",
        owners_hear=Kind.MOVED,
        change={"from": was.isoformat() if was else None, "to": starts_at.isoformat()},
    )
    return rnd


def swap(
    *,
    session: Session,
    loop: Loop,
    round_number: int,
    new_user: str,
    actor: str,
    admins: list[str],
    now: datetime,
    offsets: dict[str, int],
    old_user: str | None = None,
    review: ReviewClock | None = None,
) -> Round:
    """Give a round to someone else; the old interviewer is told, the new one gets the DMs. On
    a panel, `old_user` names whose seat (the lead's when None)."""
    require(Action.CHANGE, standing(session, loop, actor, admins=admins), loop=loop.short_id)
    return hand_over(
        session=session,
        loop=loop,
        round_number=round_number,
        new_user=new_user,
        actor=actor,
        now=now,
        offsets=offsets,
        old_user=old_user,
        strict=old_user is not None,
        review=review,
    )


def hand_over(
    *,
    session: Session,
    loop: Loop,
    round_number: int,
    new_user: str,
    actor: str,
    now: datetime,
    offsets: dict[str, int],
    old_user: str | None = None,
    strict: bool = False,
    review: ReviewClock | None = None,
) -> Round:
    """The round's new interviewer, once the caller has checked who may make the change (a
    swap by the people who run the loop, a replacement who accepted). In a panel, the newcomer
    takes `old_user`'s seat, an interviewer's or an observer's (the lead's when None); the
    others keep theirs. A trainee's seat is theirs to train in, never handed on. A submission
    already in is reviewed in a window of the newcomer's own (`review`), from now, when they
    are its only reviewer (a panel's share one window, which stays)."""
    changeable(loop)
    rnd = _round(session, loop, round_number)
    here = [
        a
        for a in assignments_of(session, loop)
        if a.round_id == rnd.id and a.letter in ROUND_LETTERS
    ]
    if any(a.user_id == new_user for a in here):
        raise InvalidInput(f"<@{new_user}> already runs {rnd.name}.")
    if rnd.starts_at is not None:
        _check_free(session, loop, new_user, rnd.starts_at, rnd.duration_minutes, skip_round=None)
    seats = [a for a in here if a.part not in TRAINEE_PARTS]
    if strict and not any(a.user_id == old_user for a in seats):
        if any(a.user_id == old_user for a in here):
            raise InvalidInput(
                f"<@{old_user}> is training in {rnd.number}. {rnd.name}: a trainee's seat is not "
                f"handed to someone else. To take them off it: `/loop remove {loop.short_id} "
                f"{rnd.number} <@{old_user}>`."
            )
        raise InvalidInput(f"<@{old_user}> is not in {rnd.number}. {rnd.name}.")
    lead = next((a for a in seats if a.letter == "R"), None)
    old = next((a for a in seats if a.user_id == old_user), lead)
    _cancel_pending(session, loop_id=loop.id or 0, round_id=rnd.id)
    _settle_declines(
        session, loop_id=loop.id or 0, round_id=rnd.id, user_id=old.user_id if old else None
    )
    if old is not None and (held := session.get(Assignment, old.id)) is not None:
        held.active = False
        session.add(held)
    alone = not [a for a in seats if a.letter == "R" and a is not old]  # one window a round
    if review and rnd.received_at and alone and (old is None or old is lead):
        rnd.review_due = review.window_end(session, now)
    code = old.role_code if old else "R"
    session.add(
        Assignment(
            loop_id=loop.id,
            round_id=rnd.id,
            letter=old.letter if old else "R",
            role_code=code,
            user_id=new_user,
            seat_of=(old.seat_of or old.id) if old else None,  # its place: the lead's stays first
            created_at=now,
        )
    )
    if not session.exec(
        select(Assignment).where(
            Assignment.loop_id == loop.id,
            Assignment.user_id == new_user,
            Assignment.letter == LOOP_ROLE,
            col(Assignment.active).is_(True),
        )
    ).first():
        session.add(
            Assignment(
                loop_id=loop.id, letter=LOOP_ROLE, role_code=code, user_id=new_user, created_at=now
            )
        )
    _new_version(
        session,
        loop,
        rnd,
        now=now,
        offsets=offsets,
        actor=actor,
        action="round.swapped",
        owners_hear=Kind.ASSIGNED,
        newcomer=new_user,
        change={
            "from_user": old.user_id if old else None,
            "to_user": new_user,
            **({"seat": "observer"} if old and old.letter == OBSERVER else {}),
        },
    )
    if old is not None:
        session.add(notice(Kind.UNASSIGNED, old, version=rnd.version, now=now))
    return rnd


def cancel(*, session: Session, loop: Loop, actor: str, admins: list[str], now: datetime) -> Loop:
    """Cancel the loop: pending reminders stop and everyone assigned is told."""
    require(Action.CANCEL, standing(session, loop, actor, admins=admins), loop=loop.short_id)
    cancellable(session, loop, now)
    _cancel_pending(session, loop_id=loop.id or 0)
    _settle_declines(session, loop_id=loop.id or 0)
    loop.status = LoopStatus.CANCELLED
    loop.version += 1
    loop.updated_at = now
    session.add(loop)
    session.flush()
    template = template_of(session, loop)
    told: set[str] = set()
    for holder in assignments_of(session, loop):
        if holder.letter != LOOP_ROLE or holder.user_id in told:
            continue
        who = standing(session, loop, holder.user_id, admins=admins, template=template)
        if can(Action.HEAR_OF_LOOP, who):
            told.add(holder.user_id)
            session.add(notice(Kind.CANCELLED, holder, version=loop.version, now=now))
    session.add(
        AuditEntry(at=now, actor=actor, action="loop.cancelled", loop_id=loop.id, detail={})
    )
    return loop
