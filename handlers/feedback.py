"""Late scorecards: "Nudge now" and "Reassign" on the late-scorecards message and App Home."""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond

from bot.app import feedback
from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.slack.blocks.feedback import FeedbackIds
from bot.slack.blocks.loops import build_modal_swap
from handlers.middleware import Listeners, answer, later

_LINE = re.compile(
    r"^(?P<loop>[A-Za-z0-9]{1,16}):(?P<number>\d{1,3})(?::(?P<user>[A-Z0-9]{1,32}))?$"
)


def _line(body: dict) -> re.Match:
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    found = _LINE.match(value)
    if found is None:
        raise InvalidInput("That button is broken; use `/loop show` and `/loop swap`.")
    return found


def handle_nudge(ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    found = _line(body)
    if not found["user"]:
        raise InvalidInput("That button is broken; use `/loop show` and `/loop swap`.")
    done = feedback.nudge_now(
        runtime,
        actor=body["user"]["id"],
        ref=found["loop"],
        number=int(found["number"]),
        user_id=found["user"],
    )
    # Pressed on App Home, there is no message to answer under: the answer is a DM.
    answer(runtime, respond, body, body["user"]["id"], done, replace_original=False)


def handle_reassign(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    found = _line(body)

    def open_form() -> None:
        short_id, rounds = feedback.reassign_form(
            runtime, actor=body["user"]["id"], ref=found["loop"], number=int(found["number"])
        )
        view = build_modal_swap(short_id=short_id, rounds=rounds)
        runtime.messenger.open_view(body["trigger_id"], view)

    later(runtime, body, open_form)


def register(listeners: Listeners) -> None:
    listeners.action(FeedbackIds.NUDGE, handle_nudge)
    listeners.action(FeedbackIds.REASSIGN, handle_reassign)
