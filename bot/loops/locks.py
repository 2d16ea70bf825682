"""Changes to one loop are taken one at a time. Every use case that changes a loop reads it
first with `loop_to_change`, which holds the loop's row to the end of the transaction: two
changes at once (a double click, two people, two replicas) then run one after the other, and
the second reads what the first did. Without it, PostgreSQL would let both read the loop as it
was, and the second fail on a unique key; SQLite's writers already wait for each other."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.errors import NotFound
from bot.loops.queries import find_loop
from bot.store.models import Loop


def loop_to_change(session: Session, ref: str | int) -> Loop:
    """The loop by its short id (as typed) or its id, held: the first read of its transaction."""
    loop = find_loop(session, ref) if isinstance(ref, str) else session.get(Loop, ref)
    if loop is None:
        raise NotFound("That loop no longer exists.")
    if session.get_bind().dialect.name == "sqlite":
        return loop  # the transaction began holding the database's write lock
    held = select(Loop).where(Loop.id == loop.id).with_for_update()
    return session.exec(held.execution_options(populate_existing=True)).one()
