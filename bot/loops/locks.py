"""Changes to one loop are taken one at a time. Every use case that changes a loop holds it
first (`loop_to_change`, or `hold` where the loop is read otherwise), to the end of the
transaction: two changes at once (a double click, two people, two replicas) then run one after
the other, and the second reads what the first did. Without it, PostgreSQL would let both read
the loop as it was, and the second fail on a unique key; SQLite's writers already wait for each
other (a write transaction begins holding the database's write lock)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.errors import NotFound
from bot.loops.queries import find_loop, short_id_of
from bot.store.models import Loop


def hold(session: Session, ref: str | int) -> None:
    """Hold the loop (by its short id as typed, or its id): the first statement of the
    transaction, so everything read after it is as the last change left it."""
    if session.get_bind().dialect.name == "sqlite":
        return
    which = Loop.id == ref if isinstance(ref, int) else Loop.short_id == short_id_of(ref)
    session.exec(select(Loop.id).where(which).with_for_update()).first()


def loop_to_change(session: Session, ref: str | int) -> Loop:
    """The loop, held (`hold`)."""
    hold(session, ref)
    loop = find_loop(session, ref) if isinstance(ref, str) else session.get(Loop, ref)
    if loop is None:
        raise NotFound("That loop no longer exists.")
    return loop
