"""A round's guide on demand (the heads-up's button), for whoever may read it."""

from __future__ import annotations

from bot.authz import Action, require
from bot.errors import InvalidInput
from bot.loops.queries import find_loop, rounds_of, standing
from bot.reminders.messages import compose
from bot.reminders.plan import Kind
from bot.reminders.situation import situation_for
from bot.runtime import Runtime
from bot.store.models import Assignment


def round_guide(runtime: Runtime, *, actor: str, ref: str, number: int) -> list[dict]:
    """The blocks of round `number`'s guide, as its guide DM has them, in force now."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        rnd = next((r for r in rounds_of(session, loop) if r.number == number), None)
        if rnd is None:
            raise InvalidInput(f"Loop {loop.short_id} has no round {number}.")
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        require(Action.READ_GUIDE, who, loop=loop.short_id, round=number)
        assert loop.id is not None
        reader = Assignment(
            loop_id=loop.id, round_id=rnd.id, letter="R", role_code="", user_id=actor
        )
        situation = situation_for(
            session,
            loop.id,
            Kind.GUIDE,
            round_id=rnd.id,
            reader=reader,
            settings_offsets=runtime.settings.loopbot_reminders,
            review_days=runtime.settings.loopbot_review_days,
        )
        return [
            block for message in compose(situation, runtime.library) for block in message.blocks
        ]
