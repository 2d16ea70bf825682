"""Malformed requests get a 4xx saying why before any listener runs, and the bot stays healthy."""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import urlencode

import pytest

from bot.sandbox import Sandbox
from tests.e2e.helpers import REC, said, uid

FORM = "application/x-www-form-urlencoded"


def _signed(sb: Sandbox, body: bytes, content_type: str = FORM, **override: str):
    headers = sb.slack.signed_headers(body, content_type)
    headers.update(override)
    return sb.slack.send_raw(body, headers)


def _healthy(sb: Sandbox) -> bool:
    with urllib.request.urlopen(sb.url + "/healthz", timeout=5) as response:
        return json.loads(response.read())["ok"]


def _payload(sb: Sandbox, payload) -> bytes:
    return urlencode({"payload": payload}).encode()


def _click(sb: Sandbox, **changes) -> str:
    base = {"type": "block_actions", "user": {"id": uid(sb, REC)}, "trigger_id": "1.2.3"}
    return json.dumps(base | changes)


CASES = {
    "payload not JSON": (lambda sb: _payload(sb, "{not json"), FORM, "payload is not JSON"),
    "payload a list": (lambda sb: _payload(sb, "[1, 2]"), FORM, "not an object with a type"),
    "payload null": (lambda sb: _payload(sb, "null"), FORM, "not an object with a type"),
    "empty actions": (lambda sb: _payload(sb, _click(sb, actions=[])), FORM, "without actions"),
    "action not an object": (
        lambda sb: _payload(sb, _click(sb, actions=[None])),
        FORM,
        "without an action_id",
    ),
    "no user": (
        lambda sb: _payload(sb, json.dumps({"type": "block_actions", "actions": []})),
        FORM,
        "without a user",
    ),
    "view null": (
        lambda sb: _payload(sb, json.dumps({"type": "view_submission", "user": {"id": "U1"}})),
        FORM,
        "view_submission without a view",
    ),
    "form with nothing": (lambda sb: b"text=hello", FORM, "neither a command nor"),
    "event body not JSON": (lambda sb: b"{nope", "application/json", "body is not JSON"),
    "event body a list": (lambda sb: b"[]", "application/json", "not an object with a type"),
    "event without event": (
        lambda sb: b'{"type": "event_callback", "event": null}',
        "application/json",
        "event_callback without an event",
    ),
    "not UTF-8": (lambda sb: b"payload=\xff\xfe", FORM, "body is not UTF-8"),
    "nested past reading": (
        lambda sb: b'{"type": "event_callback", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "application/json",
        "body is not JSON",
    ),
    "event_id not text": (
        lambda sb: json.dumps(
            {"type": "event_callback", "event": {"type": "app_home_opened"}, "event_id": 5}
        ).encode(),
        "application/json",
        "an event_id that is not text",
    ),
    "event user not text": (
        lambda sb: json.dumps(
            {"type": "event_callback", "event": {"type": "app_home_opened", "user": 5}}
        ).encode(),
        "application/json",
        "sender fields that are not Slack's",
    ),
    "team not an object": (
        lambda sb: _payload(sb, _click(sb, team=5, actions=[{"action_id": "x"}])),
        FORM,
        "sender fields that are not Slack's",
    ),
    "legacy interaction": (
        lambda sb: _payload(
            sb,
            json.dumps({"type": "interactive_message", "user": {"id": "U1"}, "callback_id": "x"}),
        ),
        FORM,
        "an interaction loopbot does not take (interactive_message)",
    ),
    "view without a type": (
        lambda sb: _payload(
            sb,
            json.dumps(
                {
                    "type": "view_submission",
                    "user": {"id": "U1"},
                    "view": {"callback_id": "scorecard_submit"},
                }
            ),
        ),
        FORM,
        "view_submission of a view that is not a modal",
    ),
    "response_urls not Slack's": (
        lambda sb: _payload(
            sb,
            json.dumps(
                {
                    "type": "view_submission",
                    "user": {"id": "U1"},
                    "view": {"type": "modal", "callback_id": "scorecard_submit"},
                    "response_urls": ["x"],
                }
            ),
        ),
        FORM,
        "response_urls that are not Slack's",
    ),
    "lone surrogate": (
        lambda sb: _payload(sb, _click(sb, actions=[{"action_id": "x", "value": "\ud800"}])),
        FORM,
        "payload holds text that is not Unicode",
    ),
    "command without a response URL": (
        lambda sb: urlencode(
            {"command": "/loop", "user_id": uid(sb, REC), "text": "list"}
        ).encode(),
        FORM,
        "a slash command without response_url",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_signed_but_malformed_requests_get_400_with_the_reason(sandbox: Sandbox, case: str) -> None:
    make, content_type, reason = CASES[case]
    before = len(sandbox.emulator.calls)
    reply = _signed(sandbox, make(sandbox), content_type)
    assert (reply.status, reason in reply.body_text) == (400, True), reply.body_text
    assert len(sandbox.emulator.calls) == before
    assert _healthy(sandbox)


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "", "-5", "9" * 40])
def test_a_malformed_timestamp_is_refused_before_anything_else(
    sandbox: Sandbox, timestamp: str
) -> None:
    body = urlencode({"command": "/loop", "text": "help", "user_id": "U1"}).encode()
    reply = _signed(sandbox, body, **{"X-Slack-Request-Timestamp": timestamp})
    assert reply.status == 401
    assert "X-Slack-Request-Timestamp" in reply.body_text
    assert _healthy(sandbox)


def test_an_oversized_body_is_refused(sandbox: Sandbox) -> None:
    body = urlencode({"command": "/loop", "text": "x" * 3_000_000}).encode()
    assert _signed(sandbox, body).status == 413


@pytest.mark.parametrize("number", ["999999999999999999999", "1000", "0", "²", "٣"])
def test_a_round_number_out_of_range_gets_a_clear_answer(sb: Sandbox, number: str) -> None:
    from tests.e2e.helpers import create_loop

    short_id = create_loop(sb)
    answer = said(sb, REC, f"scorecard {short_id} {number}")
    assert "Give the round as a number" in answer or "has no round" in answer
    assert "Something went wrong" not in answer


def test_a_template_pick_from_outside_its_modal_changes_nothing_and_says_nothing(
    sb: Sandbox,
) -> None:
    """The template picker lives in step 1's modal; a pick that names no modal is dropped."""
    pick = {
        "action_id": "loop_pick_template",
        "type": "static_select",
        "selected_option": {"value": "ai-first-engineering"},
    }
    for where in ({}, {"view": {"type": "home", "id": "V1"}}, {"view": "V1"}):
        sb.emulator.reset_calls()
        reply = _signed(sb, _payload(sb, _click(sb, actions=[pick], **where)))
        assert reply.status == 200
        time.sleep(0.3)  # a listener's error reaches Slack within milliseconds
        assert sb.emulator.calls == []  # nothing is said, nothing is opened
    assert _healthy(sb)


def test_a_scorecard_button_naming_a_huge_round_is_refused(sb: Sandbox) -> None:
    from tests.e2e.helpers import create_loop, wait_for

    short_id = create_loop(sb)
    reply = sb.slack.click(
        "diego.la", "scorecard_open", f"{short_id}:999999999999999999999", channel_id="C0HIRING1"
    )
    assert reply.status == 200
    answer = wait_for(lambda: sb.emulator.all_responses())[-1]["text"]
    assert "That scorecard link is broken" in answer
