"""Loops: `/loop create` and everything that manages a loop afterwards."""

from __future__ import annotations

from handlers.loops import create, manage
from handlers.middleware import Listeners
from handlers.router import LoopCommands


def register(listeners: Listeners, commands: LoopCommands) -> None:
    create.register(listeners, commands)
    manage.register(listeners, commands)
