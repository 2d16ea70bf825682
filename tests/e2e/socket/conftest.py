"""The same stories with Slack delivering over Socket Mode: the bot opens the connection
(`apps.connections.open`), Slack sends envelopes and waits for each acknowledgement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from handlers import create_app
    from handlers.http import make_wsgi_app
    from tests.emulator.conftest import assert_documented

    with Sandbox(create_app, make_wsgi_app, socket_mode=SocketModeHandler) as sb:
        yield sb
        violations = list(sb.emulator.violations)
        calls = list(sb.emulator.calls)
    assert not violations, f"Block Kit / Slack rule violations: {violations}"
    assert_documented(calls)
