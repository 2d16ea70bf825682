"""How each interviewer's recommendations compare with their panels', for the interview lead."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

from sqlmodel import Session, col, select

from bot.authz import Action, calibrates_every_loop, can, require
from bot.loops.queries import TRAINEE_PARTS, standing, standing_across_loops, template_of
from bot.store.models import Assignment, Loop, Scorecard

THRESHOLD = 0.5
LAST_LOOPS = 10


@dataclass(frozen=True)
class Calibration:
    interviewer: str
    loops: int
    delta: float
    """Mean rubric steps below (+, harsher) or above (−, softer) the rest of the panel."""

    @property
    def verdict(self) -> str:
        if self.delta > THRESHOLD:
            return "harsher"
        if self.delta < -THRESHOLD:
            return "softer"
        return "in line"


def deltas(ranks: dict[str, int]) -> dict[str, float]:
    """Each author's rank minus the mean of the others' (rank 0 is the rubric's best level)."""
    out = {}
    for author, rank in ranks.items():
        others = [r for a, r in ranks.items() if a != author]
        if others:
            out[author] = rank - mean(others)
    return out


def calibrate(
    session: Session, viewer: str, admins: list[str], last: int = LAST_LOOPS
) -> list[Calibration]:
    """Per interviewer over their last `last` loops that the viewer calibrates (all, for admins)."""
    consulted = set(
        session.exec(
            select(Assignment.loop_id).where(Assignment.user_id == viewer, Assignment.letter == "C")
        ).all()
    )
    across = standing_across_loops(session, viewer, admins=admins)
    require(Action.CALIBRATE, across)
    query = select(Loop).where(col(Loop.debrief_opened_at).is_not(None))
    if not calibrates_every_loop(across):  # read fewer loops; each is still checked below
        query = query.where(col(Loop.id).in_(consulted))
    per_person: dict[str, list[float]] = {}
    for loop in session.exec(query.order_by(col(Loop.debrief_opened_at).desc())).all():
        if not can(Action.CALIBRATE, standing(session, loop, viewer, admins=admins)):
            continue
        levels = [lvl.name for lvl in template_of(session, loop).rubric]
        ranks = {}
        trainees = set(
            session.exec(
                select(Assignment.round_id, Assignment.user_id).where(
                    Assignment.loop_id == loop.id, col(Assignment.part).in_(TRAINEE_PARTS)
                )
            ).all()
        )
        for card in session.exec(
            select(Scorecard).where(Scorecard.loop_id == loop.id, Scorecard.submitted)
        ).all():
            if (card.round_id, card.author_id) in trainees:
                continue  # a trainee's practice scorecard is compared with nothing
            if card.recommendation in levels:
                ranks[card.author_id] = levels.index(card.recommendation)
        for author, delta in deltas(ranks).items():
            history = per_person.setdefault(author, [])
            if len(history) < last:
                history.append(delta)
    return sorted(
        (Calibration(a, len(d), round(mean(d), 2)) for a, d in per_person.items()),
        key=lambda c: (-abs(c.delta), c.interviewer),
    )
