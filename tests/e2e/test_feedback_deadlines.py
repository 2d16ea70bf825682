"""Feedback deadlines: the scorecard cadence in the interviewer's own working days, and the one
late-scorecards message per loop for the hiring manager and the recruiter, with its actions.

Liam works in Sydney: his Monday 09:00 is Sunday 22:00 UTC, so his weekend is not UTC's. His
round is moved to a Friday afternoon (his time); the clock is the sandbox's, frozen and moved by
hand across the weekend.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.emulator import ModalForm
from bot.emulator.chat import Message
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Round
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    PANEL,
    REC,
    XS,
    card_in_channel,
    create_loop,
    members_of_loop_channel,
    said,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_debrief import submit as submit_scorecard

LIAM = "liam.syd"
# Friday 27 Nov 2026, 14:00 in Sydney (AEDT, UTC+11).
FRIDAY_SYDNEY = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
MONDAY_9_SYDNEY = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # a Sunday in UTC
TUESDAY_9_SYDNEY = MONDAY_9_SYDNEY + timedelta(days=1)


def _token(when: datetime) -> str:
    return f"<!date^{int(when.timestamp())}^"


def _round_two(sb: Sandbox, short_id: str) -> Round:
    from bot.loops.queries import find_loop, rounds_of

    with sb.db.read() as session:
        return next(r for r in rounds_of(session, find_loop(session, short_id)) if r.number == 2)


def _about_round(sb: Sandbox, handle: str) -> list[Message]:
    return [
        m
        for m in sb.emulator.dms_to(uid(sb, handle))
        if "*2. Live AI Pairing*" in (m.text or "") and "Reminder " in (m.text or "")
    ]


def _late_messages(sb: Sandbox, handle: str) -> list[Message]:
    return [m for m in sb.emulator.dms_to(uid(sb, handle)) if "late for" in (m.text or "")]


def _buttons(message: Message) -> list[dict]:
    return [
        e for b in message.blocks or [] if b["type"] == "actions" for e in b.get("elements", [])
    ]


def _liam_takes_round_two(sb: Sandbox, short_id: str) -> None:
    """Liam runs round 2 on his Friday afternoon (the proposal may have given it to him)."""
    answer = said(sb, REC, f"swap {short_id} 2 <@{uid(sb, LIAM)}>")
    assert "now runs 2." in answer or "already runs Live AI Pairing" in answer
    assert "Moved 2." in said(sb, REC, f"reschedule {short_id} 2 2026-11-27T14:00+11:00")


@pytest.fixture
def story(sandbox: Sandbox):
    sb = sandbox
    sb.now = MONDAY
    pool = [uid(sb, p) for p in [*PANEL, LIAM]]
    short_id = create_loop(sb, **{"Panel Interviewer (PI) pool": pool})
    _liam_takes_round_two(sb, short_id)
    sb.dispatch()
    return sb, short_id


def test_the_cadence_skips_the_interviewers_weekend_and_the_escalation_is_one_per_loop(
    story,
) -> None:
    sb, short_id = story
    rnd = _round_two(sb, short_id)
    assert rnd.starts_at == FRIDAY_SYDNEY
    first = rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60)

    # The first reminder an hour after the end, quoting the next one: his Monday 09:00.
    sb.dispatch(first - timedelta(seconds=1))
    assert not _about_round(sb, LIAM)
    sb.dispatch(first)
    (due,) = _about_round(sb, LIAM)
    assert "has ended (1 h ago): your scorecard is due now" in due.text
    assert "Reminder 1 of 6." in due.text
    assert f"the next comes {_token(MONDAY_9_SYDNEY)}" in due.text
    assert f"are told it is missing by {_token(TUESDAY_9_SYDNEY)}" in due.text

    # His Saturday and Sunday pass without a word (UTC's Saturday, and Sunday up to 22:00).
    for hour in range(0, 46, 3):
        sb.dispatch(datetime(2026, 11, 28, 0, 0, tzinfo=UTC) + timedelta(hours=hour))
    assert len(_about_round(sb, LIAM)) == 1, [m.text for m in _about_round(sb, LIAM)]

    # Monday 09:00 in Sydney, still Sunday in UTC: the second reminder.
    sb.dispatch(MONDAY_9_SYDNEY)
    nudge = _about_round(sb, LIAM)[-1]
    assert nudge.text.startswith("Your scorecard for *2. Live AI Pairing*")
    assert "Reminder 2 of 6." in nudge.text and _token(TUESDAY_9_SYDNEY) in nudge.text
    sb.dispatch(MONDAY_9_SYDNEY + timedelta(hours=12))
    assert len(_about_round(sb, LIAM)) == 2

    # Tuesday 09:00 in Sydney: the third, and his escalation day. The other rounds'
    # interviewers (Tuesday's and Wednesday's interviews) were late before him and already
    # raised the loop's message; his lateness raises one more, again with the whole list.
    # Every message names every scorecard late at the time, each once; his round is named
    # once in all, and never one message per round.
    sb.dispatch(TUESDAY_9_SYDNEY)
    assert "Reminder 3 of 6." in _about_round(sb, LIAM)[-1].text
    for handle in (HM, REC):
        messages = [m.text for m in _late_messages(sb, handle)]
        assert len([t for t in messages if "*2. Live AI Pairing*" in t]) == 1
        latest = messages[-1]
        lines = re.findall(r"^• \*(\d)\. ", latest, flags=re.M)
        assert len(lines) == len(set(lines)) >= 2 and "2" in lines, latest
        assert f"*2. Live AI Pairing*: <@{uid(sb, LIAM)}>, scorecard due {_token(first)}" in latest
        # How late, at the time it is sent: Friday 05:00 UTC to Monday 22:00 UTC.
        assert "Fri 27 Nov 2026 05:00 UTC> (3 d 17 h late)" in latest
        assert latest.startswith(f"{len(lines)} scorecards are late for *Juyoung Park*")
        assert len(messages) < len(lines)
        # What raises the next one: a scorecard not on this list (his, once listed, never).
        assert latest.endswith(
            "You get this message again, with the whole list, only if a scorecard not listed "
            "here reaches its escalation day."
        )
    # Only they: not the interview lead, not the executive sponsor.
    assert not _late_messages(sb, IL) and not _late_messages(sb, XS)
    # His next reminder says they were told (when), not that they are still to hear.
    sb.dispatch(TUESDAY_9_SYDNEY + timedelta(days=1))
    fourth = _about_round(sb, LIAM)[-1].text
    assert "Reminder 4 of 6." in fourth and "told it is missing by" not in fourth
    assert f"were told it is missing {_token(TUESDAY_9_SYDNEY)}" in fourth


def test_the_cadence_follows_the_hours_the_interviewer_set_in_app_home(story) -> None:
    """Liam interviews Tuesday and Wednesday afternoons (App Home): after his Friday round the
    next reminder waits for his Tuesday 13:00, not the team's Monday 09:00, and says so."""
    sb, short_id = story
    user = uid(sb, LIAM)
    sb.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(user))
    sb.slack.click(LIAM, "home_edit_hours", "hours", view=home)
    form = wait_for(lambda: sb.emulator.open_views(user) and top_view(sb, LIAM))
    hours = {"Days you interview": ["Tuesday", "Wednesday"], "From": "13:00", "Until": "17:00"}
    reply = sb.slack.submit(LIAM, form, ModalForm(form, sb.emulator.workspace).fill(hours))
    assert reply.status == 200 and not reply.body_text.strip()
    tuesday_13_sydney = TUESDAY_9_SYDNEY + timedelta(hours=4)
    rnd = _round_two(sb, short_id)
    first = rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60)
    sb.dispatch(first)
    (due,) = _about_round(sb, LIAM)
    assert f"the next comes {_token(tuesday_13_sydney)}" in due.text
    # His Monday (the team's working day, not his) passes without a word.
    for hour in range(0, 4 * 24, 3):
        sb.dispatch(min(first + timedelta(hours=hour), tuesday_13_sydney - timedelta(seconds=1)))
    assert len(_about_round(sb, LIAM)) == 1, [m.text for m in _about_round(sb, LIAM)]
    sb.dispatch(tuesday_13_sydney)
    assert "Reminder 2 of 6." in _about_round(sb, LIAM)[-1].text


