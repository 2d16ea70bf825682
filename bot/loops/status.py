"""What a loop's status still allows. A cancelled loop changes no more. A decided one keeps its
rounds as they are (no move, no swap), and is cancelled only while a round is still ahead of it
(a decision taken early, before the rest were held): once every round is behind it there is
nothing left to call off, and "cancelled" would tell the panel, the sponsor and the candidate
something untrue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.errors import InvalidInput
from bot.store.models import Loop, LoopStatus, Round


def changeable(loop: Loop) -> None:
    """Refuse a move or a swap in a loop that is cancelled or decided."""
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    if loop.status == LoopStatus.DECIDED:
        raise InvalidInput(f"Loop `{loop.short_id}` is decided: its rounds no longer change.")


def cancellable(loop: Loop, rounds: Iterable[Round], now: datetime) -> None:
    """Refuse to cancel a loop that is cancelled, or decided with every round behind it."""
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    if loop.status == LoopStatus.DECIDED and not still_ahead(rounds, now):
        raise InvalidInput(
            f"Loop `{loop.short_id}` is decided and every round is behind it: "
            "there is nothing left to cancel."
        )


def still_ahead(rounds: Iterable[Round], now: datetime) -> bool:
    """Whether a round is yet to happen: a meeting to come, or a submission not in whose
    deadline is still to come."""
    return any(
        not r.cancelled
        and (
            (r.starts_at is not None and r.starts_at > now)
            or (r.received_at is None and r.deadline is not None and r.deadline > now)
        )
        for r in rounds
    )
