"""What people see of a loop: the card, the list, the home tab's lists. Status, never content."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.loops.queries import (
    LOOP_ROLE,
    assignments_of,
    loops_for,
    round_statuses,
    template_of,
)
from bot.slack.format import mention, minutes, slack_time, zone_time
from bot.store.models import Loop, LoopStatus

LETTER_NAMES = {"R": "interviewer", "A": "accountable", "C": "consulted", "I": "informed"}


def loop_card(session: Session, loop: Loop) -> dict:
    """Rounds, times and people of a loop, with scorecard status (who is in, not what)."""
    template = template_of(session, loop)
    people = assignments_of(session, loop)
    rows = []
    submitted = total = 0
    for status in round_statuses(session, loop):
        rnd = status.round
        letters = {
            x: ", ".join(
                mention(a.user_id) for a in people if a.round_id == rnd.id and a.letter == x
            )
            or "-"
            for x in "RACI"
        }
        owners = status.responsible
        done = [u for u in owners if u in status.submitted]
        submitted += len(done)
        total += len(owners)
        rows.append(
            {
                "number": rnd.number,
                "name": rnd.name,
                "cancelled": rnd.cancelled,
                "when": slack_time(rnd.starts_at) if rnd.starts_at else "unscheduled",
                "candidate_time": zone_time(rnd.starts_at, loop.candidate_tz)
                if rnd.starts_at
                else "-",
                "length": minutes(rnd.duration_minutes),
                "format": rnd.format,
                "scorecard": "submitted ✓" if owners and len(done) == len(owners) else "pending",
                **letters,
            }
        )
    variant = template.variant(loop.variant) if loop.variant else None
    return {
        "short_id": loop.short_id,
        "candidate": loop.candidate_name,
        "title": template.title,
        "variant": variant.name if variant else "",
        "candidate_tz": loop.candidate_tz,
        "status": loop.status,
        "created_by": loop.created_by,
        "rounds": rows,
        "submitted": submitted,
        "total": total,
        "show_scorecards": True,
    }


def loop_rows(session: Session, user_id: str, now: datetime) -> list[dict]:
    """`/loop list`: the person's loops, their part in each, and the next interview."""
    rows = []
    for loop in loops_for(session, user_id):
        mine = [a for a in assignments_of(session, loop) if a.user_id == user_id]
        parts = sorted({LETTER_NAMES[a.letter] for a in mine if a.letter in LETTER_NAMES})
        if loop.created_by == user_id:
            parts.append("creator")
        upcoming = [
            s.round
            for s in round_statuses(session, loop)
            if s.round.starts_at and s.round.starts_at > now and not s.round.cancelled
        ]
        nxt = min(upcoming, key=lambda r: r.starts_at) if upcoming else None
        rows.append(
            {
                "short_id": loop.short_id,
                "candidate": loop.candidate_name,
                "title": template_of(session, loop).title,
                "status": loop.status,
                "you": ", ".join(parts) or "-",
                "next": (
                    f"{nxt.number}. {nxt.name} {slack_time(nxt.starts_at)}"
                    if nxt and loop.status != LoopStatus.CANCELLED
                    else ""
                ),
            }
        )
    return rows


def home_lists(session: Session, user_id: str, now: datetime) -> dict:
    """App Home: upcoming interviews, scorecards owed, loops the person is accountable for."""
    upcoming, owed, accountable = [], [], []
    for loop in loops_for(session, user_id, limit=50):
        if loop.status == LoopStatus.CANCELLED:
            continue
        mine = [a for a in assignments_of(session, loop) if a.user_id == user_id]
        for status in round_statuses(session, loop):
            rnd = status.round
            if rnd.cancelled or rnd.starts_at is None or user_id not in status.responsible:
                continue
            end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
            item = {
                "short_id": loop.short_id,
                "candidate": loop.candidate_name,
                "number": rnd.number,
                "name": rnd.name,
                "when": slack_time(rnd.starts_at),
                "starts_at": rnd.starts_at,
            }
            if rnd.starts_at > now:
                upcoming.append(item)
            elif end <= now and user_id not in status.submitted:
                owed.append(item)
        if any(a.letter == "A" for a in mine) or any(
            a.letter == LOOP_ROLE and a.role_code in _accountable_codes(session, loop) for a in mine
        ):
            accountable.append(loop_card(session, loop))
    upcoming.sort(key=lambda i: i["starts_at"])
    return {"upcoming": upcoming[:10], "owed": owed[:10], "accountable": accountable[:5]}


def _accountable_codes(session: Session, loop: Loop) -> set[str]:
    template = template_of(session, loop)
    return {code for rnd in template.rounds for code in rnd.accountable}
