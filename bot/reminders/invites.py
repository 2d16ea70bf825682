"""The `.ics` files that go with a notice: an interviewer's invite (added when they are given a
round or it moves, cancelled when they are swapped out or the loop is cancelled), and the
candidate's itinerary for the recruiter to forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.calendars.invites import (
    Stop,
    dm_link,
    invite_filename,
    invite_for,
    invite_ics,
    itinerary_ics,
    place_of,
)
from bot.errors import SlackUnavailable
from bot.loops.at_hand import LoopAtHand
from bot.loops.queries import (
    LOOP_ROLE,
    OBSERVER,
    ROUND_LETTERS,
    change_at,
    recruiter_roles,
    template_of,
)
from bot.loops.status import ahead
from bot.reminders.messages import Outgoing
from bot.reminders.plan import Kind
from bot.render import render
from bot.store.models import Assignment, Loop, LoopStatus, Reminder, Round

ROUND_KINDS = (Kind.ASSIGNED, Kind.MOVED, Kind.UNASSIGNED)


def runs(hand: LoopAtHand, rnd: Round, user_id: str) -> bool:
    """Whether the person still runs the round (an active R, or its observer)."""
    return any(
        a.round_id == rnd.id and a.letter in ROUND_LETTERS and a.user_id == user_id
        for a in hand.people
    )


def observes(hand: LoopAtHand, rnd: Round, user_id: str) -> bool:
    """Whether the person is the round's observer (in the room, writing no scorecard)."""
    return any(
        a.round_id == rnd.id and a.letter == OBSERVER and a.user_id == user_id for a in hand.people
    )


def invite_files(
    session: Session,
    reminder: Reminder,
    assignment: Assignment,
    *,
    hand: LoopAtHand,
    now: datetime,
    dm_of: Callable[[str], str],
) -> list[Outgoing]:
    """The files to share after the notice's text (none for other kinds of message)."""
    kind = Kind(reminder.kind)
    loop = hand.loop
    itinerary: list[Outgoing] = []
    if kind is Kind.ITINERARY or (
        kind in (Kind.CHANGED, Kind.CANCELLED)
        and assignment.letter == LOOP_ROLE
        and assignment.role_code in recruiter_roles(template_of(session, loop))
        and _candidate_sees(session, loop, reminder)
    ):  # the recruiter's copy of the candidate's day, again after every change to it
        itinerary = [_itinerary(session, loop, hand.rounds, now, kind)]
    if kind is Kind.ITINERARY:
        return itinerary
    if kind in ROUND_KINDS and assignment.letter in ROUND_LETTERS:
        rounds = [r for r in hand.rounds if r.id == reminder.round_id]
    elif kind is Kind.CANCELLED:  # an interview already held stays in the calendar
        mine = {
            a.round_id
            for a in hand.people
            if a.letter in ROUND_LETTERS and a.user_id == assignment.user_id
        }
        rounds = [r for r in ahead(session, loop, now) if r.id in mine]
    else:
        return itinerary
    if not rounds or all(r.starts_at is None for r in rounds):
        return itinerary
    title = template_of(session, loop).title
    try:
        link = dm_link(dm_of(assignment.user_id))
    except SlackUnavailable:  # the DM itself is refused: the sending below says so
        link = None
    out = list(itinerary)
    for rnd in rounds:
        active = kind is not Kind.UNASSIGNED and runs(hand, rnd, assignment.user_id)
        invite = invite_for(
            loop,
            rnd,
            assignment.user_id,
            active=active,
            title=title,
            guide_link=link,
            scores=not observes(hand, rnd, assignment.user_id),
        )
        if invite is None:
            continue
        text = render(
            "invite_file",
            cancelled=invite.cancelled,
            number=rnd.number,
            round_name=rnd.name,
            candidate=loop.candidate_name,
            short_id=loop.short_id,
        )
        out.append(
            Outgoing(
                text=text,
                blocks=[],
                file=(invite_filename(invite), invite_ics(invite, stamp=now)),
            )
        )
    return out


def _candidate_sees(session: Session, loop: Loop, reminder: Reminder) -> bool:
    """Whether a loop's change is one the candidate's day shows: a round moved, the loop
    cancelled. A swap changes who interviews, which the itinerary does not name."""
    if Kind(reminder.kind) is not Kind.CHANGED:
        return True
    change = change_at(session, loop, reminder.round_version)
    return change is None or "to" in change


def _itinerary(
    session: Session, loop: Loop, rounds: list[Round], now: datetime, kind: Kind
) -> Outgoing:
    """The candidate's day as a calendar file; once the loop is cancelled, the rounds still
    ahead are called off in it and the ones held stay (a decision taken early)."""
    called_off = (
        {r.id for r in ahead(session, loop, now)} if loop.status == LoopStatus.CANCELLED else set()
    )
    stops = [
        Stop(
            r.number,
            r.name,
            r.starts_at,
            r.duration_minutes,
            place_of(r),
            r.cancelled or r.id in called_off,
            r.written_due,
            r.deadline,
        )
        for r in rounds
        if r.starts_at is not None or r.deadline is not None
    ]
    cancelled = loop.status == LoopStatus.CANCELLED
    return Outgoing(
        text=render(
            "itinerary_file",
            candidate=loop.candidate_name,
            tz=loop.candidate_tz,
            changed=kind is Kind.CHANGED,
            sends=any(s.deadline or s.written_due for s in stops),
            cancelled=cancelled and all(s.cancelled for s in stops),
            called_off=cancelled and any(s.cancelled for s in stops),
        ),
        blocks=[],
        file=(
            f"itinerary-{loop.short_id.lower()}.ics",
            itinerary_ics(loop, stops, stamp=now),
        ),
    )
