"""Late scorecards: an interviewer's scorecard not in once its first reminder was due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.authz import Action, can
from bot.loops.queries import AnyLoop, loops_for
from bot.loops.views import Snapshot
from bot.reminders.cadence import first_due
from bot.reminders.policy import in_force
from bot.store.models import LoopStatus


@dataclass(frozen=True)
class Late:
    loop_id: int
    short_id: str
    candidate: str
    number: int
    round_name: str
    user_id: str
    due: datetime
    """When the scorecard was due (the first reminder's time)."""


def late_scorecards(
    session: Session,
    loops: list[AnyLoop],
    now: datetime,
    settings_offsets: dict[str, int],
    snap: Snapshot | None = None,
) -> list[Late]:
    """Every missing scorecard of these loops whose first reminder is past, oldest first. A
    decided or cancelled loop owes nothing. `snap`: these loops, already read."""
    loops = [
        loop for loop in loops if loop.status not in (LoopStatus.DECIDED, LoopStatus.CANCELLED)
    ]
    snap = snap or Snapshot.read(session, loops)
    out = []
    for loop in loops:
        offsets = in_force(settings_offsets, snap.template(loop).reminder_offsets)
        for rnd in snap.rounds.get(loop.id or 0, []):
            due = None if rnd.cancelled else first_due(rnd, offsets["due"])
            if due is None or due > now:
                continue
            for user_id in snap.owners(rnd):
                if (rnd.id, user_id) in snap.trainee_seats:
                    continue  # a trainee's practice scorecard holds nothing up
                if (rnd.id, user_id) not in snap.submitted:
                    out.append(
                        Late(
                            loop.id or 0,
                            loop.short_id,
                            loop.candidate_name,
                            rnd.number,
                            rnd.name,
                            user_id,
                            due,
                        )
                    )
    return sorted(out, key=lambda late: (late.due, late.number))


def late_where_one_may_nudge(
    session: Session, user_id: str, now: datetime, *, admins: list[str], offsets: dict[str, int]
) -> list[Late]:
    """App Home: every late scorecard across the loops where the person may nudge (their
    recruiter, hiring manager, creator)."""
    loops = loops_for(session, user_id, limit=50)
    snap = Snapshot.read(session, loops)
    mine = [loop for loop in loops if can(Action.NUDGE, snap.standing(loop, user_id, admins))]
    return late_scorecards(session, mine, now, offsets, snap)


def how_late(due: datetime, now: datetime) -> str:
    """ "40 min", "5 h", "2 d 3 h"."""
    gone = max(now - due, timedelta(0))
    days, hours = gone.days, gone.seconds // 3600
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h" if hours else f"{gone.seconds // 60} min"
