"""Who sees what of a scorecard, on every surface: a matrix of roles × surfaces."""

from __future__ import annotations

import json

import pytest

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    REC,
    XS,
    card_in_channel,
    create_loop,
    said,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_scorecards import owner

EVIDENCE = "Walked through the retry budget with real numbers."
PRIVATE = "Salary expectations are above band."


def _submit(sb: Sandbox, short_id: str, number: int, evidence: str, private: str = PRIVATE) -> str:
    who = owner(sb, short_id, number)
    sb.slack.command(who, "/loop", f"scorecard {short_id} {number}")
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    form = ModalForm(modal, sb.emulator.workspace)
    scale = {
        f.label: "Solid"
        for f in form.fields
        if f.block_id.startswith("signal:") and not f.block_id.endswith("evidence")
    }
    values = form.fill(
        {
            **scale,
            "Overall recommendation": "Hire",
            "Key evidence": evidence,
            "Private note for the hiring manager": private,
        }
    )
    assert sb.slack.submit(who, modal, values).json == {"response_action": "clear"}
    sb.emulator.close_view(uid(sb, who))
    return who


@pytest.fixture(scope="module")
def story():
    """Round 1's interviewer has submitted; round 2's has not; the debrief is not open."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app) as sb:
        sb.now = MONDAY
        short_id = create_loop(sb)
        first = _submit(sb, short_id, 1, EVIDENCE)
        second = owner(sb, short_id, 2)
        yield sb, short_id, first, second


def _rounds_of(sb: Sandbox, short_id: str, handle: str) -> list[int]:
    from bot.loops.queries import find_loop, rounds_run_by

    with sb.db.read() as session:
        return rounds_run_by(session, find_loop(session, short_id), uid(sb, handle))


def _read_modal(sb: Sandbox, who: str, short_id: str) -> str:
    """What `who` sees on clicking "Read scorecards": the modal, or the bot's private answer
    when it opens none (waited for, not timed out on)."""
    before = len(sb.emulator.open_views(uid(sb, who)))
    answers = len(sb.emulator.all_responses(who))
    sb.slack.click(who, "scorecard_read", short_id, channel_id="C0HIRING1")

    def seen():
        if len(sb.emulator.open_views(uid(sb, who))) > before:
            return top_view(sb, who)
        return sb.emulator.all_responses(who)[answers:]

    view = wait_for(seen)
    assert view, f"{who} got no answer to reading the scorecards"
    if isinstance(view, dict):
        sb.emulator.close_view(uid(sb, who))
    return json.dumps(view, ensure_ascii=False)


def _surfaces(sb: Sandbox, who: str, short_id: str) -> dict[str, str]:
    shown = said(sb, who, f"show {short_id}")
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, who), "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(uid(sb, who)))
    _, card = card_in_channel(sb, short_id)
    return {
        "read": _read_modal(sb, who, short_id),
        "show": shown,
        "home": json.dumps(home, ensure_ascii=False),
        "channel": json.dumps(card.blocks, ensure_ascii=False),
        "export": said(sb, who, f"export {short_id}"),
    }


# role → (sees the content, sees the private note) while the debrief is not open
BEFORE_DEBRIEF = {
    "author": (True, True),
    "interviewer who has not submitted": (False, False),
    HM: (False, False),
    IL: (False, False),
    REC: (False, False),
    XS: (False, False),
    "beatriz.sp": (False, False),
}


@pytest.mark.parametrize("role", list(BEFORE_DEBRIEF))
def test_before_the_debrief(story, role: str) -> None:
    sb, short_id, first, second = story
    who = {"author": first, "interviewer who has not submitted": second}.get(role, role)
    content, note = BEFORE_DEBRIEF[role]
    seen = _surfaces(sb, who, short_id)
    assert (EVIDENCE in seen["read"]) is content
    assert (PRIVATE in seen["read"]) is note
    for surface in ("show", "home", "channel", "export"):
        assert EVIDENCE not in seen[surface] and PRIVATE not in seen[surface], surface
    if role == HM:  # the hiring manager's export names who is in, and why no more
        assert (
            f"Scorecards stay blind until the debrief opens (`/loop debrief {short_id}`)"
            in (seen["export"])
        )
        # By name: the document is filed outside Slack, where a mention would show an id.
        author = sb.emulator.workspace.user(first)
        assert author.real_name in seen["export"] and author.id not in seen["export"]
        # The candidate's baseline values are theirs to read: no round's findings yet.
        assert "Before the loop, from the candidate's context" in seen["export"]
        assert "Ownership & Proactivity" in seen["export"]
        assert "not assessed" not in seen["export"]  # the rounds' say is only blind, not none


def test_status_is_visible_to_everyone_involved(story) -> None:
    sb, short_id, first, second = story
    for who in (HM, IL, REC):
        seen = _surfaces(sb, who, short_id)
        assert "scorecard: submitted ✓" in seen["show"]
    seen = _read_modal(sb, REC, short_id)
    assert "submitted ✓" in seen
    # Who is still owed as well: the status of every round, not only those that are in.
    assert f"<@{uid(sb, second)}>: not in yet." in seen


def test_after_the_debrief_opens(story) -> None:
    sb, short_id, first, second = story
    assert "is open" in said(sb, HM, f"debrief {short_id}")
    hm, il, rec = (_read_modal(sb, who, short_id) for who in (HM, IL, REC))
    assert EVIDENCE in hm and PRIVATE in hm
    assert f"by <@{uid(sb, first)}>" in hm  # whose scorecard it is, above what it says
    assert EVIDENCE in il and PRIVATE not in il
    assert EVIDENCE not in rec
    exported = said(sb, HM, f"export {short_id}")
    assert EVIDENCE in exported and PRIVATE not in exported and "Round Outcomes" in exported
    # An interviewer still sees others only once all their own are in.
    assert EVIDENCE not in _read_modal(sb, second, short_id)
    for number in _rounds_of(sb, short_id, second):
        _submit(sb, short_id, number, "Careful about idempotency keys.", "Knows our stack already.")
    after = _read_modal(sb, second, short_id)
    assert EVIDENCE in after and PRIVATE not in after and "Knows our stack" in after
