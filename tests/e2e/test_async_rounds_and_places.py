"""Asynchronous rounds (a deadline, then a review window), places, and the lead times in force,
as the recruiter, the interviewers and the hiring manager see them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.emulator.transcript import blocks_as_text
from bot.sandbox import Sandbox
from bot.slack.format import slack_time, zone_time
from bot.store.models import Assignment, Loop, Round
from tests.e2e.helpers import (
    HM,
    MONDAY,
    REC,
    card_in_channel,
    card_in_dm,
    create_loop,
    dm_texts,
    mark_submissions_received,
    open_create,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)

ROOM = "Room Ada, 4th floor"
LINK = "https://meet.example/loop"
LEADS = {"guide": -2880, "heads_up": -30, "due": 60}


@pytest.fixture
def sbx() -> Iterator[Sandbox]:
    """The bot with a room for on-site rounds and lead times other than the defaults."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    places = {"on-site": ROOM, "remote": LINK}
    settings = {"loopbot_places": places, "loopbot_reminders": LEADS}
    with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
        sb.now = MONDAY
        yield sb
        violations = list(sb.emulator.violations)
    assert not violations, violations


def _round(sb: Sandbox, short_id: str, number: int) -> tuple[Round, str]:
    """The stored round and the handle of its interviewer."""
    with sb.db.session() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rnd = session.exec(
            select(Round).where(Round.loop_id == loop.id, Round.number == number)
        ).one()
        owner = session.exec(
            select(Assignment.user_id).where(
                Assignment.round_id == rnd.id, Assignment.letter == "R", Assignment.active
            )
        ).one()
    return rnd, sb.emulator.workspace.user(owner).name


def _press(sb: Sandbox, who: str, value: str, message) -> str:
    """`who` presses *Submission received*; loopbot's private answer."""
    before = len(sb.emulator.all_responses())
    sb.slack.click(who, "loop_card_received", value, message=message)
    wait_for(lambda: len(sb.emulator.all_responses()) > before)
    return sb.emulator.all_responses()[-1]["text"]


def _about(sb: Sandbox, handle: str, words: str) -> list[str]:
    return [t for t in dm_texts(sb, handle) if words in t]


def test_step_two_proposes_the_async_build_with_a_deadline_and_live_rounds_with_a_place(
    sbx: Sandbox,
) -> None:
    open_create(sbx)
    submit(sbx, REC, step_one_answers(sbx))
    view = top_view(sbx, REC)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert "round:1:time" not in inputs and "round:1:place" not in inputs
    assert inputs["round:1:deadline"]["label"]["text"] == "Submission deadline"
    # Tuesday 24 Nov is the first day; three working days later, 17:00 in Seoul.
    friday = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert inputs["round:1:deadline"]["element"]["initial_date_time"] == int(friday.timestamp())
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "*1. Async Build* · asynchronous (a submission, no meeting), due Fri 27 Nov 17:00" in (
        text
    )
    # The live rounds build on the submission: proposed from the Monday after it is due.
    assert "The live rounds after *1. Async Build* come after its submission deadline." in text
    assert "*2. Live AI Pairing* · 1 h · on-site · Mon 30 Nov " in text
    for number in range(2, 7):
        assert inputs[f"round:{number}:place"]["element"]["initial_value"] == ROOM
    # The recruiter moves the deadline a day sooner and gives round 2 a video link instead of
    # the room (a deadline after a live round is refused: see
    # test_step_two_refuses_a_live_round_before_the_submission_it_builds_on).
    thursday = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    second = submit(
        sbx,
        REC,
        {"round:1:deadline": int(thursday.timestamp()), "round:2:place": "https://meet.example/ai"},
    )
    assert second.json and second.json.get("response_action") == "update", second.body_text
    short_id = json.dumps(second.json["view"]["blocks"]).split("Loop `", 1)[1].split("`", 1)[0]
    rnd, _ = _round(sbx, short_id, 1)
    assert (rnd.format, rnd.starts_at, rnd.deadline, rnd.place) == ("async", None, thursday, None)
    assert _round(sbx, short_id, 2)[0].place == "https://meet.example/ai"
    assert _round(sbx, short_id, 3)[0].place == ROOM
    # The card names each live round's place as set, the asynchronous one none.
    sbx.emulator.close_view(uid(sbx, REC))
    card = "\n".join(blocks_as_text(wait_for(lambda: card_in_channel(sbx, short_id))[1].blocks))
    lines = {n: next(x for x in card.splitlines() if x.startswith(f"*{n}. ")) for n in (1, 2, 3)}
    rows = card.splitlines()
    after = {n: rows[rows.index(lines[n]) + 1] for n in lines}
    assert " · https://meet.example/ai · " in after[2] and f" · {ROOM} · " in after[3]
    assert "meet.example" not in after[1] and ROOM not in after[1]


