"""Every request is verified: bad, missing, stale or replayed signatures get 401 and do nothing."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from bot.sandbox import Sandbox

FORM = {
    "command": "/loop",
    "text": "list",
    "user_id": "U0RC00001",
    "team_id": "T0LOOPBOT",
    "channel_id": "D0RC00001",
    "trigger_id": "1.2.abc",
}


def _form(sb: Sandbox) -> bytes:
    """The command as Slack sends it, with a response URL the emulator answers."""
    return urlencode({**FORM, "response_url": sb.emulator.issue_response_url()}).encode()


def _headers(sb: Sandbox, body: bytes, **override) -> dict:
    headers = sb.slack.signed_headers(body, "application/x-www-form-urlencoded")
    headers.update(override)
    return {k: v for k, v in headers.items() if v is not None}


@pytest.mark.parametrize("case", ["missing", "bad", "other secret", "stale", "future"])
def test_unverified_requests_are_refused_and_do_nothing(sandbox: Sandbox, case: str) -> None:
    body = _form(sandbox)
    now = int(time.time())
    override = {
        "missing": {"X-Slack-Signature": None, "X-Slack-Request-Timestamp": None},
        "bad": {"X-Slack-Signature": "v0=" + "ab" * 32},
        "other secret": {"X-Slack-Signature": sandbox.slack.sign(body, now).replace("v0=", "v0=0")},
        "stale": {
            "X-Slack-Request-Timestamp": str(now - 301),
            "X-Slack-Signature": sandbox.slack.sign(body, now - 301),
        },
        "future": {
            "X-Slack-Request-Timestamp": str(now + 3600),
            "X-Slack-Signature": sandbox.slack.sign(body, now + 3600),
        },
    }[case]
    before = len(sandbox.emulator.calls)
    reply = sandbox.slack.send_raw(body, _headers(sandbox, body, **override))
    assert reply.status == 401
    time.sleep(0.1)
    assert len(sandbox.emulator.calls) == before


def test_a_captured_request_replayed_is_refused(sandbox: Sandbox) -> None:
    body = _form(sandbox)
    headers = _headers(sandbox, body)
    assert sandbox.slack.send_raw(body, headers).status == 200
    assert sandbox.slack.send_raw(body, headers).status == 401


def test_a_tampered_body_is_refused(sandbox: Sandbox) -> None:
    body = _form(sandbox)
    headers = _headers(sandbox, body)
    forged = body.replace(b"U0RC00001", b"U0HM00001")
    assert sandbox.slack.send_raw(forged, headers).status == 401


def test_a_request_replayed_after_a_restart_is_refused(sandbox: Sandbox) -> None:
    """The replay guard lives in the database: a restarted bot still knows the signature."""
    body = _form(sandbox)
    headers = _headers(sandbox, body)
    assert sandbox.slack.send_raw(body, headers).status == 200
    sandbox.stop_bot()
    sandbox.start_bot()
    replayed = sandbox.slack.send_raw(body, headers)
    assert (replayed.status, replayed.body_text) == (401, "replayed request")
