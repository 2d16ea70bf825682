"""App Home: what a person sees when they open loopbot's Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.blocks import build_home_welcome
from handlers.router import LoopCommands

EVENTS = ("app_home_opened",)


def register(app: App, runtime: Runtime, commands: LoopCommands) -> None:
    def handle_home_opened(event: dict) -> None:
        if event.get("tab", "home") != "home":
            return
        titles = [t.title for t in runtime.library.loops.values()]
        view = build_home_welcome(loop_titles=titles, commands=commands.specs)
        runtime.messenger.publish_home(event["user"], view)

    app.event("app_home_opened")(handle_home_opened)
