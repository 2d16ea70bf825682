"""Scorecards as interviewers write them, and who may read what."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event
from sqlmodel import select

import bot.slack.messenger as messenger_module
from bot.app.announce import admit_reader
from bot.emulator import ModalForm
from bot.emulator.blockkit import check_view
from bot.loops.queries import find_loop
from bot.sandbox import Sandbox
from bot.scorecards.service import subject_of
from bot.slack.blocks.scorecards import build_modal_scorecard
from bot.store.models import AuditEntry, Decision, Scorecard, ScorecardRevision
from tests.e2e.helpers import (
    HM,
    IL,
    REC,
    card_in_channel,
    create_loop,
    members_of_loop_channel,
    top_view,
    uid,
    wait_for,
)

PRODUCTION = {"number": 3, "name": "Production Engineering"}


@pytest.fixture
def loop_id(sb: Sandbox) -> str:
    # The candidate's guide names no round; the recruiter picks Production Engineering.
    short_id = create_loop(
        sb, **{"Round the candidate's guide briefs": "3. Production Engineering"}
    )
    sb.dispatch()
    return short_id


def owner(sb: Sandbox, short_id: str, number: int) -> str:
    with sb.db.session() as session:
        subject = subject_of(session, sb.runtime.library, short_id, number)
        from bot.loops.queries import assignments_of

        ids = [
            a.user_id
            for a in assignments_of(session, subject.loop)
            if a.round_id == subject.rnd.id and a.letter == "R"
        ]
    return sb.emulator.workspace.user(ids[0]).name


def open_from_due_dm(sb: Sandbox, short_id: str, number: int) -> tuple[str, dict]:
    """The interview ends; the 'scorecard due' DM's button opens the modal."""
    who = owner(sb, short_id, number)
    sb.dispatch(sb.now.replace(month=12, day=3))
    due = next(
        m
        for m in reversed(sb.emulator.dms_to(uid(sb, who)))
        # Sent days after the interview: it says when the scorecard was due.
        if "scorecard was due" in (m.text or "") and f"{number}. " in m.text
    )
    button = next(e for b in due.blocks if b["type"] == "actions" for e in b["elements"])
    sb.slack.click(who, button["action_id"], button["value"], message=due)
    return who, wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))


def answers(sb: Sandbox, modal: dict, **extra) -> dict:
    base = {
        "Reliability strategy": "Solid",
        "Observability plan": "Strong",
        "Rate limits": "Weak",
        "Security": "Solid",
        "Failure handling": "No signal",
        "Overall recommendation": "Hire",
        "Key evidence": "Designed SLOs and a kill switch without prompting.",
        "Concerns": "Thin on per-tenant quotas.",
        "Private note for the hiring manager": "Would pair well with the platform team.",
        "Which metrics indicate this system is healthy?": "Error budget burn, p99 latency.",
    }
    base.update(extra)
    return ModalForm(modal, sb.emulator.workspace).fill(
        {k: v for k, v in base.items() if v is not None}
    )


def stored(sb: Sandbox) -> list[Scorecard]:
    with sb.db.session() as session:
        return list(session.exec(select(Scorecard)).all())


def test_the_due_dm_opens_a_modal_built_from_the_round(sb: Sandbox, loop_id: str) -> None:
    _, modal = open_from_due_dm(sb, loop_id, 3)
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    signals = [
        "Reliability strategy",
        "Observability plan",
        "Rate limits",
        "Security",
        "Failure handling",
    ]
    questions = sb.runtime.library.loops["ai-first-engineering"].round(3).core_questions
    assert [label for label in labels if label in signals] == signals
    assert [label for label in labels if label in questions] == questions
    assert "Security & Compliance First" in labels  # the candidate's guide briefs this round
    recommendation = next(b for b in modal["blocks"] if b["block_id"] == "recommendation")
    options = recommendation["element"]["options"]
    assert [o["value"] for o in options] == ["Strong Hire", "Hire", "Mixed", "No Hire"]
    assert options[0]["description"]["text"].startswith("exceptional AI orchestration")
    assert len(modal["title"]["text"]) <= 24 and "Juyoung Park" in json.dumps(modal["blocks"][0])
    assert any("Artifacts received" in label for label in labels)


def test_missing_fields_get_inline_errors_and_nothing_is_stored(sb, loop_id) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    values = answers(sb, modal, **{"Key evidence": None, "Overall recommendation": None})
    reply = sb.slack.submit(who, modal, values, force=True)
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {"recommendation", "key_evidence"}
    assert [s for s in stored(sb) if s.submitted] == []


