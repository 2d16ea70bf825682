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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The stories re-collected in the `*_over_socket_mode` modules go over Socket Mode through
    the `sandbox` fixture above. One that builds its own sandbox would run over HTTP a second
    time, the same test twice: it is left to its own module."""
    twice = [
        item
        for item in items
        if item.path.name.endswith("_over_socket_mode.py")
        and "sandbox" not in getattr(item, "fixturenames", ())
    ]
    if twice:
        config.hook.pytest_deselected(items=twice)
        dropped = {id(item) for item in twice}
        items[:] = [item for item in items if id(item) not in dropped]
