"""The Socket Mode connection itself: opened with the app token, reopened when Slack asks."""

from __future__ import annotations

import time

from bot.sandbox import Sandbox
from tests.e2e.helpers import REC


def test_the_bot_opens_one_connection_with_the_app_token(sandbox: Sandbox) -> None:
    opened = sandbox.emulator.calls_to("apps.connections.open")
    assert len(opened) == 1 and opened[0].ok
    assert sandbox.emulator.socket_mode.connected == 1
    reply = sandbox.slack.command(REC, "/loop", "help")
    assert "`/loop help`" in reply.json["text"]


def test_a_disconnect_makes_the_bot_reconnect_and_nothing_is_lost(sandbox: Sandbox) -> None:
    hub = sandbox.emulator.socket_mode
    sandbox.emulator.reset_calls()
    hub.disconnect("refresh_requested")
    deadline = time.monotonic() + 30
    while not (hub.opened >= 2 and hub.connected == 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.opened >= 2 and hub.connected == 1
    # The client reads its new connection once it lets go of the old one (a ping answered).
    assert hub.wait_listening()
    opened = hub.opened
    for _ in range(5):
        reply = sandbox.slack.command(REC, "/loop", "help")
        assert "`/loop help`" in reply.json["text"]
    assert hub.opened == opened and hub.connected == 1  # settled: no reconnect after that


def test_a_bot_token_cannot_open_a_connection(sandbox: Sandbox) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=sandbox.emulator.bot_token, base_url=sandbox.emulator.api_url)
    try:
        client.apps_connections_open(app_token=sandbox.emulator.bot_token)
    except SlackApiError as exc:
        assert exc.response["error"] == "not_allowed_token_type"
    else:
        raise AssertionError("a bot token opened a Socket Mode connection")
