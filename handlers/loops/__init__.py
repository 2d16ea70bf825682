"""Loops: `/loop create` and everything that manages a loop afterwards."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers.loops import create, manage
from handlers.router import LoopCommands


def register(app: App, runtime: Runtime, commands: LoopCommands) -> None:
    create.register(app, runtime, commands)
    manage.register(app, runtime, commands)