def test_required_ratings_left_empty_get_inline_errors_and_nothing_is_stored(sb, loop_id) -> None:
    """Slack's client enforces "required"; a forged or older client need not. The server does."""
    who, modal = open_from_due_dm(sb, loop_id, 3)
    values = answers(sb, modal, **{"Rate limits": None, "Security": None})
    reply = sb.slack.submit(who, modal, values, force=True)
    assert reply.json["response_action"] == "errors"
    assert reply.json["errors"] == {
        "signal:2": "Rate this signal.",
        "signal:3": "Rate this signal.",
    }
    assert stored(sb) == []


def test_a_value_the_form_never_offered_is_refused(sb: Sandbox, loop_id: str) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    values = answers(sb, modal)
    values["recommendation"]["value"]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Superb"},
        "value": "Superb",
    }
    reply = sb.slack.submit(who, modal, values, force=True)
    assert reply.json["errors"] == {"recommendation": "Pick one of the rubric's levels."}
    assert [s for s in stored(sb) if s.submitted] == []


def test_a_valid_scorecard_is_stored_with_every_field(sb: Sandbox, loop_id: str) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    reply = sb.slack.submit(who, modal, answers(sb, modal))
    assert reply.json == {"response_action": "clear"}
    (card,) = stored(sb)
    assert card.submitted and card.recommendation == "Hire" and card.revision == 1
    ratings = {r["signal"]: r["rating"] for r in card.answers["ratings"]}
    assert ratings == {
        "reliability strategy": "Solid",
        "observability plan": "Strong",
        "rate limits": "Weak",
        "security": "Solid",
        "failure handling": "No signal",
    }
    assert card.answers["key_evidence"].startswith("Designed SLOs")
    assert card.answers["question_notes"][0] == "Error budget burn, p99 latency."
    assert "private_note" not in card.answers
    assert card.private_note == "Would pair well with the platform team."
    receipt = wait_for(
        lambda: [
            m
            for m in sb.emulator.dms_to(uid(sb, who))
            if "Your scorecard for 3. Production Engineering" in m.text
        ]
    )
    assert "Designed SLOs" in json.dumps(receipt[-1].blocks)
    card_text = wait_for(
        lambda: (
            (t := json.dumps(card_in_channel(sb, loop_id)[1].blocks))
            and "Scorecards in: 1 of 6" in t
            and t
        )
    )
    assert card_text and "Designed SLOs" not in card_text


def test_a_draft_survives_closing_and_reopening(sb: Sandbox, loop_id: str) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    typed = answers(sb, modal, **{"Overall recommendation": None})
    sb.slack.close(who, modal, typed)
    assert wait_for(lambda: stored(sb))
    reopened = sb.slack.command(who, "/loop", f"scorecard {loop_id} 3")
    assert reopened.status == 200
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    text = json.dumps(modal)
    assert "Designed SLOs and a kill switch" in text and "Thin on per-tenant quotas" in text
    assert [s.submitted for s in stored(sb)] == [False]


def test_edits_are_kept_until_the_decision_locks_them(sb: Sandbox, loop_id: str) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    sb.slack.submit(who, modal, answers(sb, modal))
    sb.slack.command(who, "/loop", f"scorecard {loop_id} 3")
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    edited = ModalForm(modal, sb.emulator.workspace).fill({"Overall recommendation": "Mixed"})
    assert sb.slack.submit(who, modal, edited).json == {"response_action": "clear"}
    loop_db_id = stored(sb)[0].loop_id
    with sb.db.session() as session:
        revisions = session.exec(
            select(ScorecardRevision.recommendation).order_by(ScorecardRevision.revision)
        ).all()
        actions = session.exec(select(AuditEntry.action)).all()
        session.add(Decision(loop_id=loop_db_id, decided_by=uid(sb, HM), outcome="hire"))
    assert revisions == ["Hire", "Mixed"]
    assert actions.count("scorecard.edited") == 1
    reply = sb.slack.command(who, "/loop", f"scorecard {loop_id} 3")
    assert "scorecards are locked" in reply.json["text"]


