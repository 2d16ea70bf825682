"""`/loop list`: the loops a person may see, their part in each, and the next interview."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.authz import Action, can
from bot.loops.queries import (
    HELD_COLUMNS,
    TRAINEE_PARTS,
    Held,
    build_standing,
    loops_for,
    templates_of,
)
from bot.slack.format import slack_time
from bot.store.db import rows
from bot.store.models import Assignment, LoopStatus, Round, Scorecard

_LOOP_IDS = bindparam("ids", expanding=True)

LETTER_NAMES = {
    "R": "interviewer",
    "O": "observer",
    "A": "accountable",
    "C": "consulted",
    "I": "informed",
    "shadow": "shadow",  # a trainee's part, on an "R" row
    "reverse_shadow": "reverse shadow",
}

_HELD_IN = (
    select(Assignment.loop_id, *HELD_COLUMNS)
    .outerjoin(Round, col(Round.id) == col(Assignment.round_id))
    .where(
        col(Assignment.loop_id).in_(_LOOP_IDS),
        Assignment.user_id == bindparam("user"),
        col(Assignment.active).is_(True),
    )
)
_SUBMITTED_BY_IN = select(Scorecard.loop_id, Scorecard.round_id).where(
    col(Scorecard.loop_id).in_(_LOOP_IDS),
    Scorecard.author_id == bindparam("user"),
    col(Scorecard.submitted).is_(True),
)
_UPCOMING = (
    select(Round.loop_id, Round.number, Round.name, Round.starts_at)
    .where(
        col(Round.loop_id).in_(_LOOP_IDS),
        col(Round.starts_at) > bindparam("now"),
        col(Round.cancelled).is_(False),
    )
    .order_by(col(Round.starts_at))
)


def loop_rows(session: Session, user_id: str, now: datetime, *, admins: list[str]) -> list[dict]:
    """`/loop list`: the loops the person may see, their part in each, and the next interview.
    Reads only the person's own part of each loop and its next round, not the whole loop: four
    statements (a fifth the first time a document version is met)."""
    loops = loops_for(session, user_id)
    if not loops:
        return []
    given = {"ids": [loop.id for loop in loops], "user": user_id}
    held: dict[int, list[Held]] = {}
    for loop_id, *row in rows(session, _HELD_IN, given):
        held.setdefault(loop_id, []).append(Held(*row))
    done: dict[int, set[int]] = {}
    for loop_id, round_id in rows(session, _SUBMITTED_BY_IN, given):
        done.setdefault(loop_id, set()).add(round_id)
    upcoming: dict[int, tuple[int, str, datetime]] = {}
    for loop_id, number, name, starts_at in rows(
        session, _UPCOMING, {"ids": given["ids"], "now": now}
    ):
        upcoming.setdefault(loop_id, (number, name, starts_at))  # the earliest comes first
    templates = templates_of(session, loops)  # from the loop rows: no statement once parsed
    listed = []
    for loop in loops:
        mine = held.get(loop.id, [])
        template = templates[loop.template_version_id]
        who = build_standing(
            loop=loop,
            template=template,
            user_id=user_id,
            admins=admins,
            held=mine,
            done=done.get(loop.id, set()),
        )
        if not can(Action.VIEW_STATUS, who):
            continue
        parts = sorted(
            {
                LETTER_NAMES[h.part if h.part in TRAINEE_PARTS else h.letter]
                for h in mine
                if h.letter in LETTER_NAMES
            }
        )
        if loop.created_by == user_id:
            parts.append("creator")
        nxt = upcoming.get(loop.id)
        listed.append(
            {
                "short_id": loop.short_id,
                "candidate": loop.candidate_name,
                "title": template.title,
                "status": loop.status,
                "you": ", ".join(parts) or "-",
                "next": (
                    f"{nxt[0]}. {nxt[1]} {slack_time(nxt[2])}"
                    if nxt and loop.status != LoopStatus.CANCELLED
                    else ""
                ),
            }
        )
    return listed
