"""End-to-end: the bot served over HTTP, Slack played by the emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox import Sandbox
from handlers import create_app
from handlers.http import make_wsgi_app
from tests.emulator.conftest import assert_documented


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The bot and Slack, on SQLite; fails the test on any Block Kit violation it produced."""
    with Sandbox(create_app, make_wsgi_app) as sb:
        yield sb
        violations = list(sb.emulator.violations)
        calls = list(sb.emulator.calls)
    assert not violations, f"Block Kit / Slack rule violations: {violations}"
    assert_documented(calls)
