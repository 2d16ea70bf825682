"""Use cases for App Home: the person's tab, and a round's guide opened from it."""

from __future__ import annotations

from bot.authz import Action, require
from bot.loops.queries import assignments_of, find_loop, rounds_of, standing, template_of
from bot.loops.views import home_lists
from bot.reminders.messages import Situation, compose_guide, round_lines
from bot.reminders.plan import Kind
from bot.runtime import Runtime


def home_of(runtime: Runtime, *, user_id: str) -> tuple[dict, list[str]]:
    """(the person's lists, the titles of the loop documents loaded)."""
    with runtime.db.read() as session:
        lists = home_lists(
            session, user_id, runtime.clock(), admins=runtime.settings.loopbot_admins
        )
    return lists, [t.title for t in runtime.library.loops.values()]


def round_guide(runtime: Runtime, *, actor: str, ref: str, number: int) -> tuple[str, list[dict]]:
    """(title, blocks) of round `number`'s guide, built as the guide DM is, for its interviewer,
    hiring manager and interview lead."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        template = template_of(session, loop)
        who = standing(
            session, loop, actor, admins=runtime.settings.loopbot_admins, template=template
        )
        require(Action.READ_GUIDE, who, loop=loop.short_id, round=number)
        rounds = rounds_of(session, loop)
        rnd = next(r for r in rounds if r.number == number)
        owners: dict[int, list[str]] = {}
        for a in assignments_of(session, loop):
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
            reader=who,
        )
        messages = compose_guide(situation, runtime.library)
    return f"Guide: {rnd.name}", [b for m in messages for b in m.blocks]
