"""What a loop's status still allows. A cancelled loop changes no more. A decided one keeps its
rounds as they are (no move, no swap), and is cancelled only while a round is still ahead of it
(a decision taken early, before the rest were held): once every round is behind it there is
nothing left to call off, and "cancelled" would tell the panel, the sponsor and the candidate
something untrue. And where each round stands: who runs it, whose scorecard is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.errors import InvalidInput
from bot.loops.queries import assignments_of, rounds_of
from bot.store.models import Loop, LoopStatus, Round, Scorecard


def change_refused(loop: Loop) -> str | None:
    """Why a move or a swap is refused in this loop (cancelled or decided), else None."""
    if loop.status == LoopStatus.CANCELLED:
        return f"Loop `{loop.short_id}` is cancelled."
    if loop.status == LoopStatus.DECIDED:
        return f"Loop `{loop.short_id}` is decided: its rounds no longer change."
    return None


def changeable(loop: Loop) -> None:
    if (why := change_refused(loop)) is not None:
        raise InvalidInput(why)


def cancel_refused(session: Session, loop: Loop, now: datetime) -> str | None:
    """Why a cancel is refused (the loop is cancelled, or decided with every round behind it),
    else None."""
    if loop.status == LoopStatus.CANCELLED:
        return f"Loop `{loop.short_id}` is cancelled."
    if loop.status == LoopStatus.DECIDED and not ahead(session, loop, now):
        return (
            f"Loop `{loop.short_id}` is decided and every round is behind it: "
            "there is nothing left to cancel."
        )
    return None


def cancellable(session: Session, loop: Loop, now: datetime) -> None:
    if (why := cancel_refused(session, loop, now)) is not None:
        raise InvalidInput(why)


def ahead(session: Session, loop: Loop, now: datetime) -> list[Round]:
    """The rounds yet to happen: a meeting to come, or a submission not in whose deadline is
    still to come; a round with a scorecard in is behind, whatever its time says."""
    scored = set(
        session.exec(
            select(Scorecard.round_id).where(
                Scorecard.loop_id == loop.id, col(Scorecard.submitted).is_(True)
            )
        ).all()
    )
    return [
        r
        for r in rounds_of(session, loop)
        if not r.cancelled
        and r.id not in scored
        and (
            (r.starts_at is not None and r.starts_at > now)
            or (r.received_at is None and r.deadline is not None and r.deadline > now)
        )
    ]


@dataclass(frozen=True)
class RoundStatus:
    round: Round
    responsible: list[str]
    submitted: set[str]


def round_statuses(session: Session, loop: Loop) -> list[RoundStatus]:
    """Each round with its Responsible people and who has submitted (status only, no content)."""
    rounds = rounds_of(session, loop)
    owners: dict[int, list[str]] = {}
    for a in assignments_of(session, loop):
        if a.letter == "R" and a.round_id is not None:
            owners.setdefault(a.round_id, []).append(a.user_id)
    done: dict[int, set[str]] = {}
    for round_id, author in session.exec(
        select(Scorecard.round_id, Scorecard.author_id).where(
            Scorecard.loop_id == loop.id, col(Scorecard.submitted).is_(True)
        )
    ).all():
        done.setdefault(round_id, set()).add(author)
    return [RoundStatus(r, owners.get(r.id or 0, []), done.get(r.id or 0, set())) for r in rounds]