def test_the_deadline_falls_on_the_candidate_s_own_working_days_at_the_end_of_their_day(
    sbx: Sandbox,
) -> None:
    """Step 1's hours Sun-Thu 08:00-16:00: three of their working days after Tuesday 24 Nov is
    Sunday 29 Nov, due at 16:00 their time (Monday to Friday would have given Friday 17:00); the
    live rounds come after it, inside their hours."""
    open_create(sbx)
    hours = {"Candidate's working hours": "Sun-Thu 08:00-16:00"}
    proposed = submit(sbx, REC, step_one_answers(sbx, **hours))
    assert proposed.json and proposed.json.get("response_action") == "update", proposed.body_text
    step = json.dumps(proposed.json["view"]["blocks"], ensure_ascii=False)
    assert "(a submission, no meeting), due Sun 29 Nov 16:00 Asia/Seoul for the candidate" in step
    assert submit(sbx, REC, {}).status == 200
    with sbx.db.read() as session:
        rounds = sorted(session.exec(select(Round)).all(), key=lambda r: r.number)
    seoul = ZoneInfo("Asia/Seoul")
    assert rounds[0].deadline == datetime(2026, 11, 29, 16, 0, tzinfo=seoul)
    for rnd in rounds[1:]:
        local = rnd.starts_at.astimezone(seoul)
        assert rnd.starts_at > rounds[0].deadline and local.weekday() in (6, 0, 1, 2, 3)
        assert 8 <= local.hour and local + timedelta(minutes=rnd.duration_minutes) <= local.replace(
            hour=16, minute=0
        )


def test_a_deadline_in_the_past_is_refused_in_step_two(sbx: Sandbox) -> None:
    open_create(sbx)
    submit(sbx, REC, step_one_answers(sbx))
    past = int((MONDAY - timedelta(days=1)).timestamp())
    reply = submit(sbx, REC, {"round:1:deadline": past})
    assert reply.json == {
        "response_action": "errors",
        "errors": {"round:1:deadline": "Pick a submission deadline in the future."},
    }


def test_step_two_refuses_a_live_round_before_the_submission_it_builds_on(sbx: Sandbox) -> None:
    open_create(sbx)
    proposed = submit(sbx, REC, step_one_answers(sbx))
    assert proposed.json and proposed.json.get("response_action") == "update"
    # The deadline proposed: read from the step, as the recruiter sees it.
    step = json.dumps(proposed.json["view"]["blocks"], ensure_ascii=False)
    due = step.split("*1. Async Build* · asynchronous (a submission, no meeting), due ")[1]
    due = due.split(" for the candidate")[0]
    deadline = datetime.strptime(due.removesuffix(" Asia/Seoul"), "%a %d %b %H:%M")
    deadline = deadline.replace(year=2026, tzinfo=ZoneInfo("Asia/Seoul"))
    early = int((deadline - timedelta(hours=6)).timestamp())
    reply = submit(sbx, REC, {"round:2:time": early})
    assert reply.json == {
        "response_action": "errors",
        "errors": {
            "round:2:time": f"This round builds on 1. Async Build, due {due} for the candidate: "
            "pick a later time, or an earlier deadline."
        },
    }
    # A deadline moved after the live rounds is refused on each of them, saying the new one.
    inputs = {b["block_id"]: b for b in proposed.json["view"]["blocks"] if b["type"] == "input"}
    last = max(inputs[f"round:{n}:time"]["element"]["initial_date_time"] for n in range(2, 7))
    after_all = datetime.fromtimestamp(last, UTC) + timedelta(days=1)
    moved = submit(sbx, REC, {"round:1:deadline": int(after_all.timestamp())})
    said_due = f"{after_all.astimezone(ZoneInfo('Asia/Seoul')):%a %d %b %H:%M} Asia/Seoul"
    assert moved.json and moved.json["errors"] == {
        f"round:{n}:time": f"This round builds on 1. Async Build, due {said_due} for the "
        "candidate: pick a later time, or an earlier deadline."
        for n in range(2, 7)
    }
    # An earlier deadline puts the round after it again: the loop is created.
    sooner = int((deadline - timedelta(days=1)).timestamp())
    done = submit(sbx, REC, {"round:1:deadline": sooner, "round:2:time": early})
    assert done.json and done.json.get("response_action") == "update", done.body_text


