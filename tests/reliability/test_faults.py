"""Slack and database faults: each has an answer, and nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import Loop, Reminder, ReminderState, Scorecard
from tests.e2e.helpers import MONDAY, REC, create_loop, impatient_dispatcher, uid, wait_for
from tests.e2e.test_debrief import submit


def _said(sb: Sandbox) -> str:
    return wait_for(lambda: sb.emulator.all_responses())[-1]["text"]


def test_a_lost_dm_channel_is_reopened(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    sb.dispatch()
    sb.emulator.fail_next("chat.postMessage", error="channel_not_found")
    sb.dispatch(MONDAY + timedelta(days=1))
    with sb.db.read() as session:
        states = {
            r.state
            for r in session.exec(
                select(Reminder).where(Reminder.due_at <= MONDAY + timedelta(days=1))
            ).all()
        }
    assert ReminderState.FAILED not in states and ReminderState.PENDING not in states
    assert short_id


def test_a_channel_slack_will_not_create_is_explained_to_the_creator(sb: Sandbox) -> None:
    from tests.e2e.helpers import open_create, step_one_answers
    from tests.e2e.helpers import submit as submit_form

    sb.emulator.fail_next("conversations.create", error="restricted_action")
    open_create(sb)
    submit_form(sb, REC, step_one_answers(sb))
    reply = submit_form(sb, REC, {})
    assert reply.json["response_action"] == "update"
    told = wait_for(
        lambda: [
            m.text for m in sb.emulator.dms_to(uid(sb, REC)) if "private channel" in (m.text or "")
        ]
    )
    assert told and "Slack said `restricted_action`" in told[0] and "/loop show L" in told[0]
    # Nothing is lost: the loop exists and its people are told once the dispatcher runs.
    assert sb.dispatch().sent > 0


def test_an_expired_trigger_asks_the_person_to_try_again(sb: Sandbox) -> None:
    sb.emulator.fail_next("views.open", error="expired_trigger_id")
    reply = sb.slack.command(REC, "/loop", "create")
    assert reply.status == 200
    assert "Slack took too long to open that; please try again." in _said(sb)


def test_slack_timeouts_are_retried_later_not_dropped(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    slow = impatient_dispatcher(sb)
    sb.emulator.fail_next("chat.postMessage", delay=2.5, times=1)
    first = slow.tick(MONDAY)
    assert first.retried == 1
    later = slow.tick(MONDAY + timedelta(hours=1))
    with sb.db.read() as session:
        pending = session.exec(
            select(Reminder).where(Reminder.due_at <= MONDAY, Reminder.state != ReminderState.SENT)
        ).all()
    assert later.sent >= 1 and pending == [] and short_id


def test_a_busy_database_gets_a_friendly_answer_and_nothing_is_lost(tmp_path) -> None:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    with Sandbox(create_app, make_wsgi_app, database_url=url) as sb:
        sb.now = MONDAY
        short_id = create_loop(sb)
        from bot.store import Database

        sb.stop_bot()
        sb.db = Database(url, busy_timeout_ms=300)
        sb.start_bot()
        blocker = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            reply = sb.slack.command(REC, "/loop", f"cancel {short_id}")
            assert reply.status == 200
            assert "database is busy right now; please try again" in _said(sb)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        sb.slack.command(REC, "/loop", f"cancel {short_id}")
        assert wait_for(lambda: "is cancelled" in sb.emulator.all_responses()[-1]["text"])


def test_a_restart_right_after_a_submission_keeps_the_scorecard(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire")
    sb.stop_bot()
    sb.start_bot()
    with sb.db.read() as session:
        (card,) = session.exec(select(Scorecard)).all()
    assert card.submitted and card.answers["key_evidence"] == "Round 1 evidence."


def test_concurrent_last_scorecards_post_one_summary(sb: Sandbox) -> None:
    from bot.app.summary import debrief_if_all_in

    short_id = create_loop(sb)
    for number in range(1, 7):
        submit(sb, short_id, number, "Hire")
    with sb.db.read() as session:
        loop_id = session.exec(select(Loop.id)).one()
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(debrief_if_all_in(runtime=sb.runtime, loop_id=loop_id))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The real last submission races these four callers: exactly one of all five wins.
    assert sum(results) <= 1

    def posts():
        return [
            c
            for c in sb.emulator.calls_to("chat.postMessage")
            if "Debrief:" in json.dumps(c.args.get("blocks", []))
        ]

    assert wait_for(posts)
    sb.stop_bot()
    assert len(posts()) == 1
    sb.start_bot()


@pytest.mark.parametrize(
    ("fault", "expect_sent"),
    [
        ({"retry_after": 1, "times": 2}, True),  # 429: waited out, then sent
        ({"status": 503, "times": 6}, False),  # 5xx past the client's retries: retried later
        ({"status": 500, "times": 1}, True),  # one 5xx: the client's own retry sends it
    ],
)
def test_slack_errors_on_dms_lose_nothing(sb: Sandbox, fault, expect_sent) -> None:
    create_loop(sb)
    sb.emulator.fail_next("chat.postMessage", **fault)
    first = sb.dispatch()
    assert first.failed == 0
    if not expect_sent:
        assert first.retried >= 1
        sb.dispatch(MONDAY + timedelta(hours=2))
    with sb.db.read() as session:
        due = session.exec(select(Reminder).where(Reminder.due_at <= MONDAY)).all()
    assert due and all(r.state == ReminderState.SENT for r in due)


def test_a_person_who_left_is_reported_to_the_recruiter_not_retried(sb: Sandbox) -> None:
    create_loop(sb)
    sb.emulator.workspace.user("diego.la").deleted = True
    sb.dispatch()
    with sb.db.read() as session:
        failed = session.exec(select(Reminder).where(Reminder.state == ReminderState.FAILED)).all()
    assert failed
    told = [m.text for m in sb.emulator.dms_to(uid(sb, REC)) if "could not deliver" in m.text]
    assert told and "<@U0PN00001>" in told[0]
    # Each names the message as its reader knows it, never by loopbot's own word for it.
    assert any(t.startswith("I could not deliver the news of their round for *") for t in told)
    assert not [t for t in told if "_" in t.split(" to <@")[0] or "message for" in t]
