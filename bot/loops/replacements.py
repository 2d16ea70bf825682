"""An interviewer who cannot make their round: the replacement asked in turn, or the recruiter.

The interviewer says so with a reason; loopbot asks the best free person of the round's pool
(the assignment engine's choice: free then, under the weekly cap, least loaded, not already
interviewing in this loop), one at a time, each with an answer-by time. Someone who accepts takes
the round over as a swap would. A decline or no answer asks the next person. After the configured
number of asks, or when the interview is closer than the cut-off, or when nobody is free, the
recruiter picks someone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from bot.authz import Standing
from bot.errors import InvalidInput, NotAllowed
from bot.loops import changes
from bot.loops.assignment import replacement
from bot.loops.hours import Hours, WorkingDay, stored_hours
from bot.loops.leaving import declinable
from bot.loops.ledger import Limits, Refusal
from bot.loops.queries import (
    LOOP_ROLE,
    ROUND_LETTERS,
    assignments_of,
    bookings_between,
    last_assigned,
    template_of,
)
from bot.loops.submissions import ReviewClock
from bot.loops.training import in_training, progress
from bot.store.models import (
    AskState,
    Decline,
    DeclineState,
    Loop,
    OutboxMessage,
    ReplacementAsk,
    Round,
)

WITHDRAWN = "replacement_withdrawn"
"""The outbox purpose of the edit that tells an asked person their question was withdrawn."""

# Why the recruiter is handed a round (the messages say it in words).
ASKED_ENOUGH, TOO_CLOSE, NOBODY_ELSE, NOBODY_FREE = "asked", "too_close", "nobody_else", "busy"


@dataclass(frozen=True)
class Policy:
    asks: int
    """People asked, one after another, before the recruiter takes over."""
    cutoff: timedelta
    """Closer than this to the interview, nobody is asked: the recruiter picks."""
    answer_within: timedelta
    """How long each person has to answer."""
    limits: Limits
    default_hours: Hours
    zone_of: Callable[[str], str]
    """Each person's time zone (from Slack), for their working day."""
    training: tuple[int, int] = (0, 0)
    """The shadows and reverse shadows a trainee needs: until then they are never asked to run a
    round alone (`bot.loops.training`)."""


@dataclass(frozen=True)
class Step:
    """What happens next for a declined round: one person asked, or the recruiter's turn."""

    decline: Decline
    rnd: Round
    ask: ReplacementAsk | None = None
    handed_over: str = ""
    """Why the recruiter picks (set when `ask` is None): ASKED_ENOUGH, TOO_CLOSE, NOBODY_ELSE
    or NOBODY_FREE (then `refusals` says why each person could not)."""
    refusals: tuple[Refusal, ...] = ()
    cutoff_hours: int = 0
    earlier: tuple[ReplacementAsk, ...] = ()
    """The asks before this step, in order, with their answers."""


def _asks(session: Session, decline: Decline) -> list[ReplacementAsk]:
    return _asks_of(session, decline.id or 0)


def _asks_of(session: Session, decline_id: int) -> list[ReplacementAsk]:
    return list(
        session.exec(
            select(ReplacementAsk)
            .where(ReplacementAsk.decline_id == decline_id)
            .order_by(col(ReplacementAsk.id))
        ).all()
    )


def decline_round(
    session: Session, loop: Loop, number: int, who: Standing, reason: str, now: datetime
) -> Decline:
    """Record that the round's interviewer cannot make it (they stay on it until replaced)."""
    rnd = declinable(session, loop, number, who, now)
    open_ = session.exec(
        select(Decline).where(
            Decline.round_id == rnd.id,
            Decline.user_id == who.user_id,
            Decline.state == DeclineState.ASKING,
        )
    ).first()
    if open_ is not None:
        raise InvalidInput(
            f"You already said you can't make {rnd.number}. {rnd.name}; loopbot is finding someone."
        )
    decline = Decline(
        loop_id=loop.id or 0,
        round_id=rnd.id or 0,
        user_id=who.user_id,
        reason=reason.strip(),
        created_at=now,
    )
    session.add(decline)
    session.flush()
    return decline


def last_ask(session: Session, ask: ReplacementAsk, rnd: Round, policy: Policy) -> bool:
    """Whether the recruiter, not someone else, has the round if this ask goes unanswered:
    the policy's last ask, one whose answer-by time was cut back to the cutoff, or one to the
    only person free to take the round (the pool as it stands, at the answer-by time)."""
    asked = tuple(a for a in _asks_of(session, ask.decline_id) if (a.id or 0) <= (ask.id or 0))
    cut = rnd.starts_at is not None and ask.expires_at >= rnd.starts_at - policy.cutoff
    if len(asked) >= policy.asks or cut:
        return True
    loop, decline = session.get(Loop, ask.loop_id), session.get(Decline, ask.decline_id)
    assert loop is not None and decline is not None
    after, _ = _best_replacement(session, loop, rnd, decline, asked, ask.expires_at, policy)
    return after is None


