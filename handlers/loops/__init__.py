"""Loops: `/loop create` and everything that manages a loop afterwards."""

from __future__ import annotations

from bot.runtime import Runtime
from handlers.loops import create, manage
from handlers.middleware import Listeners
from handlers.router import LoopCommands


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:
    create.register(listeners, runtime, commands)
    manage.register(listeners, runtime, commands)