def test_each_action_of_the_late_scorecards_message_works(story) -> None:
    sb, short_id = story
    rnd = _round_two(sb, short_id)
    liam = uid(sb, LIAM)
    sb.dispatch(rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60))
    sb.dispatch(TUESDAY_9_SYDNEY)
    # No scorecard is in yet: a debrief would have nothing to read, and none is offered.
    (none_in,) = _late_messages(sb, HM)
    assert "Open the debrief" not in none_in.text + json.dumps(none_in.blocks)
    # One comes in; when later rounds' lateness raises the next message, it offers the hiring
    # manager the debrief without the rest.
    late_round = next(n for n in re.findall(r"^• \*(\d)\. ", none_in.text, re.M) if n != "2")
    submit_scorecard(sb, short_id, int(late_round), "Hire")
    sb.dispatch(TUESDAY_9_SYDNEY + timedelta(days=2))
    hm_message = _late_messages(sb, HM)[-1]
    assert "*Open the debrief without them* opens it with the scorecards that are in" in (
        hm_message.text
    )
    rec_message = _late_messages(sb, REC)[-1]
    # Only the hiring manager may open the debrief early: only they get that button.
    labels = {b["text"]["text"] for b in _buttons(hm_message)}
    assert {"Nudge now", "Reassign", "Open the debrief without them"} <= labels
    assert "Open the debrief without them" not in {b["text"]["text"] for b in _buttons(rec_message)}

    # Nudge now, by the recruiter: Liam hears at once, the recruiter reads what he was sent.
    nudge = next(b for b in _buttons(rec_message) if b["value"] == f"{short_id}:2:{liam}")
    before = len(sb.emulator.all_responses(REC))
    sb.slack.click(REC, nudge["action_id"], nudge["value"], message=rec_message)
    answer = wait_for(lambda: sb.emulator.all_responses(REC)[before:])
    said_to_rec = json.dumps(answer)
    assert f"Sent <@{liam}> a reminder now for *2. Live AI Pairing*" in said_to_rec
    asked = wait_for(
        lambda: [m for m in sb.emulator.dms_to(liam) if "asks for your scorecard" in (m.text or "")]
    )
    assert len(asked) == 1
    assert f"<@{uid(sb, REC)}> asks for your scorecard for *2. Live AI Pairing*" in asked[0].text
    assert "the scorecard was due" in asked[0].text  # its deadline, not the interview's end
    assert asked[0].text.split(">", 1)[1][:40] in said_to_rec

    # Reassign, by the hiring manager: the swap form for that round only; Liam hears no more.
    reassign = next(
        b
        for b in _buttons(hm_message)
        if b["text"]["text"] == "Reassign" and b["value"] == f"{short_id}:2"
    )
    sb.slack.click(HM, reassign["action_id"], reassign["value"], message=hm_message)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, HM)) and top_view(sb, HM))
    assert [o["value"] for o in modal["blocks"][0]["element"]["options"]] == ["2"]
    taker = uid(sb, "beatriz.sp")
    form = ModalForm(modal, sb.emulator.workspace).fill(
        {"Round": "2", "New interviewer or observer": taker}
    )
    sb.slack.submit(HM, modal, form)
    with sb.db.read() as session:
        runner = wait_for(
            lambda: (
                session.exec(
                    select(Assignment.user_id).where(
                        Assignment.round_id == rnd.id, Assignment.letter == "R", Assignment.active
                    )
                ).all()
                == [taker]
            )
        )
    assert runner
    heard = len(_about_round(sb, LIAM))
    sb.dispatch(TUESDAY_9_SYDNEY + timedelta(days=3))
    assert len(_about_round(sb, LIAM)) == heard
    # The one who took it over owes it from now on: their own cadence starts.
    assert any("*2. Live AI Pairing*" in (m.text or "") for m in sb.emulator.dms_to(taker))
    # Told truly: the interview is behind them, so no guide or heads-up is promised.
    (took,) = [m.text or "" for m in sb.emulator.dms_to(taker) if "You now run" in (m.text or "")]
    # Whom they take over from comes first, then the round as it stands.
    assert took.startswith(f"You take over from <@{liam}>, a change <@")
    assert "\nYou now run *2. Live AI Pairing* for *Juyoung Park*, which began <!date^" in took
    assert (
        "No round guide or heads-up comes now (App Home opens the guide); your scorecard is due now"
        in took
    )
    assert "arrives" not in took and "heads-up 15 min before" not in took
    # Nor a Can't make it they could not use: a round that has begun is the recruiter's to swap.
    (dm,) = [m for m in sb.emulator.dms_to(taker) if "You now run" in (m.text or "")]
    assert "round_decline" not in json.dumps(dm.blocks or [])

    # Open the debrief without them, by the hiring manager: the early debrief, still blind.
    debrief = next(b for b in _buttons(hm_message) if b["text"]["text"].startswith("Open the"))
    before = len(sb.emulator.all_responses(HM))
    sb.slack.click(HM, debrief["action_id"], debrief["value"], message=hm_message)
    opened = json.dumps(wait_for(lambda: sb.emulator.all_responses(HM)[before:]))
    assert f"The debrief for loop `{short_id}` is open" in opened
    assert "interviewers whose scorecards are in can read" in opened
    channel = wait_for(lambda: card_in_channel(sb, short_id))
    assert LIAM not in members_of_loop_channel(sb, short_id) and channel