def test_the_review_window_drives_the_async_rounds_reminders_never_a_heads_up(
    sbx: Sandbox,
) -> None:
    short_id = create_loop(sbx)
    _, reviewer = _round(sbx, short_id, 1)
    sbx.dispatch()
    (assigned,) = _about(sbx, reviewer, "submission for *1. Async Build*")
    assert "You review *Juyoung Park*'s submission" in assigned
    assert "(asynchronous: no meeting)" in assigned and "17:00 Asia/Seoul for them" in assigned
    assert "you have 2 working days (your own days, in your time zone) to review it" in assigned
    # Round 2 comes after the submission deadline; its guide waits for 48 h before it.
    first, _ = _round(sbx, short_id, 1)
    rnd, second = _round(sbx, short_id, 2)
    assert rnd.starts_at > first.deadline
    (live,) = _about(sbx, second, "for *2. Live AI Pairing*")
    assert "Your round guide follows now" not in live
    assert "Your round guide arrives 48 h before the interview" in live
    # Nothing more about it until the submission is in, however long that takes.
    sbx.dispatch(MONDAY + timedelta(days=3))
    assert not _about(sbx, reviewer, "ROUND GUIDE: ASYNC BUILD")

    # Only the recruiter (or the creator, an admin) marks it received, from the card.
    card = wait_for(lambda: card_in_dm(sbx, REC, short_id))
    assert "submission due" in json.dumps(card.blocks)
    received = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday in every panel zone
    sbx.now = received
    answer = _press(sbx, REC, f"{short_id}:1", card)
    # Two working days from Thursday, in the reviewer's own zone: Monday, at the end of their
    # day (17:30 in Chicago), never in their night.
    due = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert f"Submission for 1. Async Build of loop `{short_id}` received" in answer
    assert f"<!date^{int(due.timestamp())}^" in answer
    assert "already marked received" in _press(sbx, REC, f"{short_id}:1", card)

    sbx.dispatch()
    (guide,) = _about(sbx, reviewer, "ROUND GUIDE: ASYNC BUILD")
    assert "*Submission:* received" in guide and "*your review is due:*" in guide
    assert "*the candidate's deadline:*" in guide  # said as a date, passed or not
    assert "*Where:*" not in guide
    # Due an hour (LOOPBOT_REMINDERS' due: 60) after the window, then the daily reminders and
    # the escalation in the reviewer's working days.
    sbx.dispatch(due + timedelta(minutes=59))
    assert not _about(sbx, reviewer, "Your review of")
    sbx.dispatch(due + timedelta(minutes=60))
    (due_now,) = _about(sbx, reviewer, "Your review of")
    assert "Your review of *Juyoung Park*'s submission for *1. Async Build*" in due_now
    assert "your scorecard is due now" in due_now
    # The next: Tuesday 09:00 for the reviewer in Chicago (15:00 UTC), then Wednesday's.
    tuesday = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    sbx.dispatch(tuesday - timedelta(seconds=1))
    assert not _about(sbx, reviewer, "the review was due")
    sbx.dispatch(tuesday)
    assert _about(sbx, reviewer, "the review was due")
    sbx.dispatch(tuesday + timedelta(days=1))
    assert any("1. Async Build" in t and "late for" in t for t in dm_texts(sbx, HM))
    about_round = _about(sbx, reviewer, "1. Async Build")
    assert not any("has ended" in t or t.startswith("In ") for t in about_round), about_round


def test_the_review_window_counts_the_reviewer_s_own_working_days(sbx: Sandbox) -> None:
    """A reviewer who works Tuesday to Saturday (their hours in App Home): two working days
    from Thursday end on Saturday, not on Monday."""
    short_id = create_loop(sbx)
    _, reviewer = _round(sbx, short_id, 1)
    sbx.slack.event({"type": "app_home_opened", "user": uid(sbx, reviewer), "tab": "home"})
    home = wait_for(lambda: sbx.emulator.home_of(uid(sbx, reviewer)))
    sbx.slack.click(reviewer, "home_edit_hours", "hours", view=home)
    wait_for(lambda: sbx.emulator.open_views(uid(sbx, reviewer)))
    days = ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    saved = submit(sbx, reviewer, {"Days you interview": days, "From": "09:00", "Until": "17:00"})
    assert saved.status == 200 and not saved.body_text.strip()
    home = wait_for(
        lambda: (
            (text := json.dumps(sbx.emulator.home_of(uid(sbx, reviewer)), ensure_ascii=False))
            and "Tue–Sat 09:00–17:00" in text
            and text
        )
    )
    assert "a submission you review is due at the end of your day, 2 of these days after" in home
    card = wait_for(lambda: card_in_dm(sbx, REC, short_id))
    received = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # Thursday 10:00 in Chicago
    sbx.now = received
    answer = _press(sbx, REC, f"{short_id}:1", card)
    due = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # Friday, Saturday: 17:00 in Chicago
    assert f"<!date^{int(due.timestamp())}^" in answer
    assert _round(sbx, short_id, 1)[0].review_due == due
    sbx.dispatch()
    (guide,) = _about(sbx, reviewer, "ROUND GUIDE: ASYNC BUILD")
    assert f"{due:%a %d %b %H:%M} UTC" in guide


