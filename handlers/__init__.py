"""Slack listeners only: each feature module wires its ids to plain functions in `register`."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import debrief, feedback, home, loops, middleware, replacements, scorecards
from handlers.router import COMMAND, LoopCommands

BOT_EVENTS = (*home.EVENTS,)
COMMANDS = (COMMAND,)


def create_app(runtime: Runtime, *, verify_token: bool = True) -> App:
    """The Bolt app with every listener registered; requests are signature-checked."""
    settings = runtime.settings
    app = App(
        # Named, or Bolt names it after its caller's file by walking the whole stack with the
        # source of each frame: about 10 ms of CPU for every app built (each reload, each test).
        name="loopbot",
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=runtime.messenger.client,
        token_verification_enabled=verify_token,
        # handlers/http.py checks every signature (and refuses replays) before Bolt sees the
        # request, and hands Bolt the body it parsed; Socket Mode requests carry none.
        request_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=runtime.listeners,
    )
    middleware.register(app, runtime)
    listeners = middleware.Listeners(app, runtime)
    commands = LoopCommands()
    commands.register(listeners)
    loops.register(listeners, commands)
    scorecards.register(listeners, commands)
    debrief.register(listeners, commands)
    home.register(listeners, commands)
    replacements.register(listeners)
    feedback.register(listeners)
    listeners.install()
    return app
