"""App Home: the person's interviews (with their round guide), scorecards owed, loops they own."""

from __future__ import annotations

import re

from slack_bolt import Ack

from bot.app import home, loops, replacements
from bot.app.scorecards import round_number
from bot.errors import FieldProblems, InvalidInput
from bot.runtime import Runtime
from bot.slack.blocks.home import (
    HomeIds,
    HoursField,
    build_home,
    build_modal_guide,
    build_modal_hours,
)
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.router import LoopCommands

EVENTS = ("app_home_opened",)


def handle_home_opened(event: dict, runtime: Runtime, commands: LoopCommands) -> None:
    if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
        return
    publish(runtime, event["user"], commands)


def publish(runtime: Runtime, user_id: str, commands: LoopCommands) -> None:
    lists, titles = home.home_of(runtime, user_id=user_id)
    hours = home.hours_card(runtime, user_id=user_id)
    view = build_home(lists=lists, loop_titles=titles, commands=commands.specs, hours=hours)
    runtime.messenger.publish_home(user_id, view)


def handle_hours_open(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    hours, tz, _ = home.hours_of(runtime, user_id=body["user"]["id"])
    view = build_modal_hours(days=hours.days, start=hours.start, end=hours.end, tz=tz)
    runtime.messenger.open_view(body["trigger_id"], view)


def handle_hours_submitted(
    ack: Ack, body: dict, view: dict, runtime: Runtime, commands: LoopCommands
) -> None:
    form = Form(view)
    try:
        home.set_hours(
            runtime,
            actor=body["user"]["id"],
            days=form.options(HoursField.DAYS),
            start=form.clock(HoursField.START),
            end=form.clock(HoursField.END),
        )
    except FieldProblems as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()
    later(runtime, body, lambda: publish(runtime, body["user"]["id"], commands))


def handle_guide_open(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    # A button's value, or the round picked in a loop's menu.
    value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
    short_id, _, number = value.partition(":")
    title, blocks = home.round_guide(
        runtime, actor=body["user"]["id"], ref=short_id, number=round_number(number)
    )
    runtime.messenger.open_view(body["trigger_id"], build_modal_guide(title=title, blocks=blocks))


_TRAINEE = re.compile(
    r"^(?P<loop>[A-Za-z0-9]{1,16}):(?P<number>\d{1,3}):(?P<user>[UW][A-Z0-9]{1,31})$"
)


def handle_trainee_off(ack: Ack, body: dict, runtime: Runtime, commands: LoopCommands) -> None:
    """*Take off* beside a trainee on App Home (after Slack's confirmation): the answer is a
    DM (there is no message to answer under), and the Home is drawn again."""
    ack()
    found = _TRAINEE.match(str((body.get("actions") or [{}])[0].get("value") or ""))
    if found is None:
        raise InvalidInput("That button is broken; use `/loop remove <loop> <round> @trainee`.")
    actor = body["user"]["id"]
    done = replacements.take_trainee_off(
        runtime, actor=actor, ref=found["loop"], round_ref=found["number"], trainee=found["user"]
    )

    def then() -> None:
        loops.confirm_by_dm(runtime, actor=actor, done=done)
        publish(runtime, actor, commands)

    later(runtime, body, then)


def register(listeners: Listeners, commands: LoopCommands) -> None:
    listeners.event(
        "app_home_opened",
        lambda event, runtime: handle_home_opened(event, runtime, commands),
    )
    listeners.action(HomeIds.OPEN_GUIDE, handle_guide_open)
    listeners.action(HomeIds.EDIT_HOURS, handle_hours_open)
    listeners.action(
        HomeIds.TRAINEE_OFF,
        lambda ack, body, runtime: handle_trainee_off(ack, body, runtime, commands),
    )
    listeners.view(
        HomeIds.HOURS,
        lambda ack, body, view, runtime: handle_hours_submitted(ack, body, view, runtime, commands),
    )