def test_a_reviewer_who_takes_over_a_submission_gets_a_window_of_their_own(
    sbx: Sandbox,
) -> None:
    """The submission is in and the review is due Monday at the end of the Chicago reviewer's
    day; on Monday afternoon the recruiter gives the review to someone in Tokyo: their window
    starts then, in their own days (not a deadline in their night, hours away)."""
    short_id = create_loop(sbx)
    _, reviewer = _round(sbx, short_id, 1)
    card = wait_for(lambda: card_in_dm(sbx, REC, short_id))
    sbx.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    _press(sbx, REC, f"{short_id}:1", card)
    assert _round(sbx, short_id, 1)[0].review_due == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    sbx.dispatch()
    ws = sbx.emulator.workspace
    ws.add_user("kenji.tyo", "Kenji Sato", "kenji@example.com", "Asia/Tokyo")
    sbx.now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # Monday 14:00 Chicago, Tuesday 05:00 Tokyo
    answer = said(sbx, REC, f"swap {short_id} 1 <@{uid(sbx, 'kenji.tyo')}>")
    # Tuesday in Tokyo, then two working days: Thursday, at the end of the day there (17:30).
    due = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert _round(sbx, short_id, 1)[0].review_due == due
    assert (
        f"The submission is in: their review is due {slack_time(due)}, 2 of their own working "
        "days from now." in answer
    )
    sbx.dispatch()
    (given,) = _about(sbx, "kenji.tyo", "You review")
    assert "your review is due Thu 03 Dec 08:30 UTC." in given  # 17:30 in Tokyo
    assert not _about(sbx, reviewer, "Your review of")
    sbx.dispatch(due + timedelta(minutes=59))
    assert not _about(sbx, "kenji.tyo", "Your review of")
    sbx.dispatch(due + timedelta(minutes=60))
    assert _about(sbx, "kenji.tyo", "Your review of")


def test_a_review_reminder_sent_late_says_when_the_scorecard_was_due(sbx: Sandbox) -> None:
    """loopbot was down when the review's scorecard fell due: the first reminder, sent once it is
    back, quotes the due time, as a live round's does."""
    short_id = create_loop(sbx)
    _, reviewer = _round(sbx, short_id, 1)
    card = wait_for(lambda: card_in_dm(sbx, REC, short_id))
    sbx.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert "received" in _press(sbx, REC, f"{short_id}:1", card)
    review_due = _round(sbx, short_id, 1)[0].review_due
    sbx.dispatch(review_due + timedelta(hours=8))
    (late,) = _about(sbx, reviewer, "Your review of")
    due = review_due + timedelta(minutes=LEADS["due"])
    assert f"your scorecard was due {due:%a %d %b %H:%M} UTC." in late
    assert "due now" not in late


def test_only_the_recruiter_creator_or_an_admin_marks_a_submission_received(
    sbx: Sandbox,
) -> None:
    short_id = create_loop(sbx)
    _, reviewer = _round(sbx, short_id, 1)
    _, card = card_in_channel(sbx, short_id)
    answer = _press(sbx, HM, f"{short_id}:1", card)
    assert "Only the loop's recruiter, creator or a loopbot admin can mark a submission" in answer
    assert _round(sbx, short_id, 1)[0].received_at is None
    mine = wait_for(lambda: card_in_dm(sbx, REC, short_id))
    assert "is a live round; it has no submission" in _press(sbx, REC, f"{short_id}:2", mine)


def test_an_asynchronous_round_has_no_meeting_to_move(sbx: Sandbox) -> None:
    short_id = create_loop(sbx)
    before = _round(sbx, short_id, 1)[0].deadline
    answer = said(sbx, REC, f"reschedule {short_id} 1 2026-11-30 10:00")
    assert "1. Async Build is asynchronous: it has no meeting to move." in answer
    rnd = _round(sbx, short_id, 1)[0]
    assert rnd.starts_at is None and rnd.deadline == before


def test_a_live_round_moved_before_the_submission_it_builds_on_is_noted_until_it_is_in(
    sbx: Sandbox,
) -> None:
    short_id = create_loop(sbx)
    build = _round(sbx, short_id, 1)[0]
    assert build.deadline is not None and _round(sbx, short_id, 2)[0].starts_at > build.deadline
    day = (build.deadline - timedelta(days=2)).date()
    moved = said(sbx, REC, f"reschedule {short_id} 2 {day} 10:00")
    # The move goes ahead (a person decided it), and says what it now comes before.
    assert f"Moved 2. Live AI Pairing of loop `{short_id}` to " in moved
    assert (
        "for the candidate. It now comes before *1. Async Build*, the submission it builds on, "
        f"which is due {slack_time(build.deadline)} and not in yet."
    ) in moved
    assert _round(sbx, short_id, 2)[0].starts_at < build.deadline
    # Once the submission is in, pulling the live rounds in is what the team wants: no note.
    assert mark_submissions_received(sbx) == 1
    again = said(sbx, REC, f"reschedule {short_id} 2 {day} 11:00")
    assert again.startswith(f"Moved 2. Live AI Pairing of loop `{short_id}` to ")
    assert "submission" not in again