def test_app_home_shows_the_recruiter_every_late_scorecard_with_its_actions(story) -> None:
    sb, short_id = story
    rnd = _round_two(sb, short_id)
    liam, rec = uid(sb, LIAM), uid(sb, REC)
    first = rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60)
    sb.dispatch(first)
    sb.slack.event({"type": "app_home_opened", "user": rec, "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(rec))
    shown = json.dumps(home)
    assert "Late scorecards in your loops" in shown
    assert f"*2. Live AI Pairing*: <@{liam}>, scorecard due since {_token(first)}" in shown
    # The hiring manager's tab lists it too, with the same actions.
    hm = uid(sb, HM)
    sb.slack.event({"type": "app_home_opened", "user": hm, "tab": "home"})
    theirs = json.dumps(wait_for(lambda: sb.emulator.home_of(hm)))
    assert f"*2. Live AI Pairing*: <@{liam}>, scorecard due since {_token(first)}" in theirs
    assert "feedback_nudge" in theirs and "feedback_reassign" in theirs
    # The interviewer himself may not nudge anyone: no such list on his tab.
    sb.slack.event({"type": "app_home_opened", "user": liam, "tab": "home"})
    own = wait_for(lambda: sb.emulator.home_of(liam))
    assert "Late scorecards" not in json.dumps(own)
    # His own tab lists the scorecard he owes, with the button that opens it.
    sb.slack.click(LIAM, "scorecard_open", f"{short_id}:2", view=own)
    form = wait_for(lambda: sb.emulator.open_views(liam) and top_view(sb, LIAM))
    assert form["callback_id"] == "scorecard_submit" and "Live AI Pairing" in json.dumps(form)

    # Nudge now from App Home: Liam hears, and the recruiter's answer comes by DM.
    sb.slack.click(REC, "feedback_nudge", f"{short_id}:2:{liam}", view=home)
    asked = wait_for(
        lambda: [m for m in sb.emulator.dms_to(liam) if "asks for your scorecard" in (m.text or "")]
    )
    assert len(asked) == 1
    told = wait_for(
        lambda: [m for m in sb.emulator.dms_to(rec) if "a reminder now for" in (m.text or "")]
    )
    assert f"Sent <@{liam}> a reminder now for *2. Live AI Pairing*" in told[0].text
    # Reassign from App Home opens the swap form for that round.
    sb.slack.click(REC, "feedback_reassign", f"{short_id}:2", view=home)
    modal = wait_for(lambda: sb.emulator.open_views(rec) and top_view(sb, REC))
    assert modal["callback_id"] == "loop_swap"
    assert [o["value"] for o in modal["blocks"][0]["element"]["options"]] == ["2"]


def test_the_feedback_settings_set_the_cadence_and_the_last_reminder_says_so() -> None:
    """LOOPBOT_FEEDBACK_DAYS=1, LOOPBOT_FEEDBACK_ESCALATE_DAY=1: two reminders in all (the
    second says it is the last), and the hiring manager hears on his first working day."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    settings = {"loopbot_feedback_days": 1, "loopbot_feedback_escalate_day": 1}
    with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
        sb.now = MONDAY
        pool = [uid(sb, p) for p in [*PANEL, LIAM]]
        short_id = create_loop(sb, **{"Panel Interviewer (PI) pool": pool})
        _liam_takes_round_two(sb, short_id)
        sb.dispatch()
        rnd = _round_two(sb, short_id)
        sb.dispatch(rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60))
        (due,) = _about_round(sb, LIAM)
        assert "Reminder 1 of 2." in due.text
        assert f"the next comes {_token(MONDAY_9_SYDNEY)}" in due.text
        assert f"are told it is missing by {_token(MONDAY_9_SYDNEY)}" in due.text
        sb.dispatch(MONDAY_9_SYDNEY)
        last = _about_round(sb, LIAM)[-1].text
        assert "Reminder 2 of 2. This is the last one." in last
        assert any(
            "*2. Live AI Pairing*" in t for t in map(str, (m.text for m in _late_messages(sb, HM)))
        )
        for day in range(1, 6):
            sb.dispatch(MONDAY_9_SYDNEY + timedelta(days=day))
        assert len(_about_round(sb, LIAM)) == 2


@pytest.mark.parametrize(
    ("moves", "in_early"),
    [
        ({}, set()),
        # Round 2's escalation names round 3, whose own escalation then raises nothing: round 5
        # hears on its own day, not on round 3's.
        (
            {2: "2026-11-30T17:00+00:00", 3: "2026-12-01T05:00+00:00", 5: "2026-12-02T20:00+00:00"},
            set(),
        ),
        # As above, but round 4's scorecard comes in after its first reminder: its escalation
        # raises nothing, so round 2's reminders may not promise its day.
        (
            {2: "2026-11-30T17:00+00:00", 3: "2026-12-01T05:00+00:00", 5: "2026-12-02T20:00+00:00"},
            {4},
        ),
    ],
    ids=["as proposed", "one escalation folded into another", "one scorecard in early"],
)
def test_each_reminder_says_truly_when_the_hiring_manager_hears(
    sandbox: Sandbox, moves, in_early
) -> None:
    """Ticked at each due time through the weeks, as `loopbot serve` does, what a scorecard
    reminder says of the hiring manager holds. "Were told it is missing T": T is when the
    late-scorecards message first naming that round went to them; "are told it is missing by
    T": that message went no later than T."""
    sb = sandbox
    sb.now = MONDAY
    short_id = create_loop(sb)
    for number, at in moves.items():
        assert f"Moved {number}." in said(sb, REC, f"reschedule {short_id} {number} {at}")
    named: dict[str, int] = {}  # round -> when the hiring manager first read it named
    quoted: list[tuple[str, bool, int]] = []  # (round, already told, T) as reminders put it
    hm = uid(sb, HM)
    seen, now, submitted = 0, sb.now, set()
    while now < MONDAY + timedelta(days=28):
        sb.dispatch(now)
        for number in sorted(in_early - submitted):
            if any(r.startswith(f"{number}. ") for r, _, _ in quoted):
                submit_scorecard(sb, short_id, number, "Hire")
                submitted.add(number)
        calls = sb.emulator.calls_to("chat.postMessage")
        for call in calls[seen:]:
            text = call.args["text"]
            if call.args["channel"] == sb.emulator.workspace.im_for(hm).id and " late for " in text:
                for rnd in re.findall(r"^• \*(\d\. [^*]+)\*", text, flags=re.M):
                    named.setdefault(rnd, int(now.timestamp()))
            told = re.search(r"(are|were) told it is missing (?:by )?<!date\^(\d+)\^", text)
            if told and text.startswith(("*", "Your scorecard")):
                rnd = re.search(r"\*(\d\. [^*]+)\*", text)
                quoted.append((rnd.group(1), told.group(1) == "were", int(told.group(2))))
        seen = len(calls)
        due = sb.next_due()
        if due is None:
            break
        now = max(due, now + timedelta(seconds=1))
    assert len({r for r, _, _ in quoted}) >= 5 and any(were for _, were, _ in quoted)
    assert submitted == in_early
    wrong = [
        (r, were, t, named.get(r))
        for r, were, t in quoted
        if int(r[0]) not in submitted  # once it is in, nobody is told it is missing
        and (r not in named or (named[r] != t if were else named[r] > t))
    ]
    assert wrong == []


def test_a_first_reminder_sent_late_says_when_the_scorecard_was_due(story) -> None:
    """loopbot was down when it fell due: the reminder, sent once it is back, quotes the due
    time instead of "due now"; on time, it says "due now"."""
    sb, short_id = story
    rnd = _round_two(sb, short_id)
    first = rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60)
    sb.dispatch(first + timedelta(hours=7))
    (due,) = _about_round(sb, LIAM)
    assert f"your scorecard was due {_token(first)}" in due.text and "due now" not in due.text


@pytest.mark.parametrize("then", ["debrief opened", "loop cancelled"])
def test_nothing_more_is_raised_once_the_debrief_is_open_or_the_loop_cancelled(
    story, then: str
) -> None:
    sb, short_id = story
    rnd = _round_two(sb, short_id)
    first = rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60)
    sb.dispatch(first)
    assert len(_about_round(sb, LIAM)) == 1
    raised = {h: len(_late_messages(sb, h)) for h in (HM, REC)}
    if then == "debrief opened":
        assert "is open" in said(sb, HM, f"debrief {short_id}")
    else:
        said(sb, REC, f"cancel {short_id}")
    # Past Liam's escalation day (his Tuesday 09:00) and the others' before it.
    for hours in range(0, 72, 6):
        sb.dispatch(MONDAY_9_SYDNEY + timedelta(hours=hours))
    assert {h: len(_late_messages(sb, h)) for h in (HM, REC)} == raised
    # The debrief opened early still waits on his scorecard, so he is still reminded of it;
    # a cancelled loop owes nothing.
    # It promises no message to them that will not come.
    reminders = [m.text for m in _about_round(sb, LIAM)]
    if then == "debrief opened":
        assert len(reminders) > 2
        for text in reminders[1:]:
            assert "are told it is missing" not in text, text
            assert "The debrief is open without it; yours joins its summary once it is in." in text
        # Nudge now, from App Home's late list: the same words, not "the debrief waits on it".
        liam = uid(sb, LIAM)
        before = len(sb.emulator.all_responses(REC))
        home = sb.emulator.workspace.im_for(uid(sb, REC)).id
        sb.slack.click(REC, "feedback_nudge", f"{short_id}:2:{liam}", channel_id=home)
        (answer,) = wait_for(lambda: sb.emulator.all_responses(REC)[before:])
        assert "The debrief is open without it; yours joins its summary once it is in." in (
            json.dumps(answer, ensure_ascii=False)
        )
        assert "The debrief waits on it" not in json.dumps(answer, ensure_ascii=False)
    else:
        assert len(reminders) == 1