def next_step(
    session: Session, loop: Loop, decline: Decline, now: datetime, policy: Policy
) -> Step:
    """Ask the next best person, or hand the round to the recruiter (and say why)."""
    rnd = session.get(Round, decline.round_id)
    assert rnd is not None
    earlier = tuple(_asks(session, decline))

    def hand_over(why: str, refusals: tuple[Refusal, ...] = ()) -> Step:
        decline.state = DeclineState.HANDED_OVER
        session.add(decline)
        hours = round(policy.cutoff.total_seconds() / 3600)
        return Step(
            decline, rnd, handed_over=why, refusals=refusals, earlier=earlier, cutoff_hours=hours
        )

    if len(earlier) >= policy.asks:
        return hand_over(ASKED_ENOUGH)
    if rnd.starts_at is not None and rnd.starts_at - now < policy.cutoff:
        return hand_over(TOO_CLOSE)
    person, refusals = _best_replacement(session, loop, rnd, decline, earlier, now, policy)
    if person is None:
        return hand_over(NOBODY_FREE if refusals else NOBODY_ELSE, refusals)
    # Their answer-by time lies in their own working day: asked at night, they have the hours.
    hours = stored_hours(session, [person]).get(person, policy.default_hours)
    expires = WorkingDay(policy.zone_of(person), hours).after(now, policy.answer_within)
    if rnd.starts_at is not None:
        expires = min(expires, rnd.starts_at - policy.cutoff)
    ask = ReplacementAsk(
        decline_id=decline.id or 0,
        loop_id=loop.id or 0,
        user_id=person,
        asked_at=now,
        expires_at=expires,
    )
    session.add(ask)
    session.flush()
    return Step(decline, rnd, ask=ask, earlier=earlier)


def _best_replacement(
    session: Session,
    loop: Loop,
    rnd: Round,
    decline: Decline,
    earlier: tuple[ReplacementAsk, ...],
    now: datetime,
    policy: Policy,
) -> tuple[str | None, tuple[Refusal, ...]]:
    """The engine's choice among the round's pool: not the one who declined, not asked before,
    not interviewing in this loop already."""
    people = assignments_of(session, loop)
    code = next(
        (a.role_code for a in people if a.round_id == rnd.id and a.letter == "R"),
        None,
    )
    busy_here = {a.user_id for a in people if a.letter in ROUND_LETTERS}
    asked = {a.user_id for a in earlier}
    learning = progress(
        session,
        template_of(session, loop).trainees,
        now=now,
        shadows=policy.training[0],
        reverse_shadows=policy.training[1],
    )
    pool = sorted(
        {
            a.user_id
            for a in people
            if a.letter == LOOP_ROLE and a.role_code == code and a.user_id not in busy_here
        }
        - asked
        - {decline.user_id}
        - in_training(learning)
    )
    if not pool:
        return None, ()
    saved = stored_hours(session, pool)
    start = rnd.starts_at or now
    end = start + timedelta(minutes=rnd.duration_minutes)
    picked = replacement(
        number=rnd.number,
        start=rnd.starts_at,
        minutes=rnd.duration_minutes,
        pool=pool,
        hours={u: WorkingDay(policy.zone_of(u), saved.get(u, policy.default_hours)) for u in pool},
        bookings=bookings_between(session, start - timedelta(days=7), end + timedelta(days=7)),
        last_assigned=last_assigned(session, pool),
        limits=policy.limits,
        now=now,
    )
    return picked.user_id, picked.refusals


@dataclass(frozen=True)
class Answer:
    ask: ReplacementAsk
    decline: Decline
    rnd: Round
    accepted: bool
    next: Step | None = None
    """After a decline: who is asked next, or the recruiter's turn."""


def answer(
    session: Session,
    loop: Loop,
    ask: ReplacementAsk,
    *,
    actor: str,
    accept: bool,
    now: datetime,
    policy: Policy,
    offsets: dict[str, int],
    review: ReviewClock | None = None,
) -> Answer:
    """The asked person's answer; an accept takes the round over (a submission already in is
    theirs to review in a window of their own, `review`), anything else moves on."""
    if ask.user_id != actor:
        raise NotAllowed(f"This question was for <@{ask.user_id}>.")
    decline = session.get(Decline, ask.decline_id)
    assert decline is not None
    rnd = session.get(Round, decline.round_id)
    assert rnd is not None
    if ask.state == AskState.EXPIRED or (ask.state == AskState.PENDING and now >= ask.expires_at):
        raise InvalidInput(
            f"This question expired; {rnd.number}. {rnd.name} has gone to someone else to decide."
        )
    taken = _take(session, ask, AskState.ACCEPTED if accept else AskState.DECLINED, now)
    if not taken or decline.state != DeclineState.ASKING:
        raise InvalidInput(f"{rnd.number}. {rnd.name} no longer needs an answer from you.")
    if not accept:
        return Answer(ask, decline, rnd, False, next_step(session, loop, decline, now, policy))
    changes.hand_over(
        session=session,
        loop=loop,
        round_number=rnd.number,
        new_user=actor,
        actor=actor,
        now=now,
        offsets=offsets,
        old_user=decline.user_id,
        review=review,
    )
    decline.state = DeclineState.REPLACED
    session.add(decline)
    return Answer(ask, decline, rnd, True)