def test_the_heads_up_names_the_place_and_its_button_opens_the_guide(sbx: Sandbox) -> None:
    short_id = create_loop(sbx, **{"First interview day": "2026-11-26"})
    rnd, owner = _round(sbx, short_id, 2)
    assert rnd.starts_at is not None
    sbx.dispatch()
    (assigned,) = _about(sbx, owner, "for *2. Live AI Pairing*")
    assert f"at {ROOM}" in assigned
    # Every text quotes the lead times in force (LOOPBOT_REMINDERS), not the defaults.
    assert (
        "Your round guide arrives 48 h before the interview and a heads-up 30 min before; "
        "your scorecard is due 1 h after it ends." in assigned
    )
    sbx.dispatch(rnd.starts_at - timedelta(hours=48, seconds=1))
    assert not _about(sbx, owner, "ROUND GUIDE: LIVE AI PAIRING")
    sbx.dispatch(rnd.starts_at - timedelta(hours=48))
    (guide,) = _about(sbx, owner, "ROUND GUIDE: LIVE AI PAIRING")
    assert f"*Where:* {ROOM}" in guide
    sbx.dispatch(rnd.starts_at - timedelta(minutes=30))
    heads_up = next(
        m
        for m in sbx.emulator.dms_to(uid(sbx, owner))
        if (m.text or "").startswith("In 30 min: *2. Live AI Pairing*")
    )
    assert f"*Where:* {ROOM}" in heads_up.text
    buttons = [e for b in heads_up.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Open the round guide", f"{short_id}:2")
    ]
    sbx.slack.click(owner, buttons[0]["action_id"], buttons[0]["value"], message=heads_up)
    modal = wait_for(lambda: sbx.emulator.open_views(uid(sbx, owner)) and top_view(sbx, owner))
    shown = json.dumps(modal)
    assert "Show the prompt you would use and explain why." in shown and ROOM in shown
    sbx.dispatch(rnd.starts_at + timedelta(minutes=rnd.duration_minutes + 60))
    assert _about(sbx, owner, "has ended (1 h ago): your scorecard is due now")


def test_the_remote_first_variant_takes_the_remote_link_and_keeps_the_async_build_slotless(
    sbx: Sandbox,
) -> None:
    short_id = create_loop(sbx, Variant="Remote-First")
    async_build, _ = _round(sbx, short_id, 1)
    assert (async_build.format, async_build.starts_at, async_build.place) == ("async", None, None)
    # "async write-up plus a 20-minute live review": a live part, so a slot and a place.
    review, owner = _round(sbx, short_id, 3)
    assert (review.format, review.duration_minutes) == ("hybrid", 20)
    assert review.place == LINK
    sbx.dispatch()
    (assigned,) = _about(sbx, owner, "for *3. Production Engineering*")
    assert f"(20 min, hybrid) at {LINK}" in assigned


def test_the_documents_places_and_submission_days_win_over_the_settings(
    tmp_path: Path, seeds: Path
) -> None:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    front = "version: 1\nsubmission_days: 1\nplaces:\n  On-site: The Atrium\n"
    loop.write_text(loop.read_text().replace("version: 1\n", front, 1))
    settings = {
        "loopbot_places": {"on-site": ROOM},
        "loopbot_submission_days": 5,
        "loopbot_review_days": 1,
    }
    with Sandbox(create_app, make_wsgi_app, docs=docs, settings=settings) as sb:
        sb.now = MONDAY
        short_id = create_loop(sb)
        # One working day after Tuesday 24 Nov, 17:00 in Seoul; the document's room.
        async_build, reviewer = _round(sb, short_id, 1)
        assert async_build.deadline == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
        live = _round(sb, short_id, 2)[0]
        assert live.place == "The Atrium"
        # The live rounds follow that deadline: sooner than the setting's five days would allow.
        assert async_build.deadline < live.starts_at < datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
        sb.dispatch()
        (assigned,) = _about(sb, reviewer, "submission for *1. Async Build*")
        assert "you have 1 working day (your own days, in your time zone)" in assigned
        received = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday in every panel zone
        sb.now = received
        assert mark_submissions_received(sb) == 1
        with sb.db.session() as session:
            rnd = session.get(Round, async_build.id)
            # One working day after Friday: Monday, the end of the reviewer's day in Chicago.
            assert rnd is not None and rnd.review_due == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def test_a_round_without_a_place_says_so_everywhere_its_interviewer_looks(sb: Sandbox) -> None:
    # No `places:` in the document and no LOOPBOT_PLACES: nothing is made up, nothing left out.
    short_id = create_loop(sb, **{"First interview day": "2026-11-26"})
    rnd, owner = _round(sb, short_id, 2)
    assert rnd.place is None and rnd.starts_at is not None
    sb.dispatch()
    (assigned,) = _about(sb, owner, "for *2. Live AI Pairing*")
    assert "(1 h, on-site); the place is not set yet." in assigned
    sb.dispatch(rnd.starts_at - timedelta(hours=24))
    (guide,) = _about(sb, owner, "ROUND GUIDE: LIVE AI PAIRING")
    assert "*Where:* not set yet" in guide
    sb.dispatch(rnd.starts_at - timedelta(minutes=15))
    (heads_up,) = [
        t for t in dm_texts(sb, owner) if t.startswith("In 15 min: *2. Live AI Pairing*")
    ]
    assert "*Where:* no place is set yet; ask the recruiter." in heads_up
    _, card = card_in_channel(sb, short_id)
    assert "place not set yet" in json.dumps(card.blocks)


