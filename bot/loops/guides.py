"""A round's guide on demand (App Home), built the same way as the guide DM."""

from __future__ import annotations

from bot.authz import Standing
from bot.loops.queries import assignments_of, find_loop, rounds_of, template_of
from bot.reminders.messages import Situation, compose_guide, round_lines
from bot.reminders.plan import Kind
from bot.runtime import Runtime


def round_guide_blocks(
    *, runtime: Runtime, short_id: str, number: int, viewer: str
) -> tuple[str, list[dict]]:
    """(title, blocks) of the guide for round `number`; no blocks unless the viewer runs it,
    is accountable for it or calibrates it."""
    with runtime.db.read() as session:
        loop = find_loop(session, short_id)
        template = template_of(session, loop)
        rounds = rounds_of(session, loop)
        rnd = next((r for r in rounds if r.number == number), None)
        people = assignments_of(session, loop)
        if rnd is None or not any(
            a.round_id == rnd.id and a.user_id == viewer and a.letter in "RAC" for a in people
        ):
            return "", []
        owners: dict[int, list[str]] = {}
        for a in people:
            if a.letter == "R" and a.round_id is not None:
                owners.setdefault(a.round_id, []).append(a.user_id)
        situation = Situation(
            kind=Kind.GUIDE,
            loop=loop,
            template=template,
            rounds=round_lines(rounds, owners),
            channel="",
            rnd=rnd,
            spec=template.round(number),
            reader=Standing(
                user_id=viewer,
                letters=frozenset(
                    a.letter for a in people if a.round_id == rnd.id and a.user_id == viewer
                ),
            ),
        )
    messages = compose_guide(situation, runtime.library)
    return f"Guide: {rnd.name}", [b for m in messages for b in m.blocks]
