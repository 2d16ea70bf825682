"""The hiring manager opens the debrief early: the blind-feedback promise holds on every surface.

Five interviewers, one idle pool member, a recruiter, an interview lead and a sponsor. One
interviewer has submitted; the hiring manager opens the debrief while the others have not. Then
each person's whole view of Slack is collected (every channel they are in, their DMs, the private
replies they got, App Home, the scorecards modal, an export) and searched for what the scorecard
said.
"""

from __future__ import annotations

import json

import pytest

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from tests.app.test_who_sees_what import EXTRA_POOL, _loop, _rounds, _sandbox
from tests.e2e.helpers import HM, IL, PANEL, REC, XS, dm_texts, said, top_view, uid, wait_for

SECRETS = {
    "Key evidence": "KEY-EVIDENCE: traced the retry storm to the missing jitter.",
    "Concerns": "CONCERN: hand-waved the eval sample size.",
    "Private note for the hiring manager": "PRIVATE: asked twice about remote work.",
}
SIGNAL_EVIDENCE = "SIGNAL-EVIDENCE: read the flame graph unprompted."
# What only a reader of scorecards sees: the summary, and a scorecard's recommendation line.
CONTENT_MARKERS = ("Debrief:", "*Recommendation:*", *SECRETS.values(), SIGNAL_EVIDENCE)


def submit_all_of(sb: Sandbox, who: str, short_id: str, rounds: list[int]) -> None:
    for number in rounds:
        sb.slack.command(who, "/loop", f"scorecard {short_id} {number}")
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
        form = ModalForm(modal, sb.emulator.workspace)
        answers: dict = {}
        for f in form.fields:
            if f.block_id.startswith("signal:"):
                answers[f.label] = SIGNAL_EVIDENCE if f.block_id.endswith("evidence") else "Strong"
        answers.update({"Overall recommendation": "Strong Hire", **SECRETS})
        reply = sb.slack.submit(who, modal, form.fill(answers))
        assert reply.json == {"response_action": "clear"}, reply.body_text
        sb.emulator.close_view(uid(sb, who))
    wait_for(
        lambda: (
            sum("Your scorecard for" in (m.text or "") for m in sb.emulator.dms_to(who))
            >= len(rounds)
        )
    )


def everything_seen_by(sb: Sandbox, who: str, short_id: str) -> dict[str, str]:
    """Each surface as the person sees it, as text."""
    emulator, person = sb.emulator, uid(sb, who)
    channels = [
        m
        for c in list(emulator.workspace.channels.values())
        if not c.is_im and person in c.members
        for m in emulator.messages_in(c.id)
    ]
    views_before, replies_before = (
        len(emulator.open_views(person)),
        len(emulator.all_responses(who)),
    )
    sb.slack.click(who, "scorecard_read", short_id, channel_id=emulator.workspace.im_for(person).id)
    modal = wait_for(
        lambda: (
            (len(emulator.open_views(person)) > views_before and emulator.open_views(person)[-1])
            or emulator.all_responses(who)[replies_before:]
        )
    )
    emulator.close_view(person)
    exported = said(sb, who, f"export {short_id}")
    sb.slack.event({"type": "app_home_opened", "user": person, "tab": "home"})
    home = wait_for(lambda: emulator.home_of(person))
    dumped = {
        "channel": [m.to_slack() for m in channels],
        "DM": [m.to_slack() for m in emulator.dms_to(who)],
        "ephemeral": emulator.all_responses(who),
        "App Home": home,
        "modal": modal,
        "export": exported,
    }
    return {k: json.dumps(v, ensure_ascii=False) for k, v in dumped.items()}


def leaks(seen: dict[str, str]) -> list[str]:
    return [
        f"{surface}: {marker!r}"
        for surface, text in seen.items()
        for marker in CONTENT_MARKERS
        if marker in text
    ]


@pytest.fixture(scope="module")
def story():
    sb = _sandbox()
    try:
        short_id = _loop(sb)
        rounds = _rounds(sb, short_id)
        pool = [*PANEL, *EXTRA_POOL]
        interviewers = sorted(h for h in pool if h in rounds)
        idle = sorted(h for h in pool if h not in rounds)
        first, waiting = interviewers[0], interviewers[1:]
        assert len(waiting) >= 4 and idle
        submit_all_of(sb, first, short_id, rounds[first])
        assert "is open" in said(sb, HM, f"debrief {short_id}")
        assert wait_for(
            lambda: any(
                "Debrief:" in json.dumps(m.blocks or [])
                for c in list(sb.emulator.workspace.channels.values())
                if not c.is_im
                for m in sb.emulator.messages_in(c.id)
            )
        )
        sb.dispatch()
        yield sb, short_id, rounds, first, waiting, idle[0]
    finally:
        sb.stop()


