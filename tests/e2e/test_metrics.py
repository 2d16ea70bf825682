"""What an operator's Prometheus sees on GET /metrics after people have used the bot."""

from __future__ import annotations

import subprocess
import urllib.request
from datetime import UTC, datetime
from subprocess import STDOUT

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import Reminder, ReminderState
from tests.e2e.helpers import HM, create_loop, impatient_dispatcher, uid
from tests.e2e.test_debrief import submit

Samples = dict[tuple[str, frozenset], float]


def _scrape(sb: Sandbox) -> tuple[str, Samples]:
    with urllib.request.urlopen(sb.url + "/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = response.read().decode()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    return body, samples


def test_metrics_count_a_story_requests_reminders_and_slacks_answers(sb: Sandbox) -> None:
    _, before = _scrape(sb)
    short_id = create_loop(sb)  # /loop create and its two modal steps
    submit(sb, short_id, 1, "Hire")  # /loop scorecard, one modal submitted
    # An event: its envelope names the event's own type first, and that is not what is counted.
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, HM), "tab": "home"})
    refused = sb.slack.send_raw(b"command=%2Floop&text=list", {})  # no signature
    assert refused.status == 401
    sb.stop_bot()  # lets the work after each acknowledgement finish, as a graceful stop does
    sb.start_bot()
    sb.emulator.fail_next("chat.postMessage", retry_after=1)  # the dispatcher's first DM
    dispatched = sb.dispatch()
    body, after = _scrape(sb)

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("loopbot_requests_total", kind="command", outcome="ok") == 2
    assert grew("loopbot_requests_total", kind="view_submission", outcome="ok") == 3
    assert grew("loopbot_requests_total", kind="command", outcome="refused") == 1
    assert grew("loopbot_requests_total", kind="event_callback", outcome="ok") == 1
    assert grew("loopbot_requests_total", kind="other", outcome="ok") == 0
    # Every request's acknowledgement is timed, and these came back well inside Slack's 3 s.
    assert grew("loopbot_ack_seconds_count", kind="command") == 3
    assert grew("loopbot_ack_seconds_bucket", kind="command", le="3.0") == 3
    # The dispatcher's sends, the 429 Slack gave one of them, and Slack's other answers.
    assert dispatched.sent > 0
    assert grew("loopbot_reminders_total", outcome="sent") == dispatched.sent
    assert grew("loopbot_reminders_total", outcome="deferred") == dispatched.deferred >= 1
    assert grew("loopbot_reminders_due_total") == sum(vars(dispatched).values())
    assert grew("loopbot_slack_calls_total", method="chat.postMessage", outcome="rate_limited") == 1
    assert grew("loopbot_slack_calls_total", method="views.open", outcome="ok") == 2
    assert grew("loopbot_reminder_delay_seconds_count", kind="assigned") >= 1
    # The backlog is what the database holds due now and not yet sent.
    with sb.db.read() as session:
        due = session.exec(
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.state.in_([ReminderState.PENDING, ReminderState.CLAIMED]),
                Reminder.due_at <= datetime.now(UTC),
            )
        ).one()
    assert after[("loopbot_outbox_depth", frozenset())] == due > 0
    assert "# HELP loopbot_ack_seconds Time to acknowledge a request from Slack" in body


def test_with_two_processes_any_scrape_counts_every_process(tmp_path) -> None:
    from bot.emulator import SlackClient, SlackEmulator
    from tests.e2e.test_cli_serve import LOOPBOT, _said, _serve_env, _upgraded

    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path, LOOPBOT_PROCESSES="2")
        _upgraded(env)
        log_path = tmp_path / "serve.log"
        proc = subprocess.Popen(
            [*LOOPBOT, "serve"], env=env, stdout=log_path.open("w"), stderr=STDOUT
        )
        url = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(url + "/slack/events", "s3cret-for-tests", emulator)
        try:
            _said(log_path, "serving process ready (2 of 2)")
            for _ in range(10):  # the two processes share these between them
                assert slack.command("oliver.rec", "/loop", "help").status == 200
            for _ in range(4):  # whichever process answers the scrape reports all ten
                with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
                    body = response.read().decode()
                assert 'loopbot_requests_total{kind="command",outcome="ok"} 10.0' in body
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_metrics_count_what_went_wrong(sb: Sandbox) -> None:
    """The outcomes an operator alerts on: a malformed request, a reminder sent late, one no
    longer relevant, one Slack timed out on, one Slack refused for good."""
    from datetime import timedelta

    from tests.e2e.helpers import MONDAY
    from tests.e2e.test_feedback_deadlines import _round_two

    _, before = _scrape(sb)
    malformed = b"payload=%5B1%5D"  # signed, but a JSON list where Slack sends an object
    form = "application/x-www-form-urlencoded"
    assert sb.slack.send_raw(malformed, sb.slack.signed_headers(malformed, form)).status == 400
    short_id = create_loop(sb)
    submit(sb, short_id, 2, "Hire")  # before the interview: its reminders will not be needed
    # Every follow-up of those requests done (a graceful stop lets them finish): the faults
    # below meet the dispatcher's messages, not a receipt still on its way.
    sb.stop_bot()
    sb.start_bot()
    # A dispatcher whose Slack calls give up after 1 s, and a Slack that stalls the first DM.
    slow = impatient_dispatcher(sb)
    sb.emulator.fail_next("chat.postMessage", delay=2.5)
    first = slow.tick(MONDAY)
    sb.emulator.end_delays()
    sb.emulator.fail_next("chat.postMessage", error="account_inactive")
    # The rest two hours after their time (a dispatcher that was down): late.
    late = sb.dispatch(MONDAY + timedelta(hours=2))
    rnd = _round_two(sb, short_id)
    assert rnd.starts_at is not None
    ended = sb.dispatch(rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60))
    _, after = _scrape(sb)

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("loopbot_requests_total", kind="other", outcome="rejected") == 1
    assert first.retried == 1 and grew("loopbot_reminders_total", outcome="retried") >= 1
    assert grew("loopbot_slack_calls_total", method="chat.postMessage", outcome="unreachable") == 1
    assert late.sent >= 1 and grew("loopbot_reminders_late_total", kind="assigned") >= 1
    assert late.failed + ended.failed == 1
    assert grew("loopbot_reminders_total", outcome="failed") == 1
    assert grew("loopbot_slack_calls_total", method="chat.postMessage", outcome="refused") == 1
    assert ended.skipped >= 1  # round 2's scorecard reminders: its scorecard is in
    assert grew("loopbot_reminders_total", outcome="skipped") == ended.skipped