def loops_with_expired_asks(session: Session, now: datetime) -> list[int | None]:
    """The loops `expired_asks` would settle now (a read: nothing is taken)."""
    return list(session.exec(select(ReplacementAsk.loop_id).where(*_expired(now))).all())


def _expired(now: datetime) -> tuple:
    return (ReplacementAsk.state == AskState.PENDING, col(ReplacementAsk.expires_at) <= now)


def expired_asks(session: Session, now: datetime) -> list[ReplacementAsk]:
    """Asks nobody answered in time (the next step is taken for each)."""
    due = session.exec(select(ReplacementAsk).where(*_expired(now))).all()
    return [ask for ask in due if _take(session, ask, AskState.EXPIRED, now)]


def _take(session: Session, ask: ReplacementAsk, state: AskState, now: datetime) -> bool:
    """Settle a pending ask, once: an answer and an expiry (or two replicas' expiry jobs)
    racing for it leave exactly one winner, whose step is then taken."""
    done = session.exec(
        update(ReplacementAsk)  # type: ignore[call-overload]
        .where(col(ReplacementAsk.id) == ask.id, col(ReplacementAsk.state) == AskState.PENDING)
        .values(state=state, answered_at=None if state == AskState.EXPIRED else now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    session.expire(ask)
    return True


QUESTION_LOST = timedelta(minutes=5)
"""A question still not handed to Slack this long after its sending began (the process died,
Slack was down) is sent again, by the minute's sweep (`unsent_questions`)."""


def claim_question(session: Session, ask_id: int, seen: datetime, now: datetime) -> bool:
    """Take the sending of an ask's question, once: of a follow-up and the sweeps of several
    replicas, only the one whose update finds `asked_at` as it saw it sends it."""
    done = session.exec(
        update(ReplacementAsk)  # type: ignore[call-overload]
        .where(
            col(ReplacementAsk.id) == ask_id,
            col(ReplacementAsk.ts).is_(None),
            col(ReplacementAsk.state) == AskState.PENDING,
            col(ReplacementAsk.asked_at) == seen,
        )
        .values(asked_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def expire_now(session: Session, ask_id: int, now: datetime) -> None:
    """An open ask whose question Slack refuses for good: its answer-by time is now, so the
    minute's sweep takes the next step (`expired_asks`)."""
    session.exec(
        update(ReplacementAsk)  # type: ignore[call-overload]
        .where(col(ReplacementAsk.id) == ask_id, col(ReplacementAsk.state) == AskState.PENDING)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def unsent_questions(session: Session, now: datetime) -> list[ReplacementAsk]:
    """Open asks whose question never reached Slack, still before their answer-by time."""
    return list(
        session.exec(
            select(ReplacementAsk).where(
                ReplacementAsk.state == AskState.PENDING,
                col(ReplacementAsk.ts).is_(None),
                col(ReplacementAsk.asked_at) <= now - QUESTION_LOST,
                col(ReplacementAsk.expires_at) > now,
            )
        ).all()
    )


def withdrawn_questions(
    session: Session, loop_id: int | None
) -> list[tuple[ReplacementAsk, Round, str | None]]:
    """Questions a swap or a cancel withdrew, with their round and what the last edit queued
    for each says (None: none yet, its Accept and Decline still showing). In one loop, all of
    them: a later change (another swap, a cancel) can make what they say wrong. In all loops
    (None, the minute's sweep), only those not told yet."""
    told = select(OutboxMessage.id).where(
        OutboxMessage.purpose == WITHDRAWN,
        OutboxMessage.channel_id == ReplacementAsk.channel_id,
        OutboxMessage.edits_ts == ReplacementAsk.ts,
    )
    found = session.exec(
        select(ReplacementAsk, Round)
        .join(Decline, Decline.id == ReplacementAsk.decline_id)
        .join(Round, Round.id == Decline.round_id)
        .where(
            ReplacementAsk.loop_id == loop_id if loop_id is not None else ~told.exists(),
            ReplacementAsk.state == AskState.VOID,
            col(ReplacementAsk.channel_id).is_not(None),
            col(ReplacementAsk.ts).is_not(None),
        )
    ).all()
    said: dict[tuple[str | None, str | None], str] = {}
    if loop_id is not None and found:
        for edit in session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.loop_id == loop_id, OutboxMessage.purpose == WITHDRAWN)
            .order_by(col(OutboxMessage.id))
        ).all():
            said[(edit.channel_id, edit.edits_ts)] = edit.text
    return [(ask, rnd, said.get((ask.channel_id, ask.ts))) for ask, rnd in found]
