"""What a reminder speaks of when it is sent: the loop, its rounds and people, what changed."""

from __future__ import annotations

from sqlmodel import Session

from bot.loops.queries import (
    LOOP_ROLE,
    assignments_of,
    change_at,
    rounds_of,
    standing,
    template_of,
)
from bot.reminders.checks import decision_label
from bot.reminders.messages import Situation, round_lines
from bot.reminders.plan import Kind
from bot.store.models import Assignment, Loop, Reminder


def situation_of(session: Session, reminder: Reminder, assignment: Assignment) -> Situation:
    """Everything a reminder's message speaks of, read at the moment it is sent."""
    loop = session.get(Loop, reminder.loop_id)
    assert loop is not None
    template = template_of(session, loop)
    rounds = rounds_of(session, loop)
    people = assignments_of(session, loop)
    owners: dict[int, list[str]] = {}
    for a in people:
        if a.letter == "R" and a.round_id is not None:
            owners.setdefault(a.round_id, []).append(a.user_id)
    rnd = next((r for r in rounds if r.id == reminder.round_id), None)
    spec = next((r for r in template.rounds if rnd and r.number == rnd.number), None)
    kind = Kind(reminder.kind)
    owner = (owners.get(rnd.id or 0) or [None])[0] if rnd is not None else None
    shown = rounds
    if assignment.letter == LOOP_ROLE and kind is Kind.CALIBRATE:
        shown = [
            r
            for r in rounds
            if any(
                a.round_id == r.id and a.letter == "C" and a.user_id == assignment.user_id
                for a in people
            )
        ]
    reader = standing(session, loop, assignment.user_id, admins=[], template=template)
    return Situation(
        kind=kind,
        loop=loop,
        template=template,
        rounds=round_lines(shown, owners, loop.candidate_tz),
        channel=f"<#{loop.channel_id}>" if loop.channel_id else "the loop's channel",
        rnd=rnd,
        spec=spec,
        owner=owner,
        new_owner=owner if kind is Kind.UNASSIGNED else None,
        change=change_at(session, loop, reminder.round_version) if kind is Kind.CHANGED else None,
        status=loop.status,
        decision=decision_label(session, loop),
        reader=reader,
    )
