"""Training interviewers: a trainee shadows rounds, then reverse-shadows them, then graduates.

A trainee is a pool member the loop document lists under `trainees:`. Until they graduate they
never hold a round alone: the engine adds them to a live round beside its interviewers, at most
one trainee a round and one round a loop. They first *shadow* (watch a qualified interviewer),
then *reverse-shadow* (lead, while a qualified interviewer observes and writes the scorecard that
counts). Either way they write a scorecard, shown apart in the debrief and never counted. A round
counts for their training once it has happened and their scorecard is in; after
`LOOPBOT_TRAINING_SHADOWS` shadows and `LOOPBOT_TRAINING_REVERSE_SHADOWS` reverse shadows they
graduate, and run rounds as any pool member does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.loops.queries import REVERSE_SHADOW, SHADOW, TRAINEE_PARTS
from bot.store.models import Assignment, Loop, LoopStatus, Round, Scorecard


@dataclass(frozen=True)
class Progress:
    """One trainee's rounds: done (happened, scorecard in) and planned (done, to come, or over
    with their scorecard still possible: not once the loop is decided)."""

    user_id: str
    shadows: int
    reverse_shadows: int
    planned_shadows: int
    planned_reverse_shadows: int
    need_shadows: int
    need_reverse_shadows: int

    @property
    def graduated(self) -> bool:
        return (
            self.shadows >= self.need_shadows and self.reverse_shadows >= self.need_reverse_shadows
        )

    @property
    def next_part(self) -> str | None:
        """What the next loop gives them: a shadow until enough are planned, a reverse shadow
        once their shadows are done, else nothing until those planned have happened."""
        if self.graduated:
            return None
        if self.planned_shadows < self.need_shadows:
            return SHADOW
        if (
            self.shadows >= self.need_shadows
            and self.planned_reverse_shadows < self.need_reverse_shadows
        ):
            return REVERSE_SHADOW
        return None


def progress(
    session: Session,
    user_ids: Iterable[str],
    *,
    now: datetime,
    shadows: int,
    reverse_shadows: int,
) -> dict[str, Progress]:
    """Each person's training so far, across every loop that is not cancelled."""
    people = sorted(set(user_ids))
    if not people:
        return {}
    rows = session.exec(
        select(
            Assignment.user_id,
            Assignment.part,
            Round.id,
            Round.starts_at,
            Round.duration_minutes,
            Loop.status,
        )
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .join(Loop, col(Loop.id) == col(Round.loop_id))
        .where(
            col(Assignment.user_id).in_(people),
            Assignment.letter == "R",
            col(Assignment.part).in_(TRAINEE_PARTS),
            col(Assignment.active).is_(True),
            col(Round.cancelled).is_(False),
            Loop.status != LoopStatus.CANCELLED,
        )
    ).all()
    submitted = set(
        session.exec(
            select(Scorecard.round_id, Scorecard.author_id).where(
                col(Scorecard.author_id).in_(people), col(Scorecard.submitted).is_(True)
            )
        ).all()
    )
    counts = {
        u: {"done": {SHADOW: 0, REVERSE_SHADOW: 0}, "planned": {SHADOW: 0, REVERSE_SHADOW: 0}}
        for u in people
    }
    for user, part, round_id, starts_at, minutes, status in rows:
        ended = starts_at is not None and starts_at + timedelta(minutes=minutes) <= now
        done = ended and (round_id, user) in submitted
        if not done and ended and status == LoopStatus.DECIDED:
            continue  # scorecards are locked: it can never count, so it holds nothing back
        counts[user]["planned"][part] += 1
        if done:
            counts[user]["done"][part] += 1
    return {
        u: Progress(
            u,
            c["done"][SHADOW],
            c["done"][REVERSE_SHADOW],
            c["planned"][SHADOW],
            c["planned"][REVERSE_SHADOW],
            shadows,
            reverse_shadows,
        )
        for u, c in counts.items()
    }


def in_training(progress_by_user: dict[str, Progress]) -> set[str]:
    """Those who have not graduated: never given a round of their own."""
    return {u for u, p in progress_by_user.items() if not p.graduated}


def home_training(
    session: Session,
    user_id: str,
    trainees: set[str],
    *,
    now: datetime,
    shadows: int,
    reverse_shadows: int,
) -> dict:
    """App Home: the person's own progress when they are a trainee, and the trainees on the
    loops they recruit for (each with the round and part they have there, and whether their
    practice scorecard for it is in: then the round counts, and they are no longer taken off)."""
    from bot.loops.queries import LOOP_ROLE, loops_for, recruiter_roles, templates_of

    loops = [
        lp for lp in loops_for(session, user_id, limit=50) if lp.status != LoopStatus.CANCELLED
    ]
    templates = templates_of(session, loops)
    recruiting = []
    for loop in loops:
        rows = session.exec(
            select(Assignment).where(
                Assignment.loop_id == loop.id, col(Assignment.active).is_(True)
            )
        ).all()
        codes = recruiter_roles(templates[loop.template_version_id])
        if not any(
            a.user_id == user_id and a.letter == LOOP_ROLE and a.role_code in codes for a in rows
        ):
            continue
        numbers = {
            r.id: r.number for r in session.exec(select(Round).where(Round.loop_id == loop.id))
        }
        practised = set(
            session.exec(
                select(Scorecard.round_id, Scorecard.author_id).where(
                    Scorecard.loop_id == loop.id, col(Scorecard.submitted).is_(True)
                )
            ).all()
        )
        recruiting += [
            (a.user_id, loop.short_id, numbers.get(a.round_id or 0), a.part, done)
            for a in rows
            if a.letter == "R" and a.part in TRAINEE_PARTS
            for done in [(a.round_id, a.user_id) in practised]
        ]
    wanted = {u for u, *_ in recruiting} | ({user_id} & trainees)
    known = progress(session, wanted, now=now, shadows=shadows, reverse_shadows=reverse_shadows)
    return {
        "mine": known.get(user_id) if user_id in trainees else None,
        "recruiting": [(known[u], *rest) for u, *rest in recruiting],
    }
