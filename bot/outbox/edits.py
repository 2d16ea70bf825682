"""What a change does to messages about a loop still in the outbox: an older edit of a message
a newer one replaces is moot, and a post still waiting for Slack goes out as the loop now stands
(an edit cannot reach a message Slack does not have yet)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, update
from sqlmodel import col, select

from bot.outbox.rows import Outgoing
from bot.store import Database
from bot.store.models import OutboxMessage, OutboxState

_WAITING = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.loop_id == bindparam("about_loop"),
        OutboxMessage.purpose == bindparam("for_purpose"),
        OutboxMessage.state == OutboxState.PENDING,
        col(OutboxMessage.edits_ts).is_(None),
    )
    .limit(1)
)
_REVISE = (
    update(OutboxMessage.__table__)  # type: ignore[attr-defined]
    .where(
        col(OutboxMessage.loop_id) == bindparam("about_loop"),
        col(OutboxMessage.purpose) == bindparam("for_purpose"),
        col(OutboxMessage.state) == OutboxState.PENDING,
        col(OutboxMessage.edits_ts).is_(None),
    )
    .values(text=bindparam("new_text"), blocks=bindparam("new_blocks"))
)


def replaced(db: Database, row: Outgoing) -> bool:
    """Whether a later edit of the same message is on its way or went out (this one is then
    moot, and marked so)."""
    later = select(OutboxMessage.id).where(
        OutboxMessage.channel_id == row.channel_id,
        OutboxMessage.edits_ts == row.edits_ts,
        OutboxMessage.id > row.id,
        col(OutboxMessage.state).in_((OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.SENT)),
    )
    with db.read() as session:  # the usual answer (none), without the write lock
        if session.exec(later).first() is None:
            return False
    with db.session() as session:
        if session.exec(later).first() is None:
            return False
        stored = session.get(OutboxMessage, row.id)
        if stored is not None:
            stored.state, stored.lease_until = OutboxState.REPLACED, None
            session.add(stored)
        return True


def revise_waiting(db: Database, loop_id: int, purpose: str, build: Callable[[], dict]) -> None:
    """Posts about `loop_id` for `purpose` that Slack refused for a while and that wait for
    their retry say, when they go, what `build()` (`text`, `blocks`) says now: the loop card
    first tried before a round moved arrives showing where the round is. `build` is called only
    when such a post waits."""
    where = {"about_loop": loop_id, "for_purpose": purpose}
    with db.read() as session:  # the usual answer (none waits), without the write lock
        if session.exec(_WAITING, params=where).first() is None:  # type: ignore[call-overload]
            return
    message = build()
    with db.session() as session:
        session.connection().execute(
            _REVISE, {**where, "new_text": message["text"], "new_blocks": message["blocks"]}
        )
