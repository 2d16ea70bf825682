"""`loopbot serve` as Slack meets it: signatures, help, events once, health, errors."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from bot.sandbox import Sandbox
from bot.store import Database
from handlers.middleware import Listeners
from tests.e2e.helpers import wait_for

HELP_FORM = {
    "command": "/loop",
    "text": "help",
    "user_id": "U0RC00001",
    "team_id": "T1",
    "channel_id": "D0RC00001",
    "response_url": "https://hooks.slack.com/commands/T1/1/help",
    "trigger_id": "1.2.3",
}


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_signed_help_lists_the_commands(sandbox: Sandbox) -> None:
    reply = sandbox.slack.command("oliver.rec", "/loop", "help")
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert "`/loop help`" in reply.json["text"]


def test_empty_and_unknown_subcommands_answer_with_help(sandbox: Sandbox) -> None:
    empty = sandbox.slack.command("oliver.rec", "/loop", "")
    unknown = sandbox.slack.command("oliver.rec", "/loop", "frobnicate <@U0HM00001|maya>")
    assert "`/loop help`" in empty.json["text"]
    assert unknown.json["text"].startswith("I don't know `/loop frobnicate`.")
    assert "`/loop help`" in unknown.json["text"]


def test_unsigned_badly_signed_and_stale_requests_get_401(sandbox: Sandbox) -> None:
    body = urlencode(HELP_FORM).encode()
    content = {"Content-Type": "application/x-www-form-urlencoded"}
    unsigned = sandbox.slack.send_raw(body, content)
    forged = sandbox.slack.send_raw(
        body,
        {
            **content,
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    stale_ts = int(time.time()) - 6 * 60
    stale = sandbox.slack.send_raw(
        body,
        {
            **content,
            "X-Slack-Request-Timestamp": str(stale_ts),
            "X-Slack-Signature": sandbox.slack.sign(body, stale_ts),
        },
    )
    assert [r.status for r in (unsigned, forged, stale)] == [401, 401, 401]
    assert "loopbot" not in unsigned.body_text + forged.body_text + stale.body_text


def test_a_replayed_request_is_refused(sandbox: Sandbox) -> None:
    body = urlencode(HELP_FORM).encode()
    headers = sandbox.slack.signed_headers(body, "application/x-www-form-urlencoded")
    first = sandbox.slack.send_raw(body, headers)
    replay = sandbox.slack.send_raw(body, headers)
    assert first.status == 200 and "/loop help" in first.body_text
    assert replay.status == 401


def _home_opened(user: str) -> dict:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def test_opening_app_home_publishes_the_home_tab(sandbox: Sandbox) -> None:
    reply = sandbox.slack.event(_home_opened("U0PN00001"), event_id="Ev0001")
    assert reply.status == 200
    assert wait_for(lambda: sandbox.emulator.home_of("U0PN00001") is not None)
    text = json.dumps(sandbox.emulator.home_of("U0PN00001"))
    assert "AI-First Engineering" in text


def test_a_retried_event_is_processed_once_even_across_a_restart(sandbox: Sandbox) -> None:
    event = _home_opened("U0PN00002")
    assert sandbox.slack.event(event, event_id="Ev0002").status == 200
    assert wait_for(lambda: len(sandbox.emulator.calls_to("views.publish")) == 1)
    assert (
        sandbox.slack.event(
            event, event_id="Ev0002", retry_num=1, retry_reason="http_timeout"
        ).status
        == 200
    )
    sandbox.stop_bot()
    sandbox.start_bot()
    assert (
        sandbox.slack.event(
            event, event_id="Ev0002", retry_num=2, retry_reason="http_timeout"
        ).status
        == 200
    )
    time.sleep(0.3)
    assert len(sandbox.emulator.calls_to("views.publish")) == 1


def test_rate_limited_publish_is_retried_after_retry_after(sandbox: Sandbox) -> None:
    sandbox.emulator.fail_next("views.publish", retry_after=1, times=2)
    sandbox.slack.event(_home_opened("U0PN00003"), event_id="Ev0003")
    assert wait_for(lambda: sandbox.emulator.home_of("U0PN00003") is not None, timeout=8)
    statuses = [c.status for c in sandbox.emulator.calls_to("views.publish")]
    assert statuses == [429, 429, 200]


def test_healthz_reports_the_database(sandbox: Sandbox) -> None:
    status, body = _get(sandbox.url + "/healthz")
    assert (status, body) == (200, {"ok": True, "database": "ok", "dispatcher": "not run here"})
    sandbox.runtime.db.engine.dispose()
    real = sandbox.db
    unreachable = Database(
        "postgresql://nobody@127.0.0.1:9/none", connect_args={"connect_timeout": 1}
    )
    sandbox.stop_bot()
    sandbox.db = unreachable
    try:
        sandbox.start_bot()
        status, body = _get(sandbox.url + "/healthz")
    finally:
        sandbox.stop_bot()
        sandbox.db = real
        sandbox.start_bot()
    assert (status, body) == (
        503,
        {"ok": False, "database": "unreachable", "dispatcher": "not run here"},
    )


def test_healthz_is_ok_at_once_while_another_process_writes(sandbox: Sandbox) -> None:
    """A health check reads: it never waits for SQLite's write lock (a migration, a compaction
    or another replica's transaction), nor calls the database unreachable because of it."""
    path = sandbox.db.engine.url.database
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        status, body = _get(sandbox.url + "/healthz")
    finally:
        holder.rollback()
        holder.close()
    assert (status, body["database"]) == (200, "ok")