def test_the_hiring_manager_and_lead_read_the_early_debrief(story) -> None:
    sb, short_id, *_ = story
    for who in (HM, IL):
        seen = everything_seen_by(sb, who, short_id)
        assert "Debrief:" in seen["channel"], who
        assert SECRETS["Key evidence"] in seen["modal"], who
    assert (
        SECRETS["Private note for the hiring manager"]
        in everything_seen_by(sb, HM, short_id)["modal"]
    )


def test_nobody_else_reads_any_of_it_on_any_surface(story) -> None:
    sb, short_id, _, _, waiting, idle = story
    found = {who: leaks(everything_seen_by(sb, who, short_id)) for who in [*waiting, idle, REC, XS]}
    assert found == {who: [] for who in found}


def test_an_interviewer_reads_it_once_their_own_are_in(story) -> None:
    sb, short_id, rounds, first, waiting, _ = story
    late = waiting[0]
    submit_all_of(sb, late, short_id, rounds[late])
    seen = everything_seen_by(sb, late, short_id)
    assert "Debrief:" in seen["channel"]
    assert SECRETS["Key evidence"] in seen["modal"]
    # Private notes stay the hiring manager's, and the author's own.
    first_note_seen = seen["modal"].count(SECRETS["Private note for the hiring manager"])
    assert first_note_seen == 1  # theirs, not the first interviewer's


def test_the_status_of_a_scorecard_says_the_debrief_is_open(story) -> None:
    """Who may read a submitted scorecard, as things stand: the debrief is open already."""
    sb, short_id, *_ = story
    modal = everything_seen_by(sb, REC, short_id)["modal"]
    assert "submitted ✓" in modal and "(the debrief is open)" in modal
    assert "once the debrief opens" not in modal


def _loop_channel(sb: Sandbox):
    """The loop's channel: where the debrief summary is."""
    return next(
        c
        for c in sb.emulator.workspace.channels.values()
        if not c.is_im
        and any("Debrief:" in json.dumps(m.blocks or []) for m in sb.emulator.messages_in(c.id))
    )


def test_a_reader_given_another_round_leaves_the_channel_until_its_scorecard_is_in(
    story,
) -> None:
    """The first interviewer's scorecards are in and the summary is open to them in the loop's
    channel; given a round still to score, they are taken out of the channel (the summary goes
    on changing there as the others come in), and brought back once that scorecard is in."""
    sb, short_id, rounds, first, waiting, _ = story
    person = uid(sb, first)
    channel = _loop_channel(sb)
    assert person in channel.members
    number = rounds[waiting[-1]][0]
    assert "now runs" in said(sb, HM, f"swap {short_id} {number} <@{person}>")
    assert wait_for(lambda: person not in channel.members)
    seen = everything_seen_by(sb, first, short_id)
    assert "Debrief:" not in seen["channel"]
    # The scorecards modal is blind again too: only their own scorecards.
    own = len(rounds[first])
    assert seen["modal"].count(SECRETS["Key evidence"]) == own
    submit_all_of(sb, first, short_id, [number])
    assert wait_for(lambda: person in channel.members)
    assert "Debrief:" in everything_seen_by(sb, first, short_id)["channel"]


def test_someone_slack_will_not_take_out_is_named_to_the_recruiter(story) -> None:
    """A workspace can forbid apps to remove people (`restricted_action`): the recruiter is
    told whom to take out of the channel by hand, and why."""
    sb, short_id, rounds, first, waiting, _ = story
    person = uid(sb, first)
    channel = _loop_channel(sb)
    assert person in channel.members
    sb.emulator.fail_next("conversations.kick", error="restricted_action")
    # A round still to score, other than the one the test above gave them.
    given = rounds[waiting[-1]][0]
    number = next(n for h in waiting[1:] for n in rounds[h] if n != given)
    assert "now runs" in said(sb, HM, f"swap {short_id} {number} <@{person}>")
    told = wait_for(lambda: [t for t in dm_texts(sb, REC) if t.startswith("I could not take")])
    assert told[-1].startswith(f"I could not take <@{person}> out of <#{channel.id}>")
    assert (
        "Slack said `restricted_action`" in told[-1] and "remove them from the channel" in told[-1]
    )
    assert person in channel.members  # still there: the recruiter is the one who can act