def test_a_loop_documents_own_lead_times_are_in_force_and_quoted(
    tmp_path: Path, seeds: Path
) -> None:
    """`reminders:` in the loop document's front matter wins over the settings: a guide a week
    before the interview, already due when the loop is created, goes at once and says so."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    front = "version: 1\nreminders:\n  guide: -10080\n  heads_up: -45\n"
    loop.write_text(loop.read_text().replace("version: 1\n", front, 1))
    with Sandbox(create_app, make_wsgi_app, docs=docs, settings={"loopbot_reminders": LEADS}) as sb:
        sb.now = MONDAY
        short_id = create_loop(sb)
        rnd, owner = _round(sb, short_id, 2)
        assert rnd.starts_at is not None and rnd.starts_at - MONDAY < timedelta(days=7)
        sb.dispatch()
        (assigned,) = _about(sb, owner, "for *2. Live AI Pairing*")
        assert (
            "Your round guide follows now (it goes 168 h before the interview) and a heads-up "
            "45 min before; your scorecard is due 1 h after it ends." in assigned
        )
        assert _about(sb, owner, "ROUND GUIDE: LIVE AI PAIRING")  # in the same dispatch
        sb.dispatch(rnd.starts_at - timedelta(minutes=46))
        assert not [t for t in dm_texts(sb, owner) if t.startswith("In 45 min")]
        sb.dispatch(rnd.starts_at - timedelta(minutes=45))
        assert [t for t in dm_texts(sb, owner) if t.startswith("In 45 min: *2. Live AI Pairing*")]


def _day_before_at_five(start: datetime, tz: str) -> datetime:
    """17:00 in `tz` on the weekday before `start`'s day there."""
    day = start.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    while day.weekday() > 4:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_a_hybrid_round_s_written_part_is_due_the_day_before_its_live_review(
    sbx: Sandbox,
) -> None:
    """Remote-First's "async write-up plus a 20-minute live review": the write-up is due at the
    end of the candidate's working day before the review, so it is in before it; every reader
    is told when, a reschedule takes it along, and a time whose written part would be due
    already is refused."""
    seoul = "Asia/Seoul"
    open_create(sbx)
    step2 = submit(sbx, REC, step_one_answers(sbx, Variant="Remote-First"))
    shown = json.dumps(step2.json["view"], ensure_ascii=False)
    # Step 2 at 17:00 in Seoul: a review tomorrow morning would have its written part due now.
    tomorrow = int(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(seoul)).timestamp())
    refused = submit(sbx, REC, {"round:3:time": tomorrow})
    assert refused.json and refused.json["errors"] == {
        "round:3:time": "Its written part would be due Mon 23 Nov 17:00 Asia/Seoul for the "
        "candidate (their working day before), which has passed: pick a later day."
    }
    sbx.emulator.close_view(uid(sbx, REC))
    short_id = create_loop(sbx, Variant="Remote-First")
    review, owner = _round(sbx, short_id, 3)
    assert review.format == "hybrid" and review.starts_at is not None
    due = _day_before_at_five(review.starts_at, seoul)
    assert review.written_due == due
    in_seoul = zone_time(due, seoul)
    assert f"(its written part due {in_seoul}: their working day before)" in shown
    sbx.dispatch()
    token = f"<!date^{int(due.timestamp())}^"
    raw = [m.text or "" for m in sbx.emulator.dms_to(uid(sbx, owner))]
    (assigned,) = [t for t in raw if "for *3. Production Engineering*" in t]
    assert f"Their written part is due {token}" in assigned and "before the review;" in assigned
    itinerary = "\n".join(dm_texts(sbx, REC))
    assert f"async write-up plus a 20-minute live review; the written part is due {in_seoul}" in (
        itinerary
    )
    # What the recruiter collects, and by when: the written part before its review.
    assert (
        f"3. Production Engineering: Reliability and ops plan (its written part, due {in_seoul})"
        in (itinerary)
    )
    (ics,) = [c for n, c in sbx.emulator.files_to(uid(sbx, REC)) if n.startswith("itinerary")]
    assert f"Send the written part by {due.astimezone(ZoneInfo(seoul)):%a %d %b %H:%M}" in (
        ics.decode() if isinstance(ics, bytes) else ics
    )
    # And an event of its own at that time, in the candidate's calendar.
    (part,) = [
        e
        for e in Calendar.from_ical(ics).walk("VEVENT")
        if str(e["SUMMARY"]) == "Due: the written part of 3. Production Engineering"
    ]
    assert part.decoded("DTSTART") == due and str(part["TRANSP"]) == "TRANSPARENT"
    _, card = card_in_channel(sbx, short_id)
    assert f"(written part due {token}" in json.dumps(card.blocks)
    sbx.dispatch(review.starts_at - timedelta(hours=48))
    guide = next(
        m
        for m in sbx.emulator.dms_to(uid(sbx, owner))
        if "Round guide: Production" in str(m.blocks)
    )
    assert f"*Written part:* due from the candidate {token}" in json.dumps(guide.blocks)
    # Moved a week on: the written part moves with it, to the day before the new review.
    later = review.starts_at + timedelta(days=7)
    answer = said(sbx, REC, f"reschedule {short_id} 3 {later:%Y-%m-%dT%H:%M+00:00}")
    moved, _ = _round(sbx, short_id, 3)
    assert moved.written_due == _day_before_at_five(later, seoul)
    assert (
        "Moved 3." in answer
        and (
            f"Its written part is now due {zone_time(moved.written_due, seoul)} for the candidate "
            "(their working day before);"  # step 1 gave no hours: 17:00, not their day's end
        )
        in answer
    )
    sbx.dispatch()
    told = [
        m.text or "" for m in sbx.emulator.dms_to(uid(sbx, owner)) if "moved to" in (m.text or "")
    ]
    new_due = f"<!date^{int(moved.written_due.timestamp())}^"
    assert told and f"Their written part is now due {new_due}" in told[-1]
    # The hiring manager's brief named it; the recruiter's new file to forward carries the new one.
    brief = next(
        m.text or "" for m in sbx.emulator.dms_to(uid(sbx, HM)) if "accountable" in (m.text or "")
    )
    assert f"written part due {token}" in brief
    files = [c for n, c in sbx.emulator.files_to(uid(sbx, REC)) if n.startswith("itinerary")]
    newest = files[-1].decode() if isinstance(files[-1], bytes) else files[-1]
    assert (
        f"Send the written part by {moved.written_due.astimezone(ZoneInfo(seoul)):%a %d %b %H:%M}"
        in (newest)
    )
    # On a Thursday at 18:00 in Seoul, to Friday morning: its written part was due at 17:00.
    zone = ZoneInfo(seoul)
    evening = datetime(2026, 11, 26, 18, 0, tzinfo=zone)  # a Thursday
    sbx.now = evening.astimezone(UTC)
    soon = datetime(2026, 11, 27, 10, 0, tzinfo=zone).astimezone(UTC)
    refused = said(sbx, REC, f"reschedule {short_id} 3 {soon:%Y-%m-%dT%H:%M+00:00}")
    assert "3. Production Engineering: Its written part would be due Thu 26 Nov 17:00" in refused
    assert "which has passed: pick a later day" in refused
    assert _round(sbx, short_id, 3)[0].starts_at == later