def test_unexpected_errors_reach_the_user_with_a_reference(sandbox: Sandbox, caplog) -> None:
    def explode(ack) -> None:
        ack()
        raise RuntimeError("Juyoung Park scored No Hire")

    # Registered as every loopbot listener is (through `report_errors`): left to Bolt, an
    # error after ack() can undo the acknowledgement before Bolt sees it (404 after 3 s).
    listeners = Listeners(sandbox.app, sandbox.runtime)
    listeners.action("boom", explode)
    listeners.install()
    with caplog.at_level(logging.INFO):
        reply = sandbox.slack.click("maya.hm", "boom", "x", channel_id="C0HIRING1")
        assert reply.status == 200
        assert wait_for(sandbox.emulator.all_responses)
    (said,) = sandbox.emulator.all_responses()
    assert said["text"].startswith("Something went wrong on loopbot's side (ref `")
    ref = said["text"].split("`")[1]
    assert any(getattr(r, "correlation_id", None) == ref for r in caplog.records)

    assert "RuntimeError at test_slack_app.py" in caplog.text
    assert "Juyoung" not in caplog.text and "No Hire" not in caplog.text


def test_a_click_nobody_listens_for_is_refused_and_known_ones_still_route(
    sandbox: Sandbox,
) -> None:
    listeners = Listeners(sandbox.app, sandbox.runtime)
    clicked: list[str] = []
    listeners.action("known", lambda ack, action: (ack(), clicked.append(action["value"])))
    with pytest.raises(ValueError, match="two listeners for the action 'known'"):
        listeners.action("known", lambda ack: ack())
    listeners.action("known_too", lambda ack: ack())  # a longer id: matched whole, not in part
    listeners.install()
    with pytest.raises(ValueError, match="registered after install"):
        listeners.action("late", lambda ack: ack())

    stale = sandbox.slack.click("maya.hm", "retired_button", "x", channel_id="C0HIRING1")
    part = sandbox.slack.click("maya.hm", "know", "x", channel_id="C0HIRING1")
    known = sandbox.slack.click("maya.hm", "known", "yes", channel_id="C0HIRING1")

    assert stale.status == 404 and part.status == 404  # Slack shows the click did not go through
    assert known.status == 200
    assert wait_for(lambda: clicked) == ["yes"]
    assert sandbox.emulator.all_responses() == []
