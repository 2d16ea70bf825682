"""Use cases for late scorecards: "Nudge now" and "Reassign" from the late-scorecards message
and App Home ("Open the debrief without them" is the early debrief, bot.app.debrief)."""

from __future__ import annotations

from bot.app import Done
from bot.app.announce import dm_about
from bot.app.loops import change_form
from bot.authz import Action, require
from bot.errors import InvalidInput
from bot.loops.queries import find_loop, standing
from bot.reminders.late import late_scorecards
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks import actions, sections_for
from bot.slack.blocks.feedback import line_values
from bot.slack.blocks.scorecards import open_button
from bot.slack.format import mention

PURPOSE = "nudge"


def nudge_now(runtime: Runtime, *, actor: str, ref: str, number: int, user_id: str) -> Done:
    """Remind one late interviewer at once; the answer quotes what they were sent."""
    now = runtime.clock()
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        require(Action.NUDGE, who, loop=loop.short_id)
        late = late_scorecards(session, [loop], now, runtime.settings.loopbot_reminders)
        line = next((x for x in late if x.number == number and x.user_id == user_id), None)
        if line is None:
            raise InvalidInput(
                f"{mention(user_id)} owes no late scorecard for round {number} of loop "
                f"`{loop.short_id}` any more: it is in, the round changed hands, or the loop "
                "is decided."
            )
        loop_id, debrief_open = loop.id or 0, who.debrief_open
    values = line_values(line, now)
    text = render("nudge_now", **values, asker=mention(actor), debrief_open=debrief_open)
    blocks = [*sections_for(text), actions(open_button(line.short_id, number))]
    answer = render("nudge_sent", **values, text=text)
    return Done(
        answer,
        lambda: dm_about(runtime, loop_id, user_id, purpose=PURPOSE, text=text, blocks=blocks),
        loop_id,
    )


def reassign_form(runtime: Runtime, *, actor: str, ref: str, number: int) -> tuple[str, list]:
    """The swap form, for the one round whose scorecard is late (CHANGE, as any swap)."""
    short_id, rounds = change_form(runtime, actor=actor, ref=ref)
    picked = [(n, name) for n, name in rounds if n == number]
    if not picked:
        raise InvalidInput(f"Loop `{short_id}` has no round {number}.")
    return short_id, picked