def test_step_two_never_proposes_a_hybrid_review_whose_written_part_is_due_already(
    tmp_path: Path, seeds: Path
) -> None:
    """Remote-First with the Async Build made live, so the hybrid reviews follow no submission:
    at 17:00 in Seoul, a review tomorrow would have its written part due now. Step 2 proposes a
    later day (and creating the loop as proposed is not refused), with the written part at the
    end of the candidate's own working day before (Sun-Thu 08:00-16:00, as step 1 gives them)."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text()
    loop.write_text(
        text.replace("- Async Build: submission,", "- Async Build: 45 minutes live,", 1)
    )
    with Sandbox(create_app, make_wsgi_app, docs=docs, settings={"loopbot_places": {}}) as sb:
        sb.now = MONDAY  # 17:00 in Seoul
        hours = {"Candidate's working hours": "Sun-Thu 08:00-16:00"}
        first = {"First interview day": "2026-11-24"}
        open_create(sb)
        step2 = submit(sb, REC, step_one_answers(sb, Variant="Remote-First", **first, **hours))
        # Their own hours: the written part is due as their working day ends, and step 2 says so.
        shown = json.dumps(step2.json["view"], ensure_ascii=False)
        assert "Asia/Seoul: the end of their working day before)" in shown
        sb.emulator.close_view(uid(sb, REC))
        short_id = create_loop(sb, Variant="Remote-First", **first, **hours)
        seoul = ZoneInfo("Asia/Seoul")
        for number in (3, 4):
            review, _ = _round(sb, short_id, number)
            assert review.format == "hybrid" and review.starts_at is not None
            assert review.written_due is not None and review.written_due > MONDAY
            due = review.written_due.astimezone(seoul)
            assert (due.hour, due.minute) == (16, 0) and due.weekday() in (6, 0, 1, 2, 3)
            assert due.date() < review.starts_at.astimezone(seoul).date()


def test_the_recruiter_sets_a_written_part_s_due_time_in_step_two(sbx: Sandbox) -> None:
    """Step 2's *Written part due* starts at the end of the candidate's day before the review;
    left alone it follows a review moved in the same step, set by hand it stays, and it must
    fall after now and before the review."""
    seoul = ZoneInfo("Asia/Seoul")
    open_create(sbx)
    step2 = submit(sbx, REC, step_one_answers(sbx, Variant="Remote-First"))
    fields = {
        b["block_id"]: b["element"]
        for b in step2.json["view"]["blocks"]
        if b.get("block_id", "").startswith("round:3:")
    }
    start = datetime.fromtimestamp(fields["round:3:time"]["initial_date_time"], UTC)
    proposed = datetime.fromtimestamp(fields["round:3:written"]["initial_date_time"], UTC)
    assert proposed == _day_before_at_five(start, "Asia/Seoul")
    past = int(MONDAY.timestamp()) - 3600
    refused = submit(sbx, REC, {"round:3:written": past})
    assert refused.json["errors"] == {
        "round:3:written": "Pick a due time for the written part in the future."
    }
    after = int((start + timedelta(hours=1)).timestamp())
    refused = submit(sbx, REC, {"round:3:written": after})
    assert refused.json["errors"] == {
        "round:3:written": "Pick a due time for the written part before the review starts."
    }
    # By hand, the morning of the review for round 3; round 4 moved a day on, its left alone.
    by_hand = datetime.combine(start.astimezone(seoul).date(), time(8, 0), seoul)
    four = datetime.fromtimestamp(
        next(
            b["element"]["initial_date_time"]
            for b in step2.json["view"]["blocks"]
            if b.get("block_id") == "round:4:time"
        ),
        UTC,
    ) + timedelta(days=1)
    done = submit(
        sbx,
        REC,
        {"round:3:written": int(by_hand.timestamp()), "round:4:time": int(four.timestamp())},
    )
    assert done.json and done.json.get("response_action") == "update", done.body_text
    short_id = json.dumps(done.json["view"]["blocks"]).split("Loop `", 1)[1].split("`", 1)[0]
    assert _round(sbx, short_id, 3)[0].written_due == by_hand.astimezone(UTC)
    assert _round(sbx, short_id, 4)[0].written_due == _day_before_at_five(four, "Asia/Seoul")


def test_a_written_part_due_cleared_in_step_two_follows_the_review(sbx: Sandbox) -> None:
    """Emptying step 2's *Written part due* is leaving it to loopbot: it falls due the
    candidate's working day before the review, at the review's new time too."""
    open_create(sbx)
    step2 = submit(sbx, REC, step_one_answers(sbx, Variant="Remote-First"))
    start = datetime.fromtimestamp(
        next(
            b["element"]["initial_date_time"]
            for b in step2.json["view"]["blocks"]
            if b.get("block_id") == "round:3:time"
        ),
        UTC,
    )
    later = start + timedelta(days=7)  # a week on: nobody's other round is then
    done = submit(sbx, REC, {"round:3:time": int(later.timestamp()), "round:3:written": None})
    assert done.json and done.json.get("response_action") == "update", done.body_text
    short_id = json.dumps(done.json["view"]["blocks"]).split("Loop `", 1)[1].split("`", 1)[0]
    review, _ = _round(sbx, short_id, 3)
    assert review.starts_at == later
    assert review.written_due == _day_before_at_five(later, "Asia/Seoul")


def test_a_written_part_falls_due_after_the_submission_it_follows(sbx: Sandbox) -> None:
    """Remote-First's write-ups come after the Async Build: step 2 proposes each hybrid review on
    a day whose written part falls due after the build's deadline, never with it (the candidate
    is not asked for three pieces of work at the same hour), and the candidate still works
    within their working days."""
    short_id = create_loop(sbx, Variant="Remote-First")
    build, _ = _round(sbx, short_id, 1)
    assert build.format == "async" and build.deadline is not None
    for number in (3, 4):
        review, _ = _round(sbx, short_id, number)
        assert review.format == "hybrid" and review.written_due is not None
        assert review.written_due > build.deadline, number
        assert review.written_due.astimezone(ZoneInfo("Asia/Seoul")).weekday() < 5
