"""App Home: the person's interviews (with their round guide), scorecards owed, loops they own."""

from __future__ import annotations

from slack_bolt import Ack

from bot.app import home
from bot.app.scorecards import round_number
from bot.runtime import Runtime
from bot.slack.blocks.home import HomeIds, build_home, build_modal_guide
from handlers.middleware import Listeners
from handlers.router import LoopCommands

EVENTS = ("app_home_opened",)


def handle_home_opened(event: dict, runtime: Runtime, commands: LoopCommands) -> None:
    if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
        return
    lists, titles = home.home_of(runtime, user_id=event["user"])
    view = build_home(lists=lists, loop_titles=titles, commands=commands.specs)
    runtime.messenger.publish_home(event["user"], view)


def handle_guide_open(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    short_id, _, number = value.partition(":")
    title, blocks = home.round_guide(
        runtime, actor=body["user"]["id"], ref=short_id, number=round_number(number)
    )
    runtime.messenger.open_view(body["trigger_id"], build_modal_guide(title=title, blocks=blocks))


def register(listeners: Listeners, commands: LoopCommands) -> None:
    listeners.event(
        "app_home_opened",
        lambda event, runtime: handle_home_opened(event, runtime, commands),
    )
    listeners.action(HomeIds.OPEN_GUIDE, handle_guide_open)
