"""App Home: the person's interviews (with their round guide), scorecards owed, loops they own."""

from __future__ import annotations

from slack_bolt import Ack

from bot.commands import round_number
from bot.errors import NotAllowed
from bot.loops.guides import round_guide_blocks
from bot.loops.views import home_lists
from bot.runtime import Runtime
from bot.slack.blocks.home import HomeIds, build_home, build_modal_guide
from handlers.middleware import Listeners
from handlers.router import LoopCommands

EVENTS = ("app_home_opened",)


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:
    def handle_home_opened(event: dict) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        with runtime.db.read() as session:
            lists = home_lists(session, user_id, runtime.clock())
        titles = [t.title for t in runtime.library.loops.values()]
        view = build_home(lists=lists, loop_titles=titles, commands=commands.specs)
        runtime.messenger.publish_home(user_id, view)

    def handle_open_guide(ack: Ack, body: dict) -> None:
        ack()
        short_id, _, number = body["actions"][0]["value"].partition(":")
        title, blocks = round_guide_blocks(
            runtime=runtime,
            short_id=short_id,
            number=round_number(number) or 0,
            viewer=body["user"]["id"],
        )
        if not blocks:
            raise NotAllowed("That guide is for the round's interviewer.")
        runtime.messenger.open_view(
            body["trigger_id"], build_modal_guide(title=title, blocks=blocks)
        )

    listeners.event("app_home_opened", handle_home_opened)
    listeners.action(HomeIds.OPEN_GUIDE, handle_open_guide)
