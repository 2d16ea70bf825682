"""A loop with its rounds and people, read once for work that reads them several times in one
transaction: a reminder's delivery reads them for its checks, its message and its files. Each
read costs more than what is done with it; read twice, it costs twice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.loops.queries import Held, Seat, assignments_of, know_version, rounds_of
from bot.store.models import Loop, Round, TemplateVersion

_LOOP_AND_DOCUMENT = (
    select(Loop, TemplateVersion.template_id, TemplateVersion.sha256)
    .join(TemplateVersion, col(TemplateVersion.id) == col(Loop.template_version_id))
    .where(Loop.id == bindparam("id"))
)


class LoopAtHand:
    """The loop, and on first use its rounds (`rounds`) and active people (`people`). Hold it
    only while nothing in the transaction changes them.

    Not a `views.Snapshot`: that reads a few columns of many loops at once for lists and cards;
    a delivery needs one loop's whole rows (a round's version, a seat's `seat_of`) and the
    rounds as objects for its calendar files, and reads only what its kind of message uses."""

    def __init__(self, session: Session, loop: Loop):
        self.session = session
        self.loop = loop

    @classmethod
    def read(cls, session: Session, loop_id: int) -> LoopAtHand | None:
        """The loop by id, or None when it is gone. Which document it was created from is read
        with it, so `template_of` runs no statement of its own (a version never changes)."""
        found = session.exec(_LOOP_AND_DOCUMENT, params={"id": loop_id}).first()
        return cls.of(session, *found) if found is not None else None

    @classmethod
    def of(cls, session: Session, loop: Loop, template_id: str, sha256: str) -> LoopAtHand:
        """The loop read with its document's id and hash (`TemplateVersion`)."""
        know_version(session, loop.template_version_id, template_id, sha256)
        return cls(session, loop)

    @cached_property
    def rounds(self) -> list[Round]:
        """The loop's rounds in order (cancelled ones too)."""
        return rounds_of(self.session, self.loop)

    @cached_property
    def people(self) -> Sequence[Seat]:
        """The loop's active assignments in their seats' order (`assignments_of`)."""
        return assignments_of(self.session, self.loop)

    def round(self, round_id: int | None) -> Round | None:
        return next((r for r in self.rounds if r.id == round_id), None)

    def held_by(self, user_id: str) -> list[Held]:
        """What `standing` reads of a person: each active assignment with its round."""
        return held_in(self.people, {r.id: r for r in self.rounds}, user_id)


def held_in(people: Iterable[Seat], rounds: Mapping[int | None, Any], user_id: str) -> list[Held]:
    """What `standing` reads of a person, from a loop's people and rounds (by id) already
    read: each of their active assignments with its round."""
    held = []
    for seat in people:
        if seat.user_id != user_id:
            continue
        rnd = rounds.get(seat.round_id) if seat.round_id is not None else None
        held.append(
            Held(
                seat.letter,
                seat.role_code,
                rnd.number if rnd else None,
                rnd.id if rnd else None,
                rnd.cancelled if rnd else None,
                seat.part,
            )
        )
    return held
