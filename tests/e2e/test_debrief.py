"""The debrief: one summary when the panel is in, split panels flagged, the decision."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.app import announce
from bot.app import summary as summaries_posted
from bot.documents import load_library
from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text
from bot.emulator.workspace import Message
from bot.sandbox import Sandbox
from bot.store.models import Loop, Round, SlackMessage
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    REC,
    XS,
    card_in_channel,
    create_loop,
    dm_texts,
    said,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_scorecards import owner


def submit(
    sb: Sandbox,
    short_id: str,
    number: int,
    recommendation: str,
    evidence: str | None = None,
    private: str = "",
    statuses: dict[str, str] | None = None,
    who: str | None = None,
) -> None:
    """`who` (default: the round's interviewer) fills in and submits the scorecard modal."""
    who = who or owner(sb, short_id, number)
    reply = sb.slack.command(who, "/loop", f"scorecard {short_id} {number}")
    assert reply.status == 200
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    form = ModalForm(modal, sb.emulator.workspace)
    ratings = {
        f.label: "Solid"
        for f in form.fields
        if f.block_id.startswith("signal:") and not f.block_id.endswith("evidence")
    }
    values = {
        f.label: (statuses or {}).get(f.label, "PROVEN")
        for f in form.fields
        if f.block_id.startswith("value:") and not f.block_id.endswith("evidence")
    }
    answers = form.fill(
        {
            **ratings,
            **values,
            "Overall recommendation": recommendation,
            "Key evidence": evidence or f"Round {number} evidence.",
            **({"Private note for the hiring manager": private} if private else {}),
        }
    )
    assert sb.slack.submit(who, modal, answers).json == {"response_action": "clear"}
    sb.emulator.close_view(uid(sb, who))


def summaries(sb: Sandbox, short_id: str) -> list:
    with sb.db.session() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        records = session.exec(
            select(SlackMessage).where(
                SlackMessage.loop_id == loop.id, SlackMessage.purpose == "debrief"
            )
        ).all()
    channel = loop.channel_id
    return [m for m in sb.emulator.messages_in(channel) if any(m.ts == r.ts for r in records)]


def all_in(sb: Sandbox, short_id: str, recommendations: list[str], private: str = "") -> None:
    for number, recommendation in enumerate(recommendations, start=1):
        submit(sb, short_id, number, recommendation, private=private)


def test_the_last_scorecard_posts_exactly_one_summary(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 5)
    assert summaries(sb, short_id) == []
    submit(sb, short_id, 6, "Strong Hire")
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    text = json.dumps(summary.blocks, ensure_ascii=False)
    assert f"<@{uid(sb, HM)}> <@{uid(sb, IL)}>" in text
    assert "every scorecard is in" in text and "Strong Hire 1 · Hire 5" in text
    assert "The panel is split" not in text
    assert "6. Communication and Execution" in text and "Round 6 evidence." in text
    submit(sb, short_id, 2, "Hire", "An edit after the summary.")
    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    assert len(summaries(sb, short_id)) == 1


def test_a_split_panel_is_flagged_with_the_rounds_to_discuss(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire", "Strong Hire", "Mixed", "Hire", "No Hire", "Hire"])
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    text = json.dumps(summary.blocks)
    assert "The panel is split" in text
    assert "Talk through 3. Production Engineering, 5. AI-Mediated System Design first" in text


@pytest.fixture
def two_rounds_sb(tmp_path: Path, seeds: Path) -> Iterator[Sandbox]:
    """The shipped documents, with the candidate's guide naming rounds 2 and 3 as its own."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    guide = docs / "candidates" / "phoenix_005_interview_guide.md"
    guide.write_text(guide.read_text().replace("\nCandidate: ", "\nRounds: 2, 3\nCandidate: ", 1))
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        sb.now = MONDAY
        yield sb


def test_rounds_that_disagree_on_a_value_are_flagged_against_the_baseline(
    two_rounds_sb: Sandbox,
) -> None:
    sb = two_rounds_sb
    short_id = create_loop(sb)
    for number in (1, 4, 5, 6):
        submit(sb, short_id, number, "Hire")
    submit(sb, short_id, 2, "Hire", statuses={"Ownership & Proactivity": "PROVEN"})
    submit(sb, short_id, 3, "Mixed", statuses={"Ownership & Proactivity": "MISSING"})
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    text = "\n".join(blocks_as_text(summary.blocks))
    ownership = next(line for line in text.splitlines() if "*Ownership & Proactivity*" in line)
    # One PROVEN and one MISSING is not PROVEN: the disagreement and the baseline show.
    assert "*MISSING* :warning: _rounds disagree" in ownership
    assert (
        "MISSING before the loop → PROVEN in 2. Live AI Pairing, "
        "MISSING in 3. Production Engineering" in ownership
    )
    security = next(line for line in text.splitlines() if "*Security & Compliance First*" in line)
    assert "*PROVEN*" in security and "disagree" not in security
    assert "SUGGESTED before the loop → PROVEN in 2. Live AI Pairing" in security
    assert "*Data-Informed Iteration*: *MISSING* · MISSING before the loop; not assessed" in text
    # The author's receipt lists the values they marked under their own heading, apart from the
    # signals' ratings above it.
    receipt = next(
        t
        for t in dm_texts(sb, owner(sb, short_id, 2))
        if "Your scorecard for 2. Live AI Pairing" in t and "Ownership" in t
    )
    assert "*Core values:*\n" in receipt and "• Ownership & Proactivity: *PROVEN*" in receipt
    assert receipt.index("*Core values:*") < receipt.index("• Ownership & Proactivity")
    # Each round's finding is said once: a line of its own only to carry its evidence.
    bare = [line for line in text.splitlines() if re.fullmatch(r"\s*◦ [^:]+: [A-Z]+", line)]
    assert not bare, bare

    exported = export_by(sb, HM, short_id)  # what the hiring manager files, from Slack
    assert (
        "- **Ownership & Proactivity**: **MISSING** — Evidence: Rounds disagree; the most "
        "cautious finding is shown. MISSING before the loop → PROVEN in 2. Live AI Pairing, "
        "MISSING in 3. Production Engineering." in exported
    )
    assert "    - 2. Live AI Pairing: **PROVEN**" in exported
    assert "    - 3. Production Engineering: **MISSING**" in exported
    out = sb.docs.parent / "exported" / "debrief.md"
    out.parent.mkdir()
    out.write_text(exported)
    record = next(iter(load_library(out.parent).debriefs.values()))
    mapping = {v.value: v for v in record.values}
    assert mapping["Ownership & Proactivity"].status == "MISSING"
    assert "Rounds disagree" in mapping["Ownership & Proactivity"].evidence
    assert mapping["Security & Compliance First"].status == "PROVEN"
    assert len(mapping) == 10  # every value of the candidate's baseline


def _decide(
    sb: Sandbox,
    short_id: str,
    who: str,
    label: str,
    reason: str = "Strong panel.",
    seen: Message | None = None,
):
    """Click `label` on the summary (`seen`: the copy of it the person has on screen)."""
    (summary,) = [seen] if seen else wait_for(lambda: summaries(sb, short_id))
    button = next(
        e
        for b in summary.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == label
    )
    before = len(sb.emulator.open_views(uid(sb, who)))
    answered = len(sb.emulator.all_responses())
    sb.slack.click(who, button["action_id"], button["value"], message=summary)
    # The click either opens the decision modal or is answered with a refusal: wait for one.
    wait_for(
        lambda: (
            len(sb.emulator.open_views(uid(sb, who))) > before
            or len(sb.emulator.all_responses()) > answered
        )
    )
    if len(sb.emulator.open_views(uid(sb, who))) <= before:
        return None
    modal = top_view(sb, who)
    values = ModalForm(modal, sb.emulator.workspace).fill({"Reason": reason})
    return sb.slack.submit(who, modal, values)


def test_the_decision_updates_the_summary_locks_scorecards_and_tells_people(sb) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 6)
    assert _decide(sb, short_id, HM, "Hire").json == {"response_action": "clear"}
    updated = wait_for(
        lambda: [m for m in summaries(sb, short_id) if "Decision: Hire" in json.dumps(m.blocks)]
    )
    assert updated and "debrief_decide" not in json.dumps(updated[0].blocks)
    reply = sb.slack.command(owner(sb, short_id, 1), "/loop", f"scorecard {short_id} 1")
    assert "scorecards are locked" in reply.json["text"]
    sb.dispatch()
    assert any("recorded *Hire*" in t for t in dm_texts(sb, REC))
    assert any("recorded *Hire*" in t for t in dm_texts(sb, XS))


def test_a_decided_loop_keeps_its_rounds_and_is_not_cancelled_once_they_are_behind(
    sb: Sandbox,
) -> None:
    """After the decision the card offers no change, a move is refused, and once every round
    is behind the loop a cancel is refused too: nobody is told of a cancellation (nor sent a
    calendar file) minutes after hearing of a hire."""
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 6)
    assert _decide(sb, short_id, HM, "Hire").json == {"response_action": "clear"}
    sb.stop_bot()  # what the decision started finishes (the card's refresh)
    sb.start_bot()
    card = json.dumps(card_in_channel(sb, short_id)[1].blocks)
    # Every round has its scorecard in: nothing to move, swap or call off.
    assert "loop_card_cancel" not in card and "Reschedule a round" not in card
    assert "Scorecards" in card
    moved = said(sb, REC, f"reschedule {short_id} 2 2026-12-20 10:00")
    assert f"Loop `{short_id}` is decided: its rounds no longer change." in moved
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        last = max(
            r.starts_at
            for r in session.exec(select(Round).where(Round.loop_id == loop.id))
            if r.starts_at
        )
    sb.now = last + timedelta(hours=2)
    refused = said(sb, REC, f"cancel {short_id}")
    assert refused.startswith(f"Loop `{short_id}` is decided and every round is behind it:"), (
        refused
    )
    sb.dispatch()
    assert not [t for h in (REC, HM, IL, XS) for t in dm_texts(sb, h) if "cancelled" in t]
    with sb.db.read() as session:
        assert session.exec(select(Loop).where(Loop.short_id == short_id)).one().status == "decided"


def test_a_decision_taken_before_every_round_lets_the_rest_be_cancelled(sb: Sandbox) -> None:
    """The debrief opened early and the hiring manager decided: the rounds still ahead are
    called off with `/loop cancel`."""
    short_id = create_loop(sb)
    sb.dispatch()  # everyone hears of their rounds
    submit(sb, short_id, 1, "No Hire")
    assert "is open" in said(sb, HM, f"debrief {short_id}")  # its answer is in, not on its way
    wait_for(lambda: summaries(sb, short_id))
    assert _decide(sb, short_id, HM, "No hire").json == {"response_action": "clear"}
    sb.dispatch()
    # The card offers the cancel the recruiter is told of, and no move or swap.
    assert wait_for(
        lambda: (
            (shown := card_in_channel(sb, short_id))
            and "status: *decided*" in json.dumps(shown[1].blocks)
        )
    )
    card = json.dumps(card_in_channel(sb, short_id)[1].blocks)
    assert "loop_card_cancel" in card and "Reschedule a round" not in card
    # The recruiter, told of the decision, reads which rounds are still ahead and how to call
    # them off (the interviewers on them still expect them).
    (told,) = [t for t in dm_texts(sb, REC) if "recorded *No hire*" in t]
    assert "Rounds *2. Live AI Pairing*, *3. Production Engineering*" in told
    assert "*6. Communication and Execution* are still ahead" in told
    assert f"`/loop cancel {short_id}` calls them off and tells everyone on the loop." in told
    # Its rounds no longer change: an interviewer's Can't make it (which would need a swap) is
    # refused, and App Home no longer offers it; nor is a scorecard owed.
    runner = owner(sb, short_id, 2)
    assigned = next(
        m
        for m in reversed(sb.emulator.dms_to(uid(sb, runner)))
        if "round_decline" in json.dumps(m.blocks or [])
    )
    sb.slack.click(runner, "round_decline", f"{short_id}:2", message=assigned)
    refusal = wait_for(lambda: sb.emulator.all_responses(runner))
    assert f"Loop `{short_id}` is decided: its rounds no longer change." in json.dumps(refusal)
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, runner), "tab": "home"})
    home = json.dumps(wait_for(lambda: sb.emulator.home_of(uid(sb, runner))))
    assert "Live AI Pairing" in home and "round_decline" not in home
    swapped = said(sb, REC, f"swap {short_id} 2 <@{uid(sb, 'beatriz.sp')}>")
    assert f"Loop `{short_id}` is decided: its rounds no longer change." in swapped
    assert owner(sb, short_id, 2) == runner
    with sb.db.read() as session:
        two = session.exec(select(Round).where(Round.number == 2)).one()
    # The round guide, sent after the decision, offers no Can't make it either.
    sb.dispatch(two.starts_at - timedelta(minutes=30))
    guides = [
        m
        for m in sb.emulator.dms_to(uid(sb, runner))
        if (m.text or "").startswith("Round guide: Live AI Pairing")
    ]
    assert guides and "round_decline" not in json.dumps([m.blocks for m in guides])
    sb.now = two.starts_at + timedelta(minutes=two.duration_minutes + 120)
    published = len(sb.emulator.calls_to("views.publish"))
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, runner), "tab": "home"})
    wait_for(lambda: len(sb.emulator.calls_to("views.publish")) > published)
    home = json.dumps(sb.emulator.home_of(uid(sb, runner)))
    assert "You're all caught up." in home and "scorecard_open" not in home  # locked, not owed
    with sb.db.read() as session:
        rounds = session.exec(select(Round).order_by(Round.number)).all()
    called_off = [r for r in rounds if r.starts_at and r.starts_at > sb.now]
    held = [r for r in rounds if r not in called_off]
    assert called_off and len(held) >= 2
    runners = {owner(sb, short_id, r.number) for r in held if r.starts_at}
    files_before = {h: len(sb.emulator.files_to(uid(sb, h))) for h in {REC, *runners}}
    assert "is cancelled" in said(sb, REC, f"cancel {short_id}")
    sb.dispatch()
    # Everyone on the loop reads what was called off and that the decision stands; nobody
    # reads that the loop, decided, was cancelled.
    named = ", ".join(f"*{r.number}. {r.name}*" for r in called_off)
    first = owner(sb, short_id, 1)  # round 1 was held, its scorecard in
    late = owner(sb, short_id, called_off[0].number)  # their scorecards are not all in
    for handle in (first, HM, IL, REC, late):
        (word,) = [t for t in dm_texts(sb, handle) if "decision" in t and "stands" in t]
        assert word.startswith(f"Rounds {named} of loop `{short_id}`"), word
        # The outcome reaches only whom it is meant for: the debrief's readers, the recruiter.
        knows = handle in (first, HM, IL, REC)
        assert ("the hiring manager's decision (*No hire*) stands" in word) is knows, handle
        assert "the hiring manager's decision stands" in word or knows
        # Who called them off, for all but themselves.
        assert (f"are called off by @{uid(sb, REC)};" in word) is (handle != REC), word
    assert not [t for h in (first, HM, IL, REC) for t in dm_texts(sb, h) if "was cancelled" in t]
    # An interview already held keeps its place in the calendar: no file takes it off.
    for handle in runners:
        for _, content in sb.emulator.files_to(uid(sb, handle))[files_before[handle] :]:
            events = [str(e["SUMMARY"]) for e in Calendar.from_ical(content).walk("VEVENT")]
            assert not [e for e in events for r in held if f" {r.name} with" in e], events
    # The candidate's day: the rounds held stay, the ones called off go (to forward).
    (name, content), *_ = sb.emulator.files_to(uid(sb, REC))[files_before[REC] :]
    day = Calendar.from_ical(content)
    assert name.startswith("itinerary") and str(day["METHOD"]) == "PUBLISH"
    status = {str(e["SUMMARY"]): str(e["STATUS"]) for e in day.walk("VEVENT")}
    assert all(
        status[s] == ("CANCELLED" if any(f"{r.number}. " in s for r in called_off) else "CONFIRMED")
        for s in status
    ), status
    assert any(v == "CONFIRMED" for v in status.values())
    told = [m.text for m in sb.emulator.dms_to(uid(sb, REC)) if m.files][-1]
    assert told.startswith("The rounds still ahead are called off: this file takes them off")


def test_a_no_hire_is_not_sent_to_the_executive_sponsor(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Mixed"] * 6)
    _decide(sb, short_id, HM, "No hire", "Gaps in rigor across rounds.")
    sb.dispatch()
    (told,) = [t for t in dm_texts(sb, REC) if "recorded *No hire*" in t]
    assert "still ahead" not in told  # decided once every round was held
    assert not any("recorded" in t for t in dm_texts(sb, XS))


def test_a_finalist_names_who_is_told_and_says_so_when_nobody_is(sb: Sandbox) -> None:
    """Marking a finalist tells the people the document informs of finalists only: the answer
    and the summary name them, and a loop without an executive sponsor says nobody is told."""
    for sponsor in (XS, None):
        short_id = create_loop(
            sb, **{"Executive Sponsor (XS)": uid(sb, sponsor) if sponsor else None}
        )
        all_in(sb, short_id, ["Hire"] * 6)
        (summary,) = wait_for(lambda ref=short_id: summaries(sb, ref))
        offer = json.dumps(summary.blocks)
        answer = said(sb, HM, f"finalist {short_id}")
        sb.dispatch()
        (summary,) = summaries(sb, short_id)
        marked = json.dumps(summary.blocks)
        if sponsor:
            who = f"the Executive Sponsor <@{uid(sb, XS)}>"
            assert f"(then {who} is told)" in offer
            assert f"a finalist (loop `{short_id}`); {who} is told." in answer
            assert f"Marked a finalist: {who} has been told." in marked
            assert [t for t in dm_texts(sb, XS) if f"loop `{short_id}`" in t]
        else:
            nobody = "nobody else is told: no one in this loop is Executive Sponsor"
            assert f"(then {nobody})" in offer
            assert f"a finalist (loop `{short_id}`); {nobody}." in answer
            assert f"Marked a finalist: {nobody}." in marked
            assert "has been told" not in marked and "is told." not in answer


@pytest.mark.parametrize("who", [IL, REC, "diego.la"])
def test_only_the_accountable_may_decide(sb: Sandbox, who: str) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 6)
    assert _decide(sb, short_id, who, "Hire") is None
    refusal = wait_for(lambda: sb.emulator.all_responses())
    assert "Only the loop's hiring manager can record the decision" in refusal[-1]["text"]
    (summary,) = summaries(sb, short_id)
    assert "Decision:" not in json.dumps(summary.blocks)


def test_a_double_click_records_one_decision(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 6)
    (shown,) = wait_for(lambda: summaries(sb, short_id))
    on_screen = shown  # a snapshot: the first decision's update leaves it as it was
    # Both clicks land on the message as it was, before the first decision updated it.
    _decide(sb, short_id, HM, "Hire", seen=on_screen)
    again = _decide(sb, short_id, HM, "Hire", seen=on_screen)
    assert again is None or again.json == {"response_action": "clear"}
    sb.dispatch()
    assert sum("recorded *Hire*" in t for t in dm_texts(sb, REC)) == 1


def test_the_hiring_manager_can_open_the_debrief_early(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire")
    refused = sb.slack.command(REC, "/loop", f"debrief {short_id}")
    assert refused.status == 200
    assert (
        "Only the loop's hiring manager can open the debrief"
        in wait_for(lambda: sb.emulator.all_responses())[-1]["text"]
    )
    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    text = json.dumps(summary.blocks)
    assert "scorecards still missing" in text and "Still missing:" in text
    assert "2. Live AI Pairing" in text
    # The rest come in. The summary is edited as they do, and an edit notifies nobody: the
    # last one is said in the channel, to the hiring manager and the lead, with the spread.
    channel = card_in_channel(sb, short_id)[0].id
    posts = len(sb.emulator.messages_in(channel))
    for number, said_ in zip(range(2, 7), ["Hire", "No Hire", "Hire", "Hire", "Hire"], strict=True):
        submit(sb, short_id, number, said_)
    assert wait_for(
        lambda: "every scorecard is in" in json.dumps(summaries(sb, short_id)[0].blocks)
    )
    (told,) = wait_for(lambda: sb.emulator.messages_in(channel)[posts:])
    assert told.text.startswith(
        f"<@{uid(sb, HM)}> <@{uid(sb, IL)}>: every scorecard is in for *Juyoung Park* "
        f"(AI-First Engineering, loop `{short_id}`); the debrief summary above now counts them all."
    )
    assert "*Spread:* Hire 5 · No Hire 1" in told.text
    assert ":warning: *The panel is split.* Talk through 3. Production Engineering first." in (
        told.text
    )


@pytest.mark.parametrize("catch_up", [announce.CATCH_UP, 1], ids=["as-set", "one-edit"])
def test_the_early_summary_ends_as_the_last_scorecard_left_it(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, catch_up: int
) -> None:
    """Two submissions close together each edit the open summary: the edit that read the loop
    before the last scorecard was stored must not land after the one that read it after. Also
    when the stale edit was the last its refresh may send (`CATCH_UP`): it is read again."""
    monkeypatch.setattr(announce, "CATCH_UP", catch_up)
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire")
    sb.stop_bot()  # each time: what the requests so far started finishes
    sb.start_bot()
    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    ts = wait_for(lambda: summaries(sb, short_id))[0].ts
    sb.stop_bot()
    assert _edits_of(sb, ts) == [], "a summary just posted, with nothing changed, is not edited"
    sb.start_bot()
    for number in range(2, 5):
        submit(sb, short_id, number, "Hire")
    wait_for(lambda: "5. " in _missing(sb, short_id) and "4. " not in _missing(sb, short_id))

    # The next edit reads the loop with one scorecard missing, then is held until the last
    # submission's edit has had its chance to go out.
    read, release, after = threading.Event(), threading.Event(), threading.Event()
    summary_of = summaries_posted._summary

    def held(runtime, loop_id):
        gathered = summary_of(runtime, loop_id)
        if not read.is_set():
            read.set()
            release.wait(5)
        else:
            after.set()
        return gathered

    monkeypatch.setattr(summaries_posted, "_summary", held)
    submit(sb, short_id, 5, "Hire")
    assert read.wait(5)
    submit(sb, short_id, 6, "No Hire")
    if after.wait(1):  # the last one's edit is under way beside the held one: let it out first
        wait_for(lambda: not _missing(sb, short_id))
    release.set()
    channel = card_in_channel(sb, short_id)[0].id
    told = wait_for(lambda: [m for m in sb.emulator.messages_in(channel) if "is in for" in m.text])
    assert told, "the channel hears that every scorecard is in"
    sb.stop_bot()
    sb.start_bot()
    sb.dispatch()
    text = json.dumps(summaries(sb, short_id)[0].blocks, ensure_ascii=False)
    assert "every scorecard is in" in text and "Still missing:" not in text
    assert "Hire 5 · No Hire 1" in text

    # Once nothing changes under it, an edit goes once: reading the loop again sends nothing.
    monkeypatch.undo()
    edits = len(_edits_of(sb, ts))
    submit(sb, short_id, 2, "Hire", "An edit once all are in.")
    sb.stop_bot()  # the follow-ups finish, as a graceful stop lets them
    assert len(_edits_of(sb, ts)) == edits + 1
    assert "An edit once all are in." in json.dumps(summaries(sb, short_id)[0].blocks)


def test_a_summary_slack_held_back_arrives_counting_every_scorecard(sb: Sandbox) -> None:
    """Slack refuses the early summary for a while and the last scorecard comes in meanwhile:
    the summary arrives as the loop stands then, and its arrival is the word to the hiring
    manager and the lead (a new message, mentioning them), not a second one."""
    short_id = create_loop(sb)
    for number in range(1, 6):
        submit(sb, short_id, number, "Hire")
    sb.stop_bot()  # each time: what the requests so far started finishes
    sb.start_bot()
    sb.emulator.fail_next("chat.postMessage", status=500, times=3)  # one try: three calls
    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    sb.stop_bot()
    sb.start_bot()
    assert summaries(sb, short_id) == []
    submit(sb, short_id, 6, "No Hire")
    sb.stop_bot()
    sb.start_bot()
    sb.dispatch(MONDAY + timedelta(hours=1))
    (summary,) = summaries(sb, short_id)
    text = json.dumps(summary.blocks, ensure_ascii=False)
    assert f"<@{uid(sb, HM)}> <@{uid(sb, IL)}>: every scorecard is in" in text
    assert "Hire 5 · No Hire 1" in text and "Still missing:" not in text
    channel = card_in_channel(sb, short_id)[0].id
    assert not [
        m for m in sb.emulator.messages_in(channel) if "the debrief summary above" in m.text
    ]


def _edits_of(sb: Sandbox, ts: str) -> list:
    return [c for c in sb.emulator.calls_to("chat.update") if c.args.get("ts") == ts]


def _missing(sb: Sandbox, short_id: str) -> str:
    """The summary's "Still missing" line as the channel shows it ("" when none is missing)."""
    lines = blocks_as_text(summaries(sb, short_id)[0].blocks)
    return next((line for line in lines if "Still missing:" in line), "")


def test_an_edit_updates_the_open_debrief_and_leaves_the_card_as_it_was(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire")
    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    wait_for(lambda: summaries(sb, short_id))

    def card():
        return card_in_channel(sb, short_id)[1]

    assert wait_for(lambda: "submitted ✓" in json.dumps(card().blocks, ensure_ascii=False))
    sb.runtime.coalesced.flush()
    time.sleep(0.3)  # the first submission's refresh, if still on its way, lands
    card_versions = len(card().edits)
    interviewer = owner(sb, short_id, 1)
    receipts = len(dm_texts(sb, interviewer))
    submit(sb, short_id, 1, "No Hire", "Second thoughts after the debrief opened.")
    # The open summary shows the edit; the interviewer gets its receipt.
    assert wait_for(lambda: "Second thoughts" in json.dumps(summaries(sb, short_id)[0].blocks))
    assert wait_for(lambda: len(dm_texts(sb, interviewer)) > receipts)
    # The card shows who is in, not what they said: an edit leaves it as it was.
    sb.runtime.coalesced.flush()
    time.sleep(0.3)
    assert len(card().edits) == card_versions
    assert "submitted ✓" in json.dumps(card().blocks, ensure_ascii=False)


def export_by(sb: Sandbox, who: str, short_id: str) -> str:
    """The document `/loop export` answers `who` with, as Slack shows it (code blocks)."""
    reply = json.loads(said(sb, who, f"export {short_id}"))
    return "\n".join(b["text"]["text"].strip("`") for b in reply["blocks"])


def test_a_cancelled_loop_s_export_stays_blind_and_says_why(sb: Sandbox, tmp_path: Path) -> None:
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire", "Walked through the retry budget.")
    said(sb, REC, f"cancel {short_id}")
    exported = export_by(sb, HM, short_id)
    assert "The loop was cancelled before its debrief opened, so its scorecards stay blind" in (
        exported
    )
    assert "/loop debrief" not in exported and "retry budget" not in exported
    # No decision will come: the document says cancelled, not pending.
    assert "decision: cancelled" in exported and "- **Outcome**: Cancelled" in exported
    # Still a debrief_summary `loopbot docs` reads back: the baseline values, no round's finding.
    out = tmp_path / "exported" / "debrief.md"
    out.parent.mkdir()
    out.write_text(exported)
    record = next(iter(load_library(out.parent).debriefs.values()))
    assert record.rounds == [] and len(record.values) == 10
    assert all("before the loop" in v.evidence for v in record.values)
    assert ".." not in exported  # each evidence ends with one stop, its own or one added


def test_the_export_parses_back_with_every_rounds_outcome(sb: Sandbox, tmp_path) -> None:
    from bot.cli import main
    from bot.documents import load_library
    from bot.settings import get_settings

    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire", "Strong Hire", "Mixed", "Hire", "No Hire", "Hire"])
    _decide(sb, short_id, HM, "Hire", "Strong across\nproduction rounds.")
    wait_for(
        lambda: [m for m in summaries(sb, short_id) if "Decision: Hire" in json.dumps(m.blocks)]
    )
    out = tmp_path / "docs" / "debrief.md"
    out.parent.mkdir()
    get_settings.cache_clear()
    import os

    os.environ["DATABASE_URL"] = sb.database_url
    try:
        assert main(["export", short_id, "--out", str(out)]) == 0
        assert main(["docs", "check", str(out.parent)]) == 0
    finally:
        del os.environ["DATABASE_URL"]
        get_settings.cache_clear()
    text = out.read_text()
    assert text.startswith("---\nid: debrief_") and "type: debrief_summary" in text
    record = next(iter(load_library(out.parent).debriefs.values()))
    assert record.candidate_key == "phoenix_005_juyoung_park" and record.decision == "hire"
    assert [(r.number, r.recommendation) for r in record.rounds] == [
        (1, "Hire"),
        (2, "Strong Hire"),
        (3, "Mixed"),
        (4, "Hire"),
        (5, "No Hire"),
        (6, "Hire"),
    ]
    assert {v.value for v in record.values} >= {"Security & Compliance First"}
    # The command line asks Slack for no names: people are their Slack ids.
    author = sb.emulator.workspace.users[uid(sb, owner(sb, short_id, 2))]
    assert author.id in text and author.real_name not in text


def test_calibration_is_for_interview_leads_and_shows_who_is_harsher(sb: Sandbox) -> None:
    # A London candidate: three of the panel share her day; round 3's interviewer is harsh.
    short_id = create_loop(sb, **{"Candidate's time zone": "Europe/London"})
    harsh_one = owner(sb, short_id, 3)
    all_in(
        sb,
        short_id,
        ["No Hire" if owner(sb, short_id, n) == harsh_one else "Hire" for n in range(1, 7)],
    )
    wait_for(lambda: summaries(sb, short_id))
    refused = sb.slack.command(REC, "/loop", "calibration")
    assert "Calibration is for interview leads and admins" in refused.json["text"]
    shown = sb.slack.command(IL, "/loop", "calibration").json["text"]
    harsh = uid(sb, owner(sb, short_id, 3))
    assert f"<@{harsh}>: *harsher*" in shown
    assert shown.startswith("*Calibration*")


def test_an_open_summary_that_grows_past_one_message_goes_on_in_its_thread(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened early, the summary fits one message; as the rest come in it grows past what one
    message holds (here a smaller budget, as a summary of many rounds or panels would): what
    does not fit goes on in its thread, and a later edit keeps that reply current."""
    import bot.slack.blocks.debrief as debrief_blocks

    monkeypatch.setattr(debrief_blocks, "FIRST_MESSAGE_BLOCKS", 11)
    short_id = create_loop(sb)
    submit(sb, short_id, 1, "Hire")
    assert "is open" in said(sb, HM, f"debrief {short_id}")
    (summary,) = wait_for(lambda: summaries(sb, short_id))

    def thread() -> list[Message]:
        return [
            m
            for m in sb.emulator.messages_in(summary.channel)
            if m.thread_ts == summary.ts and m.ts != summary.ts
        ]

    def everything() -> str:
        return "\n".join(
            line
            for m in [*summaries(sb, short_id), *thread()]
            for line in (blocks_as_text(m.blocks) if m.blocks else [m.text or ""])
        )

    assert thread() == [] and "Still missing:" in everything()  # one round in: it fits
    for number in range(2, 7):
        submit(sb, short_id, number, "Hire")
    # Every round's line and the values reach the channel, across the message and its thread,
    # and nothing says a scorecard is still missing.
    assert wait_for(lambda: "*6. " in everything() and "Still missing:" not in everything())
    shown = everything()
    for number in range(1, 7):
        assert f"*{number}. " in shown, number
    assert "*Ownership & Proactivity*" in shown
    assert len(thread()) == 1  # the thread goes on in one reply, edited as it grows