def test_app_home_lists_the_ten_scorecards_late_longest_then_how_many_more(
    sandbox: Sandbox,
) -> None:
    """Two loops, nothing submitted, weeks on: the recruiter's App Home shows the ten due
    longest with their actions, then how many more (Slack's App Home holds 100 blocks)."""
    sb = sandbox
    sb.now = MONDAY
    for _ in range(3):
        create_loop(sb)
    sb.dispatch(MONDAY + timedelta(days=28))
    with sb.db.read() as session:
        owed = len(session.exec(select(Round).where(Round.starts_at != None)).all())  # noqa: E711
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, REC), "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(uid(sb, REC)))
    lines = [
        b["text"]["text"]
        for b in home["blocks"]
        if b["type"] == "section" and "scorecard due since" in b["text"]["text"]
    ]
    assert len(lines) == 10 and owed == 15  # the live rounds' (no take-home was received)
    shown = json.dumps(home, ensure_ascii=False)
    assert shown.count('"feedback_nudge"') == 10
    assert "…and 5 more." in shown
    dues = [int(re.search(r"<!date\^(\d+)\^", line).group(1)) for line in lines]
    assert dues == sorted(dues)  # the longest late first


def test_a_late_list_cut_short_counts_every_late_scorecard_and_says_where_the_rest_are(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message lists at most a set number of lines (Slack's 50 blocks a message); its count
    is every late scorecard's, and the rest are named as many more, with where to read them."""
    import bot.slack.blocks.feedback as feedback

    monkeypatch.setattr(feedback, "MOST_LINES", 2)
    sb = sandbox
    sb.now = MONDAY
    short_id = create_loop(sb)
    sb.dispatch(MONDAY + timedelta(days=28))
    (late,) = _late_messages(sb, HM)
    total = int(late.text.split(" ", 1)[0])
    assert total == 5  # the live rounds' (no take-home was received)
    assert late.text.startswith(f"5 scorecards are late for *Juyoung Park* (loop `{short_id}`")
    more = f"• and 3 more: `/loop show {short_id}` shows every round's scorecard"
    assert more in late.text
    shown = [b["text"]["text"] for b in late.blocks if b["type"] == "section"]
    assert len([t for t in shown if "scorecard due" in t]) == 2
    assert len(_buttons(late)) == 4  # Nudge now and Reassign, for each line listed
    assert more in shown
    # Where it says: every round's scorecard, the three not listed among them.
    answer = json.loads(said(sb, HM, f"show {short_id}"))["text"]
    assert answer.count("scorecard: pending") == 6 and "Scorecards in: 0 of 6." in answer
