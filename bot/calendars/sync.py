"""Interview events in people's calendars, written through the outbox.

A change to a loop (created, a round moved or swapped, the loop cancelled) adds one outbox row
per round and person who runs or ran it, in the same transaction as the change. Sending a row
writes the event as things stand *then* (`invite_for`): created or updated in place by its UID,
or removed. So a retry, a restart, or a row sent after a later change writes the same event
again, never a second one.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.calendars import CalendarBackend, CalendarRefused
from bot.calendars.invites import dm_link, invite_for
from bot.loops.at_hand import LoopAtHand
from bot.loops.queries import ROUND_LETTERS, assignments_of, rounds_of, template_of
from bot.reminders.invites import observes, runs
from bot.slack.messenger import Messenger
from bot.store import Database
from bot.store.models import Loop, OutboxMessage, OutboxState, Round

CALENDAR = "calendar"
"""The outbox purpose of an event write: `channel_id` holds the person, `text` the round id."""


def queue_event_writes(
    session: Session,
    loop: Loop,
    *,
    now: datetime,
    actor: str | None,
    round_ids: set[int] | None = None,
) -> int:
    """One outbox row per live round (all, or `round_ids`) and person who runs or ran it; an
    asynchronous round has no meeting to put in anyone's calendar."""
    live = {r.id for r in rounds_of(session, loop) if r.starts_at is not None}
    seen: set[tuple[int, str]] = set()
    for a in assignments_of(session, loop, active=False):
        if a.letter not in ROUND_LETTERS or a.round_id not in live:
            continue
        if round_ids is not None and a.round_id not in round_ids:
            continue
        if (a.round_id, a.user_id) in seen:
            continue
        seen.add((a.round_id, a.user_id))
        session.add(
            OutboxMessage(
                loop_id=loop.id,
                channel_id=a.user_id,
                purpose=CALENDAR,
                text=str(a.round_id),
                actor=actor,
                state=OutboxState.PENDING,
                due_at=now,
                created_at=now,
            )
        )
    return len(seen)


def write_event(
    *,
    db: Database,
    calendar: CalendarBackend,
    messenger: Messenger,
    user_id: str,
    round_id: int,
    now: datetime,
) -> str:
    """Bring one person's event for one round in line with the loop; says what it did."""
    with db.read() as session:
        rnd = session.get(Round, round_id)
        hand = LoopAtHand.read(session, rnd.loop_id) if rnd is not None else None
        if rnd is None or hand is None:
            return "gone"
        loop, active = hand.loop, runs(hand, rnd, user_id)
        title = template_of(session, loop).title
    email = messenger.user(user_id).email
    if not email:
        raise CalendarRefused("no e-mail on the person's Slack profile")
    link = dm_link(messenger.dm_channel(user_id))
    invite = invite_for(
        loop,
        rnd,
        user_id,
        active=active,
        title=title,
        guide_link=link,
        email=email,
        scores=not observes(hand, rnd, user_id),
    )
    if invite is None:
        return "untimed"
    if invite.cancelled:
        calendar.cancel(email, invite)
        return "cancelled"
    calendar.put(email, invite, stamp=now)
    return "written"
