"""Fixtures for the Slack emulator's own tests."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.emulator import ManualClock, SlackEmulator
from bot.emulator.common import COMMON_ERRORS, ApiCall

# Slack's machine-readable method reference, kept with the tests (tests/reference/slack).
REFERENCE = Path(
    os.environ.get(
        "LOOPBOT_SLACK_REFERENCE",
        Path(__file__).resolve().parents[1] / "reference" / "slack" / "methods",
    )
)
# Real answers that the reference pages leave out.
UNLISTED = {"chat.postMessage": {"msg_too_long"}}


def documented_errors(method: str) -> set[str] | None:
    """Error codes the reference lists for a method, or None when the reference is absent."""
    page = REFERENCE / f"{method}.json"
    if not page.exists():
        return None
    return set(json.loads(page.read_text())["errors"]) | COMMON_ERRORS | UNLISTED.get(method, set())


def assert_documented(calls: list[ApiCall]) -> None:
    """Every error the emulator answered must be one Slack documents for that method."""
    for call in calls:
        if call.error is None or call.injected or call.error == "unknown_method":
            continue
        known = documented_errors(call.method)
        if known is not None:
            assert call.error in known, f"{call.method} answered undocumented {call.error!r}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_760_000_000.0)


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[SlackEmulator]:
    """A started emulator with rate limits off; fails the test on unexpected violations."""
    em = SlackEmulator(clock=clock, rate_limits=False).start()
    try:
        yield em
    finally:
        em.stop()
    assert_documented(em.calls)
    assert not em.violations, f"Block Kit violations: {em.violations}"


@pytest.fixture
def check_documented() -> Callable[[list[ApiCall]], None]:
    """For tests that run their own emulator: the documented-errors check."""
    return assert_documented


@pytest.fixture
def slack(emulator: SlackEmulator) -> WebClient:
    return WebClient(base_url=emulator.api_url, token=emulator.bot_token, timeout=5)
