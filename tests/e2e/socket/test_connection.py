"""The Socket Mode connection itself: opened with the app token, reopened when Slack asks."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.sandbox import Sandbox
from handlers.socket_mode import serve_socket_mode
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


def _serve_until_logged(sandbox: Sandbox, caplog: pytest.LogCaptureFixture, line: str) -> list:
    """`loopbot serve --socket-mode`'s loop over the sandbox's bot, stopped once `line` is in
    its log; returns what it logged."""
    stop = threading.Event()
    exits: list[int] = []
    build = lambda: (sandbox.app, sandbox.runtime)  # noqa: E731
    token = sandbox.emulator.app_token
    serving = threading.Thread(
        target=lambda: exits.append(serve_socket_mode(build, token, grace_s=5, stop=stop))
    )
    with caplog.at_level(logging.INFO, logger="handlers.socket_mode"):
        serving.start()
        deadline = time.monotonic() + 10
        while line not in caplog.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        serving.join(timeout=10)
    assert exits == [0], caplog.messages
    return list(caplog.messages)


def test_the_log_says_connected_only_once_the_websocket_is_open(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    hub = sandbox.emulator.socket_mode
    hub.refusing = True  # Slack's edge answers the upgrade 503: Slack's client will try again
    logged = _serve_until_logged(sandbox, caplog, "Socket Mode connection not open yet: retrying")
    assert "Socket Mode connection not open yet: retrying" in logged
    assert "connected over Socket Mode" not in logged
    caplog.clear()
    hub.refusing = False
    logged = _serve_until_logged(sandbox, caplog, "connected over Socket Mode")
    assert "connected over Socket Mode" in logged
    assert not [line for line in logged if "not open" in line or "lost" in line]
