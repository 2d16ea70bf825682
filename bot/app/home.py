"""Use cases for App Home: the person's tab, and a round's guide opened from it."""

from __future__ import annotations

from datetime import time

from bot.authz import Action, require
from bot.errors import FieldProblems, InvalidInput
from bot.loops.hours import Hours, check_hours, save_hours, stored_hours
from bot.loops.queries import find_loop, rounds_of, standing, template_of
from bot.loops.training import home_training
from bot.loops.views import home_lists
from bot.reminders.late import late_where_one_may_nudge
from bot.reminders.messages import compose_guide
from bot.reminders.plan import Kind
from bot.reminders.situation import situation_for
from bot.runtime import Runtime
from bot.store.models import Assignment


def home_of(runtime: Runtime, *, user_id: str) -> tuple[dict, list[str]]:
    """(the person's lists, the titles of the loop documents loaded)."""
    now, admins = runtime.clock(), runtime.settings.loopbot_admins
    with runtime.db.read() as session:
        lists = home_lists(session, user_id, now, admins=admins)
        lists["late"] = late_where_one_may_nudge(
            session, user_id, now, admins=admins, offsets=runtime.settings.loopbot_reminders
        )
        lists["training"] = home_training(
            session,
            user_id,
            {u for t in runtime.library.loops.values() for u in t.trainees},
            now=now,
            shadows=runtime.settings.loopbot_training_shadows,
            reverse_shadows=runtime.settings.loopbot_training_reverse_shadows,
        )
    lists["now"] = now
    return lists, [t.title for t in runtime.library.loops.values()]


def hours_of(runtime: Runtime, *, user_id: str) -> tuple[Hours, str, bool]:
    """(the person's interview hours, their Slack time zone, whether they set them)."""
    with runtime.db.read() as session:
        own = stored_hours(session, [user_id]).get(user_id)
    return own or runtime.settings.working_hours, runtime.messenger.user(user_id).tz, bool(own)


def hours_card(runtime: Runtime, *, user_id: str) -> dict:
    hours, tz, own = hours_of(runtime, user_id=user_id)
    review_days = runtime.settings.loopbot_review_days
    return {"hours": hours.describe(), "tz": tz, "own": own, "review_days": review_days}


def set_hours(
    runtime: Runtime, *, actor: str, days: list[str], start: time | None, end: time | None
) -> Hours:
    """The person's own interview hours, saved; later proposals keep inside them. Raises
    `FieldProblems` naming the field to fix."""
    picked = frozenset(int(d) for d in days if d.isdigit() and 0 <= int(d) <= 6)
    if start is None or end is None:
        raise FieldProblems({"hours_start" if start is None else "hours_end": "Pick a time."})
    problem = check_hours(picked, start, end)
    if problem:
        raise FieldProblems({"hours_days" if not picked else "hours_end": problem})
    hours = Hours(picked, start, end)
    with runtime.db.session() as session:
        save_hours(session, actor, hours, now=runtime.clock())
    return hours


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
        rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
        if rnd is None or loop.id is None:
            raise InvalidInput(f"Loop {loop.short_id} has no round {number}.")
        situation = situation_for(
            session,
            loop.id,
            Kind.GUIDE,
            round_id=rnd.id,
            reader=Assignment(loop_id=loop.id, letter="R", role_code="", user_id=actor),
            settings_offsets=runtime.settings.loopbot_reminders,
            review_days=runtime.settings.loopbot_review_days,
            now=runtime.clock(),
        )
        messages = compose_guide(situation, runtime.library)
    return f"Guide: {rnd.name}", [b for m in messages for b in m.blocks]