def test_editing_a_submitted_scorecard_says_closing_keeps_the_submission(sb, loop_id) -> None:
    who, modal = open_from_due_dm(sb, loop_id, 3)
    sb.slack.submit(who, modal, answers(sb, modal))
    sb.slack.command(who, "/loop", f"scorecard {loop_id} 3")
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    intro = modal["blocks"][0]["text"]["text"]
    assert "You submitted this scorecard <!date^" in intro
    assert "*Cancel* leaves it as submitted" in intro
    assert (modal["submit"]["text"], modal["close"]["text"]) == ("Submit changes", "Cancel")
    # Closing the edit sends nothing to keep: the submission stays as it was.
    edited = ModalForm(modal, sb.emulator.workspace).fill({"Overall recommendation": "Mixed"})
    sb.slack.close(who, modal, edited)
    assert [(s.submitted, s.recommendation) for s in stored(sb)] == [(True, "Hire")]


def test_only_the_rounds_interviewer_may_write_it(sb: Sandbox, loop_id: str) -> None:
    for who in (HM, IL, REC, "beatriz.sp"):
        reply = sb.slack.command(who, "/loop", f"scorecard {loop_id} 3")
        assert (
            "Only the interviewer of round 3 can write its scorecard" in reply.json["text"]
            or "You don't run a round" in reply.json["text"]
        )
    assert stored(sb) == []


def test_every_rounds_modal_of_every_loop_document_fits_block_kit(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    with sb.db.session() as session:
        for number in range(1, 7):
            subject = subject_of(session, sb.runtime.library, short_id, number)
            view = build_modal_scorecard(subject=subject, answers=None)
            assert check_view(view) == [], (number, check_view(view))
            assert len(view["blocks"]) <= 100


def test_keeping_a_reader_in_the_channel_reads_their_standing_once_in_a_while(
    sb: Sandbox, loop_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every submission, edits too, makes sure its author is in the loop's channel once they may
    read it. A few minutes after bringing someone in (or finding them there) that costs one
    statement, the loop, and no Slack call; later their standing is read and Slack asked."""
    with sb.db.read() as session:
        loop_db_id = find_loop(session, loop_id).id
    assert loop_db_id is not None
    reader = uid(sb, HM)

    def admitted() -> tuple[bool, int, int]:
        here, seen = threading.get_ident(), []

        def count(_conn, _cursor, statement: str, *_args) -> None:
            if threading.get_ident() == here and not statement.lstrip().startswith("BEGIN"):
                seen.append(statement)

        invites = len(sb.emulator.calls_to("conversations.invite"))
        event.listen(sb.db.engine, "before_cursor_execute", count)
        try:
            ok = admit_reader(runtime=sb.runtime, loop_id=loop_db_id, user_id=reader)
        finally:
            event.remove(sb.db.engine, "before_cursor_execute", count)
        return ok, len(seen), len(sb.emulator.calls_to("conversations.invite")) - invites

    assert admitted() == (True, 1, 0)  # brought in when the loop was created
    monkeypatch.setattr(messenger_module, "MEMBER_TTL_S", 0)  # minutes later: asked again
    ok, statements, invites = admitted()
    assert ok and statements > 1 and invites == 1  # found there: already_in_channel
    assert HM in members_of_loop_channel(sb, loop_id)


def _every_field_answered(sb: Sandbox, modal: dict) -> dict:
    form = ModalForm(modal, sb.emulator.workspace)
    return form.fill(
        {
            f.label: f.element["options"][0]["text"]["text"] if "options" in f.element else "Yes."
            for f in form.fields
        }
    )


def test_a_scorecard_asked_for_without_a_round_is_the_first_one_still_owed(
    sb: Sandbox, loop_id: str
) -> None:
    """Ananya runs rounds 2, 3, 4 and 6: once round 2's scorecard is in, `/loop scorecard LOOP`
    opens round 3's, and only once all are in does it open the first again, as an edit."""
    who = owner(sb, loop_id, 2)
    assert owner(sb, loop_id, 3) == who and owner(sb, loop_id, 4) == who

    def opened_without_a_round() -> dict:
        before = len(sb.emulator.open_views(uid(sb, who)))
        assert sb.slack.command(who, "/loop", f"scorecard {loop_id}").status == 200
        wait_for(lambda: len(sb.emulator.open_views(uid(sb, who))) > before)
        return top_view(sb, who)

    for number in (2, 3, 4, 6):
        modal = opened_without_a_round()
        head = modal["blocks"][0]["text"]["text"]
        assert f"*{number}. " in head, (number, head)
        assert "You submitted this scorecard" not in json.dumps(modal)
        assert sb.slack.submit(who, modal, _every_field_answered(sb, modal)).json == {
            "response_action": "clear"
        }
        sb.emulator.close_view(uid(sb, who))
    modal = opened_without_a_round()
    assert "You submitted this scorecard" in json.dumps(modal)
    assert "*2. Live AI Pairing*" in modal["blocks"][0]["text"]["text"]
