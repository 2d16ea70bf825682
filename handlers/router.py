"""`/loop <subcommand>`: one slash command, a table of subcommands each feature adds to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import Ack, Respond

from bot.commands import CommandSpec, parse_command
from bot.runtime import Runtime
from bot.slack.blocks import build_message_help
from handlers.middleware import Listeners
from handlers.requests import SlashCommand

COMMAND = "/loop"

Subcommand = Callable[..., None]


@dataclass
class LoopCommands:
    """Subcommands by name; `help` and unknown text answer with the list of commands. Each
    subcommand is called with `ack`, `respond`, `command`, `args` and `runtime`."""

    specs: list[CommandSpec] = field(default_factory=list)
    _handlers: dict[str, Subcommand] = field(default_factory=dict)

    def add(self, spec: CommandSpec, handler: Subcommand) -> None:
        self.specs.append(spec)
        self._handlers[spec.name] = handler

    def handle_loop_command(self, ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
        command = SlashCommand.from_body(body)
        parsed = parse_command(command.text)
        handler = self._handlers.get(parsed.name)
        if handler is None:
            problem = (
                None if parsed.name == "help" else (f"I don't know `/loop {parsed.name[:40]}`.")
            )
            ack(**build_message_help(self.specs, problem=problem))
            return
        handler(ack=ack, respond=respond, command=command, args=parsed.args, runtime=runtime)

    def register(self, listeners: Listeners) -> None:
        self.add(CommandSpec("help", "/loop help", "show this list"), self._help)
        listeners.command(COMMAND, self.handle_loop_command)

    def _help(self, *, ack: Ack, **_: object) -> None:
        ack(**build_message_help(self.specs))
