"""Bad input gets a clear answer and stores nothing half-way."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from bot.store.models import Loop, Round, Scorecard
from tests.e2e.helpers import (
    MONDAY,
    REC,
    create_loop,
    open_create,
    reschedule_by_modal,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_scorecards import owner


@pytest.fixture(scope="module")
def live():
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app) as sb:
        sb.now = MONDAY
        yield sb, create_loop(sb)
        assert not sb.emulator.violations


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        # Slack reads `<` as the start of a mention: the usage is written escaped, shown as typed.
        ("show", "Usage: `/loop show &lt;loop&gt;`"),
        ("show LNOPE", "No loop `LNOPE`"),
        ("show " + "A" * 4000, "No loop `"),
        ("cancel", "Usage: `/loop cancel &lt;loop&gt;`"),
        ("reschedule {loop}", "Usage: `/loop reschedule"),
        ("reschedule {loop} 9 2026-12-01 10:00", "Which round? This loop has: 1. Async Build"),
        ("reschedule {loop} 2 tomorrow", "Give the new time as `YYYY-MM-DD HH:MM`"),
        # A day without its time would be midnight; words after the time would be dropped.
        ("reschedule {loop} 2 2026-12-02", "Give the new time as `YYYY-MM-DD HH:MM`"),
        ("reschedule {loop} 2 2026-12-02 10:00 pm", "Give the new time as `YYYY-MM-DD HH:MM`"),
        ("reschedule {loop} 3 2026-11-30T04:45+00:00", "3. Production Engineering is already at"),
        ("reschedule {loop} 2 2020-01-01 10:00", "Pick a time in the future."),
        ("reschedule {loop} 2 9999-12-31 23:59", "Pick a time within two years."),
        ("reschedule {loop} 2 2028-12-30 10:00", "Pick a time within two years."),
        ("swap {loop} 2 diego", "Mention the new interviewer"),
        ("swap {loop} 2 <@U0DL00001|sam.former>", "has left the workspace"),
        ("swap {loop} 2 <#C0HIRING1|hiring>", "Mention the new interviewer"),
        ("scorecard", "Usage: `/loop scorecard &lt;loop&gt; [round]`"),
        ("scorecard {loop} two", "Give the round as a number"),
        ("debrief", "Usage: `/loop debrief &lt;loop&gt;`"),
        ("show\x00{loop}\x1b", "AI-First Engineering"),
        ("SHOW   {loop}  ", "AI-First Engineering"),
    ],
)
def test_hostile_or_malformed_commands_get_a_precise_answer(live, text, expect) -> None:
    sb, short_id = live
    before = _state(sb)
    assert expect in said(sb, REC, text.format(loop=short_id))
    assert _state(sb) == before


def _state(sb: Sandbox) -> list:
    with sb.db.read() as session:
        rounds = session.exec(select(Round.number, Round.starts_at, Round.version)).all()
        loops = session.exec(select(Loop.status, Loop.version)).all()
    return [*rounds, *loops]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_gets_an_answer_and_changes_nothing(live, text) -> None:
    sb, _ = live
    before = _state(sb)
    reply = sb.slack.command(REC, "/loop", text)
    assert reply.status == 200
    assert reply.json is None or reply.json.get("text") or reply.json == {}
    time.sleep(0.02)
    assert _state(sb) == before


def test_a_step_two_time_in_the_past_is_refused_inline(sandbox: Sandbox) -> None:
    sandbox.now = MONDAY
    open_create(sandbox)
    submit(sandbox, REC, step_one_answers(sandbox))
    modal = top_view(sandbox, REC)
    values = ModalForm(modal, sandbox.emulator.workspace).fill({})
    values["round:2:time"]["value"]["selected_date_time"] = int(
        (MONDAY - timedelta(days=1)).timestamp()
    )
    reply = sandbox.slack.submit(REC, modal, values)
    assert reply.json["errors"] == {"round:2:time": "Pick a time in the future."}
    with sandbox.db.read() as session:
        assert session.exec(select(Loop)).all() == []


def test_a_day_or_time_too_far_ahead_is_refused_inline(sandbox: Sandbox) -> None:
    """Step 1's first day within the next year; step 2's times and deadlines within two years
    (so every round of such a loop fits): said where the date was picked; nothing is created
    and what was typed stays."""
    sandbox.now = MONDAY
    open_create(sandbox)
    reply = submit(sandbox, REC, step_one_answers(sandbox, **{"First interview day": "9999-12-31"}))
    assert reply.json == {
        "response_action": "errors",
        "errors": {"first_day": "Pick a day within the next year."},
    }
    submit(sandbox, REC, step_one_answers(sandbox))
    modal = top_view(sandbox, REC)
    values = ModalForm(modal, sandbox.emulator.workspace).fill({})
    far = int(datetime(9999, 12, 30, 10, 0, tzinfo=UTC).timestamp())
    for field, refusal in (
        ("round:2:time", "Pick a time within two years."),
        ("round:1:deadline", "Pick a deadline within two years."),
    ):
        values = ModalForm(modal, sandbox.emulator.workspace).fill({})
        values[field]["value"]["selected_date_time"] = far
        reply = sandbox.slack.submit(REC, modal, values)
        assert reply.json["errors"][field] == refusal
    with sandbox.db.read() as session:
        assert session.exec(select(Loop)).all() == []


def test_form_values_slack_would_never_send_are_answered_at_their_field(sandbox: Sandbox) -> None:
    """A scorecard whose recommendation is not an option, a step 1 whose people are not user
    ids: each reads as not chosen, so the modal stays open saying what to pick, as when
    nothing was picked."""
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    who = owner(sandbox, short_id, 1)
    sandbox.slack.command(who, "/loop", f"scorecard {short_id} 1")
    modal = wait_for(
        lambda: sandbox.emulator.open_views(uid(sandbox, who)) and top_view(sandbox, who)
    )
    form = ModalForm(modal, sandbox.emulator.workspace)
    picks = {f.label: "Solid" for f in form.fields if f.block_id.startswith("signal:")}
    values = form.fill(
        {**picks, "Overall recommendation": "Hire", "Key evidence": "Clear tests, small steps."}
    )
    values["recommendation"]["value"]["selected_option"] = "Hire"
    reply = sandbox.slack.submit(who, modal, values)
    assert reply.json["response_action"] == "errors"
    assert "recommendation" in reply.json["errors"]
    with sandbox.db.read() as session:
        assert session.exec(select(Scorecard)).all() == []

    open_create(sandbox)
    step_one = top_view(sandbox, REC)
    values = ModalForm(step_one, sandbox.emulator.workspace).fill(step_one_answers(sandbox))
    values["role:HM"]["value"]["selected_user"] = 5
    values["role:PI"]["value"]["selected_users"] = "U0RC00001"
    reply = sandbox.slack.submit(REC, step_one, values)
    assert reply.json["response_action"] == "errors"
    assert reply.json["errors"]["role:HM"].startswith("Pick the Hiring Manager")
    assert reply.json["errors"]["role:PI"].startswith("Pick the Panel Interviewer")


def test_the_reschedule_modal_refuses_a_time_too_far_ahead_at_its_field(sandbox: Sandbox) -> None:
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    far = datetime(2029, 1, 8, 10, 0, tzinfo=UTC)
    reply = reschedule_by_modal(sandbox, REC, short_id, 2, far)
    assert reply.json == {
        "response_action": "errors",
        "errors": {"when": "Pick a time within two years."},
    }


def test_a_modal_naming_another_loops_round_is_refused(sandbox: Sandbox) -> None:
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    from bot.slack.blocks.loops import build_modal_reschedule

    forged = build_modal_reschedule(
        short_id=short_id, rounds=[(9, "Not in this loop")], initial=MONDAY + timedelta(days=5)
    )
    # The view must be open to be submitted: open it as the bot would.
    sandbox.runtime.messenger.open_view(
        sandbox.emulator.issue_trigger_id(uid(sandbox, REC)), forged
    )
    modal = top_view(sandbox, REC)
    values = ModalForm(modal, sandbox.emulator.workspace).fill({"Round": "9"})
    reply = sandbox.slack.submit(REC, modal, values)
    assert "Which round? This loop has: 1. Async Build" in json.dumps(reply.json)


def test_a_decision_button_with_a_forged_value_is_refused(sandbox: Sandbox) -> None:
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    reply = sandbox.slack.click(
        "maya.hm", "debrief_decide:hire", f"{short_id}:promote", channel_id="C0HIRING1"
    )
    assert reply.status == 200
    said = wait_for(lambda: sandbox.emulator.all_responses())[-1]["text"]
    assert "That decision button is broken" in said
