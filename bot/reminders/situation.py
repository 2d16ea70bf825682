"""What a message may mention, read from the store at send time (or when a guide is opened)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.loops.queries import LOOP_ROLE, assignments_of, rounds_of, standing, template_of
from bot.reminders.checks import decision_label
from bot.reminders.messages import Situation, round_lines
from bot.reminders.plan import Kind
from bot.reminders.policy import in_force
from bot.store.models import Assignment, Loop


def situation_for(
    session: Session,
    loop_id: int,
    kind: Kind,
    *,
    round_id: int | None,
    reader: Assignment,
    settings_offsets: dict[str, int],
    review_days: int,
    now: datetime | None = None,
) -> Situation:
    loop = session.get(Loop, loop_id)
    assert loop is not None
    template = template_of(session, loop)
    rounds = rounds_of(session, loop)
    people = assignments_of(session, loop)
    owners: dict[int, list[str]] = {}
    for a in people:
        if a.letter == "R" and a.round_id is not None:
            owners.setdefault(a.round_id, []).append(a.user_id)
    rnd = next((r for r in rounds if r.id == round_id), None)
    spec = next((r for r in template.rounds if rnd and r.number == rnd.number), None)
    owner = None
    new_owner = None
    if rnd is not None:
        current = owners.get(rnd.id or 0, [])
        owner = current[0] if current else None
        if kind is Kind.UNASSIGNED:
            new_owner = owner
    shown = rounds
    if reader.letter == LOOP_ROLE and kind in (Kind.CALIBRATE,):
        shown = [
            r
            for r in rounds
            if any(
                a.round_id == r.id and a.letter == "C" and a.user_id == reader.user_id
                for a in people
            )
        ]
    who = standing(session, loop, reader.user_id, admins=[], template=template)
    return Situation(
        kind=kind,
        loop=loop,
        template=template,
        rounds=round_lines(shown, owners, loop.candidate_tz),
        channel=f"<#{loop.channel_id}>" if loop.channel_id else "the loop's channel",
        rnd=rnd,
        spec=spec,
        owner=owner,
        new_owner=new_owner,
        status=loop.status,
        decision=decision_label(session, loop),
        reader=who,
        offsets=in_force(settings_offsets, template.reminder_offsets),
        review_days=review_days,
        now=now,
    )
