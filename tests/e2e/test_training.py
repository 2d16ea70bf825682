"""Training: a trainee shadows a round, then reverse-shadows one, then graduates (with one of
each, as set here); their scorecards stand apart in the debrief and never change the spread."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.app.replacements import decline
from bot.documents import load_library
from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text
from bot.outbox import LEASE
from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from bot.store.models import Assignment, Loop, Round
from tests.e2e.helpers import (
    MONDAY,
    card_in_dm,
    dm_texts,
    open_create,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_cant_make_it import _dm_with_button, _texts
from tests.e2e.test_debrief import _decide, summaries
from tests.e2e.test_panels import POOL, TEAM, _score

TRAINEE = ("tara.ldn", "Tara Quinn", "Europe/London", "U0TR00001")


def training_sandbox(
    tmp_path: Path,
    settings: dict | None = None,
    email=lambda handle: f"{handle}@example.com",
    *,
    panel: bool = False,
    database_url: str | None = None,
) -> Sandbox:
    """The seed documents with the trainee listed, one shadow and one reverse shadow to
    graduate, and the team (each with `email(handle)`); with `panel`, round 2 a pairing
    exercise (two interviewers and an observer). Not started."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text().replace("version: 1\n", "version: 1\ntrainees: [U0TR00001]\n", 1)
    if panel:
        heading = "### 2. Live AI Pairing\n"
        text = text.replace(heading, heading + "Type: Pairing Exercise\n", 1)
    loop.write_text(text)
    settings = {
        "loopbot_training_shadows": 1,
        "loopbot_training_reverse_shadows": 1,
        **(settings or {}),
    }
    sandbox = Sandbox(
        create_app, make_wsgi_app, docs=docs, settings=settings, database_url=database_url
    )
    ws = sandbox.emulator.workspace
    for i, (handle, name, tz) in enumerate(TEAM):
        ws.add_user(handle, name, email(handle), tz, id=f"U0TM0000{i}")
    handle, name, tz, user_id = TRAINEE
    ws.add_user(handle, name, email(handle), tz, id=user_id)
    return sandbox


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    with training_sandbox(tmp_path) as sandbox:
        sandbox.now = MONDAY
        yield sandbox
        assert not sandbox.emulator.violations


def _create(sb: Sandbox, first_day: str) -> tuple[str, str]:
    """A loop for a London candidate, the trainee among the pool; (short id, step 2's text)."""
    open_create(sb)
    answers = step_one_answers(
        sb,
        **{
            "Candidate's time zone": "Europe/London",
            "First interview day": first_day,
            "Panel Interviewer (PI) pool": [uid(sb, p) for p in [*POOL, TRAINEE[0]]],
        },
    )
    step2 = submit(sb, "oliver.rec", answers).json["view"]
    created = submit(sb, "oliver.rec", {})
    short_id = json.dumps(created.json["view"]["blocks"]).split("Loop `", 1)[1][:5]
    sb.emulator.close_view(uid(sb, "oliver.rec"))
    sb.dispatch()
    return short_id, "\n".join(blocks_as_text(step2["blocks"]))


def _rows(sb: Sandbox, short_id: str) -> list[tuple[int, str, str, str]]:
    """(round number, handle, letter, part) of every round seat of the loop."""
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rows = session.exec(
            select(Round.number, Assignment.user_id, Assignment.letter, Assignment.part)
            .join(Round, Round.id == Assignment.round_id)
            .where(Assignment.loop_id == loop.id, Assignment.active)
        ).all()
    name = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    return [(n, name[u], letter, part) for n, u, letter, part in rows]


def _trainee_round(sb: Sandbox, short_id: str) -> tuple[int, str]:
    ((number, part),) = [(n, p) for n, h, _, p in _rows(sb, short_id) if h == TRAINEE[0]]
    return number, part


def _home(sb: Sandbox, handle: str, expect: str) -> str:
    """The person's App Home once it shows `expect` (the latest published view otherwise)."""
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, handle), "tab": "home"})

    def text() -> str:
        view = sb.emulator.home_of(uid(sb, handle)) or {"blocks": []}
        return "\n".join(blocks_as_text(view["blocks"]))

    return wait_for(lambda: expect in text() and text()) or text()


def _interviewers(sb: Sandbox, short_id: str, number: int) -> list[str]:
    return [
        h
        for n, h, letter, part in _rows(sb, short_id)
        if n == number and letter == "R" and part == "interviewer"
    ]


def test_a_trainee_shadows_then_reverse_shadows_then_graduates(sb: Sandbox, tmp_path: Path) -> None:
    trainee = TRAINEE[0]
    first, step2 = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, first)
    assert part == "shadow"
    assert f"*Training:* @{uid(sb, trainee)} (" in step2  # with the time as they live it
    assert "): shadows (watches, and writes a practice scorecard)" in step2
    # A trainee never holds a round alone: every round has its own interviewer.
    assert all(_interviewers(sb, first, n) for n in range(1, 7))
    assert trainee not in {h for n in range(1, 7) for h in _interviewers(sb, first, n)}
    told = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, trainee))) if "you shadow" in t]
    assert told and f"{number}. " in told[0]
    # "Can't make it" takes a trainee off their own round (see the test below), no other.
    buttons = json.dumps([m.blocks for m in sb.emulator.dms_to(uid(sb, trainee))])
    assert f'"value": "{first}:{number}"' in buttons
    assert not [n for n in range(1, 7) if n != number and f'"{first}:{n}"' in buttons]
    lead = _interviewers(sb, first, number)[0]
    heard = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, lead))) if "shadows this round" in t]
    assert heard and f"@{uid(sb, trainee)} shadows this round" in heard[0]
    counts = "Shadows 0 of 1 · Reverse shadows 0 of 1"
    assert counts in _home(sb, trainee, counts)

    sb.dispatch(_starts(sb, first, number) - timedelta(hours=1))
    guides = [m for m in sb.emulator.dms_to(uid(sb, trainee)) if "ROUND GUIDE" in _plain(m)]
    assert guides and f'"{first}:{number}"' in json.dumps(guides[0].blocks)  # Can't make it

    # The trainee's "No Hire" is in before the panel's six "Hire": no split, no count of it.
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # every round of the first loop is over
    due = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, trainee))) if "has ended" in t]
    assert due and "your scorecard was due" in due[0]  # reminded as an interviewer is
    # ... but told what a practice scorecard is, and of no escalation: nobody is told it is late.
    assert "It is your practice scorecard: the round counts toward your training" in due[0]
    assert "The hiring manager and the recruiter" not in due[0]
    late = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, "maya.hm"))) if "are late" in t]
    assert late and uid(sb, trainee) not in "\n".join(late)  # a practice scorecard is not late
    _score(sb, first, number, trainee, "No Hire")
    for n in range(1, 7):
        _score(sb, first, n, _interviewers(sb, first, n)[0], "Hire")
    (summary,) = wait_for(lambda: summaries(sb, first))
    text = "\n".join(blocks_as_text(summary.blocks))
    assert (
        "The panel is split" not in text
        and "Hire 6" in text
        and "No Hire" not in text.split("*Trainees' scorecards*")[0]
    )
    assert "*Trainees' scorecards* (shown apart" in text
    assert f"Round {number} evidence from {trainee}." in text
    # The export files the practice scorecard apart too, and counts it nowhere.
    reply = json.loads(said(sb, "maya.hm", f"export {first}"))
    exported = "\n".join(b["text"]["text"].strip("`") for b in reply["blocks"])
    counted, apart = exported.split("## Trainees' Practice Scorecards")
    filed = tmp_path / "debrief.md"
    filed.write_text(exported)
    (record,) = load_library(tmp_path).debriefs.values()  # read back: the panel's six rounds
    assert [r.recommendation for r in record.rounds] == ["Hire"] * 6
    assert "No Hire" not in counted and "- Hire: 6" in apart.split("## Recommendation Spread")[1]
    named = sb.emulator.workspace.user(trainee).real_name  # the document is read outside Slack
    assert f"**No Hire** — Shadowed: {named}. Evidence: Round {number}" in apart
    compared = said(sb, "lena.lead", "calibration")
    assert uid(sb, _interviewers(sb, first, number)[0]) in compared
    assert uid(sb, trainee) not in compared  # nor in calibration
    counts = "Shadows 1 of 1 · Reverse shadows 0 of 1"
    assert counts in _home(sb, trainee, counts)
    listed = f"@{uid(sb, trainee)} shadows round {number} of loop `{first}` · {counts}"
    assert listed in _home(sb, "oliver.rec", listed)

    # The next loop: a reverse shadow, where the trainee leads and an interviewer observes.
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    second, step2 = _create(sb, "2026-12-04")
    number, part = _trainee_round(sb, second)
    assert part == "reverse_shadow" and "reverse-shadows (leads;" in step2
    told = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, trainee))) if "reverse shadow" in t]
    assert told and "observes and writes the scorecard that counts" in told[-1]  # one of them
    sb.now = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    _score(sb, second, number, trainee, "Strong Hire")
    counts = "Shadows 1 of 1 · Reverse shadows 1 of 1 · graduated"
    assert counts in _home(sb, trainee, counts)

    # Graduated: the next loop gives them rounds of their own, and no trainee seat.
    sb.now = datetime(2026, 12, 15, 8, 0, tzinfo=UTC)
    third, _ = _create(sb, "2026-12-16")
    theirs = [(n, letter, p) for n, h, letter, p in _rows(sb, third) if h == trainee]
    assert theirs and all(letter == "R" and p == "interviewer" for _, letter, p in theirs)


def _plain(message) -> str:
    return "\n".join(blocks_as_text(message.blocks or [])) or (message.text or "")


def test_a_trainee_s_missing_scorecard_never_holds_the_debrief(sb: Sandbox) -> None:
    """The six interviewers submit, the shadowing trainee does not: the summary is posted."""
    first, _ = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, first)
    assert part == "shadow"
    # Their list says what they are on the loop: a shadow, not its interviewer.
    assert f"`{first}`" in (listed := said(sb, TRAINEE[0], "list")) and "you: shadow" in listed
    # A trainee's seat is theirs to train in: a swap does not turn it into an interviewer's.
    sb.emulator.workspace.add_user("omar.ldn", "Omar Aziz", "omar@example.com", "Europe/London")
    trainee, spare = uid(sb, TRAINEE[0]), uid(sb, "omar.ldn")
    refused = said(sb, "oliver.rec", f"swap {first} {number} <@{spare}> <@{trainee}>")
    assert f"<@{trainee}> is training in {number}. " in refused
    assert (
        "a trainee's seat is not handed to someone else. To take them off it: "
        f"`/loop remove {first} {number} <@{trainee}>`."
    ) in refused
    assert _trainee_round(sb, first) == (number, "shadow")
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    for n in range(1, 7):
        _score(sb, first, n, _interviewers(sb, first, n)[0], "Hire")
    (summary,) = wait_for(lambda: summaries(sb, first))
    text = "\n".join(blocks_as_text(summary.blocks))
    assert "Hire 6" in text
    # The card counts what the loop waits for: every scorecard in, the trainee's not among them.
    from tests.e2e.helpers import card_in_channel

    def card() -> str:
        return "\n".join(blocks_as_text(card_in_channel(sb, first)[1].blocks))

    assert wait_for(lambda: "Scorecards in: 6 of 6." in card()), card()
    assert "pending" not in card()


def test_a_trainee_who_cannot_come_leaves_the_round_to_its_interviewer(sb: Sandbox) -> None:
    """*Can't make it* from a trainee: off the round at once (nobody is asked), the interviewer
    and the recruiter told, nothing more about the round to them, and no count toward their
    training: the next loop gives them the shadow again."""
    trainee, reason = TRAINEE[0], "Off sick that day."
    short_id, _ = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, short_id)
    assert part == "shadow"
    (lead,) = _interviewers(sb, short_id, number)
    name = next(r for r in _plain_rounds(sb, short_id) if r[0] == number)[1]

    home = _home(sb, trainee, "Can't make it")
    assert "Can't make it" in home
    assert f'"{short_id}:{number}"' in json.dumps(sb.emulator.home_of(uid(sb, trainee)))
    assigned = _dm_with_button(sb, trainee, "round_decline", containing=f":{number}")
    modal, intro = _press(sb, trainee, assigned)
    assert f"You shadow *{number}. {name}*" in intro
    assert f"takes you off the round at once (it goes ahead with @{uid(sb, lead)})" in intro
    assert modal["submit"]["text"] == "Take me off"
    errors = _because(sb, trainee, modal, "   ").json["errors"]
    assert errors == {"reason": "Say why, in a few words: the recruiter reads it."}
    assert _because(sb, trainee, modal, reason).status == 200

    assert [h for _, h, _, _ in _rows(sb, short_id)].count(trainee) == 0
    assert _interviewers(sb, short_id, number) == [lead]  # the round keeps its interviewer
    (thanks,) = wait_for(lambda: _texts(sb, trainee, "You're off"))
    assert f"You're off *{number}. {name}*" in thanks
    assert f"@{uid(sb, lead)} runs it without you" in thanks
    assert "It does not count toward your training" in thanks
    (heard,) = wait_for(lambda: _texts(sb, lead, "is off it"))
    assert f"@{uid(sb, trainee)} can't make *{number}. {name}*" in heard
    assert "and is off it: the round goes ahead as planned, without them." in heard
    assert reason not in heard  # the reason is the recruiter's to read
    (news,) = wait_for(lambda: _texts(sb, "oliver.rec", "is off it"))
    assert f"which they were to shadow, and is off it:\n>{reason}\n" in news
    assert f"@{uid(sb, lead)} runs it without them." in news
    assert not _texts(sb, "maya.hm", "is off it")  # the hiring manager's loop is unchanged
    card = wait_for(
        lambda: uid(sb, trainee) not in json.dumps(card_in_dm(sb, "oliver.rec", short_id).blocks)
    )
    assert card

    # The trainee is told it is off their hands, with a file that takes it out of their
    # calendar; then nothing more about the round reaches them, and the interviewer's messages
    # no longer speak of a trainee.
    sb.dispatch()
    (gone,) = _texts(sb, trainee, "You no longer")
    assert gone == (
        f"You no longer shadow *{number}. {name}* for *Juyoung Park* (loop `{short_id}`). Its "
        "reminders to you have stopped."
    )
    shared = [m.text for m in sb.emulator.dms_to(uid(sb, trainee)) if m.files]
    assert shared[-1].startswith(f"Remove it from your calendar: {number}. {name} with")
    (_, invited), *_, (name_of_file, ics) = sb.emulator.files_to(uid(sb, trainee))
    assert name_of_file.endswith(".ics") and b"STATUS:CANCELLED" in ics
    sequence = [int(Calendar.from_ical(c).walk("VEVENT")[0]["SEQUENCE"]) for c in (invited, ics)]
    assert sequence[1] > sequence[0]  # calendars take the cancel over the invite
    seen_trainee = len(dm_texts(sb, trainee))
    seen_lead = len(dm_texts(sb, lead))
    for hours in (-25, -1, 2, 30):
        sb.dispatch(_starts(sb, short_id, number) + timedelta(hours=hours))
    later = dm_texts(sb, trainee)[seen_trainee:]
    assert not [t for t in later if f"{number}. {name}" in t or name.upper() in t], later
    to_lead = dm_texts(sb, lead)[seen_lead:]
    assert to_lead and not [t for t in to_lead if "shadows this round" in t]
    counts = "Shadows 0 of 1 · Reverse shadows 0 of 1"
    assert counts in _home(sb, trainee, counts)

    # The round is no longer theirs: its old button and its scorecard are refused.
    before = len(sb.emulator.all_responses(trainee))
    sb.slack.click(trainee, "round_decline", message=assigned)
    again = wait_for(lambda: sb.emulator.all_responses(trainee)[before:])
    assert f"You're no longer on {number}. {name}." in json.dumps(again)
    refused = said(sb, trainee, f"scorecard {short_id} {number}")
    assert f"Only the interviewer of round {number}" in refused

    # The next loop gives them the shadow they missed.
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    second, _ = _create(sb, "2026-12-04")
    assert _trainee_round(sb, second)[1] == "shadow"


def _plain_rounds(sb: Sandbox, short_id: str) -> list[tuple[int, str]]:
    with sb.db.read() as session:
        return list(
            session.exec(
                select(Round.number, Round.name)
                .join(Loop, Loop.id == Round.loop_id)
                .where(Loop.short_id == short_id)
            ).all()
        )


def _starts(sb: Sandbox, short_id: str, number: int) -> datetime:
    with sb.db.read() as session:
        starts = session.exec(
            select(Round.starts_at)
            .join(Loop, Loop.id == Round.loop_id)
            .where(Loop.short_id == short_id, Round.number == number)
        ).one()
    assert starts is not None
    return starts.replace(tzinfo=UTC)


def test_a_reverse_shadow_stepping_out_hands_the_lead_back(sb: Sandbox) -> None:
    """The trainee was to lead: the interviewer, who was to observe, hears that they lead."""
    trainee = TRAINEE[0]
    first, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, first)
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    _score(sb, first, number, trainee, "Hire")  # the shadow is done
    second, _ = _create(sb, "2026-12-04")
    number, part = _trainee_round(sb, second)
    assert part == "reverse_shadow"
    (lead,) = _interviewers(sb, second, number)
    assigned = _dm_with_button(sb, trainee, "round_decline", containing=f"{second}:{number}")
    modal, intro = _press(sb, trainee, assigned)
    assert "You lead, as a reverse shadow, *" in intro
    assert f"(@{uid(sb, lead)} leads it instead)" in intro
    assert _because(sb, trainee, modal, "A family matter.").status == 200
    (heard,) = wait_for(lambda: _texts(sb, lead, f"loop `{second}`) and is off it"))
    assert (
        "they no longer lead it as a reverse shadow. You lead it, and your scorecard counts, "
        "as before." in heard
    )
    (news,) = wait_for(lambda: _texts(sb, "oliver.rec", f"loop `{second}`), which they"))
    assert "which they were to lead as a reverse shadow, and is off it:" in news
    assert "a later loop can give them the reverse shadow again." in news


def test_the_recruiter_takes_a_trainee_off_a_round(sb: Sandbox) -> None:
    """`/loop remove`: only for whoever may change the loop, only a trainee's seat; the trainee
    is told who took them off (with the file that takes it out of their calendar), the round's
    interviewer and the other people who run the loop hear it, and the round no longer counts
    toward their training."""
    trainee, rec = TRAINEE[0], "oliver.rec"
    short_id, _ = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, short_id)
    (lead,) = _interviewers(sb, short_id, number)
    name = next(r for r in _plain_rounds(sb, short_id) if r[0] == number)[1]
    at = f"*{number}. {name}* for *Juyoung Park*"
    command = f"remove {short_id} {number} <@{uid(sb, trainee)}>"

    assert said(sb, rec, f"remove {short_id} {number} {trainee}") == (
        "Mention the trainee: `/loop remove &lt;loop&gt; &lt;round&gt; @trainee`"
    )
    refused = said(sb, lead, command)
    assert refused.startswith("Only the loop's hiring manager, recruiter, creator or a loopbot")
    assert said(sb, rec, f"remove {short_id} {number} <@{uid(sb, lead)}>") == (
        f"<@{uid(sb, lead)}> is not training in {number}. {name}."
    )
    assert _trainee_round(sb, short_id) == (number, part)  # nothing changed

    files_before = len(sb.emulator.files_to(uid(sb, trainee)))
    answer = said(sb, rec, command)
    assert answer.startswith(f"<@{uid(sb, trainee)}> is off {at} (")
    assert (
        f"<@{uid(sb, lead)}> runs it without them. They and the round's people are told. It does "
        "not count toward their training; a later loop can give them the shadow again."
    ) in answer
    assert [h for _, h, _, _ in _rows(sb, short_id)].count(trainee) == 0
    assert _interviewers(sb, short_id, number) == [lead]
    (told,) = wait_for(lambda: _texts(sb, trainee, "took you off"))
    assert told.startswith(f"@{uid(sb, rec)} took you off {at} (")
    assert f"@{uid(sb, lead)} runs it without you. It does not count toward your training" in told
    (heard,) = wait_for(lambda: _texts(sb, lead, "took @"))
    assert heard.startswith(f"@{uid(sb, rec)} took @{uid(sb, trainee)} off {at} (")
    assert heard.endswith(": the round goes ahead as planned, without them.")
    assert not _texts(sb, rec, "took @")  # they took them off: the answer was theirs
    assert not _texts(sb, "maya.hm", "took @")  # the hiring manager's loop is unchanged
    sb.dispatch()
    (gone,) = _texts(sb, trainee, "You no longer")
    assert gone.startswith(f"You no longer shadow {at}")
    # With the file that takes it out of their calendar, as Can't make it sends.
    ((name_of_file, ics),) = sb.emulator.files_to(uid(sb, trainee))[files_before:]
    assert name_of_file.endswith(".ics") and b"STATUS:CANCELLED" in ics
    assert said(sb, rec, command) == f"<@{uid(sb, trainee)}> is not training in {number}. {name}."

    # The next loop gives them the shadow again.
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    second, _ = _create(sb, "2026-12-04")
    assert _trainee_round(sb, second)[1] == "shadow"


def test_a_trainee_taken_off_by_the_hiring_manager_is_news_to_the_recruiter(sb: Sandbox) -> None:
    """`/loop remove` by someone other than the recruiter: the loop's recruiter hears who took
    the trainee off, which round, and that it does not count toward their training."""
    trainee, hm, rec = TRAINEE[0], "maya.hm", "oliver.rec"
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    (lead,) = _interviewers(sb, short_id, number)
    name = next(r for r in _plain_rounds(sb, short_id) if r[0] == number)[1]
    answer = said(sb, hm, f"remove {short_id} {number} <@{uid(sb, trainee)}>")
    assert answer.startswith(f"<@{uid(sb, trainee)}> is off *{number}. {name}* for ")
    (heard,) = wait_for(lambda: _texts(sb, rec, "took @"))
    assert heard.startswith(
        f"@{uid(sb, hm)} took @{uid(sb, trainee)} off *{number}. {name}* for *Juyoung Park* ("
    )
    assert f"which they were to shadow. @{uid(sb, lead)} runs it without them." in heard
    assert heard.endswith(
        "It does not count toward their training; a later loop can give them the shadow again."
    )
    assert not _texts(sb, hm, "took @")  # who took them off has the answer
    (told,) = wait_for(lambda: _texts(sb, trainee, "took you off"))
    assert told.startswith(f"@{uid(sb, hm)} took you off *{number}. {name}*")


def test_the_recruiter_takes_a_trainee_off_from_app_home(sb: Sandbox) -> None:
    """App Home lists a recruiter the trainees on their loops, each with *Take off* (Slack asks
    first, saying what it does); pressed, the trainee is off, the recruiter's answer comes by DM
    and the Home no longer lists them. The hiring manager's Home offers no such button."""
    trainee, rec = TRAINEE[0], "oliver.rec"
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    line = f"@{uid(sb, trainee)} shadows round {number} of loop `{short_id}` · Shadows 0 of 1"
    assert line in _home(sb, rec, line)
    home = sb.emulator.home_of(uid(sb, rec))
    (off,) = [
        b["accessory"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == "home_trainee_off"
    ]
    assert off["value"] == f"{short_id}:{number}:{uid(sb, trainee)}"
    assert off["confirm"]["text"]["text"] == (
        f"They leave round {number} of loop {short_id}, as if they had said they can't make "
        "it, and are told who took them off; it does not count toward their training."
    )
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, "maya.hm"), "tab": "home"})
    hm_home = wait_for(lambda: sb.emulator.home_of(uid(sb, "maya.hm")))
    assert "Scorecards you owe" in json.dumps(hm_home)
    assert "home_trainee_off" not in json.dumps(hm_home)

    sb.slack.click(rec, "home_trainee_off", off["value"], view=home)
    (answer,) = wait_for(lambda: _texts(sb, rec, "is off *"))
    assert answer.startswith(f"@{uid(sb, trainee)} is off *{number}. ")
    assert _trainee_round_or_none(sb, short_id) is None
    assert wait_for(lambda: line not in json.dumps(sb.emulator.home_of(uid(sb, rec))))
    assert wait_for(lambda: _texts(sb, trainee, "took you off"))
    sb.slack.click(rec, "home_trainee_off", off["value"], view=home)  # a stale Home, again
    refused = f"<@{uid(sb, trainee)}> is not training in {number}. "
    assert wait_for(lambda: [m for m in sb.emulator.dms_to(uid(sb, rec)) if refused in m.text])


def test_app_home_offers_no_take_off_once_the_practice_scorecard_is_in(sb: Sandbox) -> None:
    """The round counts toward their training once their practice scorecard is in: the
    recruiter's Home still lists the trainee there, with no *Take off* to be refused."""
    trainee, rec = TRAINEE[0], "oliver.rec"
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # the round is over
    _score(sb, short_id, number, trainee, "Hire")
    line = f"@{uid(sb, trainee)} shadows round {number} of loop `{short_id}` · Shadows 1 of 1"
    assert line in _home(sb, rec, line)
    assert "home_trainee_off" not in json.dumps(sb.emulator.home_of(uid(sb, rec)))


def _trainee_round_or_none(sb: Sandbox, short_id: str) -> int | None:
    rounds = [n for n, h, _, _ in _rows(sb, short_id) if h == TRAINEE[0]]
    return rounds[0] if rounds else None


def test_a_trainee_s_leaving_is_told_even_if_the_process_dies_right_after(sb: Sandbox) -> None:
    """The trainee is off the round, then the process dies before the follow-up runs (here: it
    never runs): the interviewer and the recruiter still hear, from the dispatcher once the dead
    process's claim on the messages runs out."""
    trainee = TRAINEE[0]
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    (lead,) = _interviewers(sb, short_id, number)
    decline(sb.runtime, actor=uid(sb, trainee), ref=short_id, number=number, reason="Off sick.")
    later = LEASE + timedelta(seconds=1)
    sb.wait(later.total_seconds())
    sb.dispatch(sb.clock() + later)
    (heard,) = _texts(sb, lead, "is off it")
    assert f"@{uid(sb, trainee)} can't make *{number}. " in heard
    (news,) = _texts(sb, "oliver.rec", "is off it")
    assert "\n>Off sick.\n" in news


def test_a_trainee_who_missed_the_round_says_so_afterwards(sb: Sandbox) -> None:
    """The round has happened without them: *Can't make it* still takes them off it (told to
    the recruiter only), so it does not count and the next loop gives them the shadow again;
    not once their practice scorecard is in, when it counts."""
    trainee = TRAINEE[0]
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    (lead,) = _interviewers(sb, short_id, number)
    name = dict(_plain_rounds(sb, short_id))[number]
    sb.dispatch(_starts(sb, short_id, number) + timedelta(hours=3))
    (due,) = [
        m for m in sb.emulator.dms_to(uid(sb, trainee)) if "has ended" in _plain(m)
    ]  # their practice scorecard is due: "I missed it" beside "Open scorecard"
    assert "I missed it" in json.dumps(due.blocks)
    (theirs,) = [m for m in sb.emulator.dms_to(uid(sb, lead)) if "has ended" in _plain(m)]
    assert "round_decline" not in json.dumps(theirs.blocks)  # the interviewer's has none
    # The next morning's nudge says what a practice scorecard is, and carries the button too.
    sb.dispatch(_starts(sb, short_id, number).replace(hour=9) + timedelta(days=1))
    nudges = [m for m in sb.emulator.dms_to(uid(sb, trainee)) if "is still missing;" in _plain(m)]
    assert nudges
    nudged = nudges[0]
    assert "the debrief does not wait on it" in _plain(nudged)
    assert "The debrief waits on it" not in _plain(nudged) and "hiring manager" not in _plain(
        nudged
    )
    assert "I missed it" in json.dumps(nudged.blocks)
    modal, intro = _press(sb, trainee, due)
    assert (
        f"You were to shadow *{number}. {name}*" in intro and "If you missed it, say why" in intro
    )
    heard_before = len(dm_texts(sb, lead))
    assert _because(sb, trainee, modal, "Stuck on a train.").status == 200
    (news,) = wait_for(lambda: _texts(sb, "oliver.rec", "is off it"))
    assert news.startswith(f"@{uid(sb, trainee)} missed *{number}. {name}*")
    assert news.endswith(
        ">Stuck on a train.\nIt does not count toward their training; a later loop can give "
        "them the shadow again."
    )
    (thanks,) = wait_for(lambda: _texts(sb, trainee, "You're off"))
    assert "runs it without you" not in thanks
    assert f"and @{uid(sb, 'oliver.rec')} knows." in thanks  # who reads why, by name
    sb.dispatch()
    assert not [t for t in dm_texts(sb, lead)[heard_before:] if "is off it" in t]
    assert not _texts(sb, trainee, "You no longer")  # the round was held: nothing to undo
    sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    second, _ = _create(sb, "2026-12-04")
    assert _trainee_round(sb, second)[1] == "shadow"

    # Their scorecard for the second is in once it has happened: it counts, no leaving it.
    number = _trainee_round(sb, second)[0]
    sb.now = _starts(sb, second, number) + timedelta(hours=3)
    _score(sb, second, number, trainee, "Hire")
    assigned = _dm_with_button(sb, trainee, "round_decline", containing=f"{second}:{number}")
    before = len(sb.emulator.all_responses(trainee))
    sb.slack.click(trainee, "round_decline", message=assigned)
    refused = wait_for(lambda: sb.emulator.all_responses(trainee)[before:])
    second_name = dict(_plain_rounds(sb, second))[number]
    assert (
        f"Your practice scorecard for {number}. {second_name} is in: the round counts toward "
        "your training." in json.dumps(refused)
    )
    assert not sb.emulator.open_views(uid(sb, trainee))  # refused at the click, no modal


def test_a_trainee_is_never_asked_to_take_a_round_over(sb: Sandbox) -> None:
    """Off their shadow, the trainee is free in the loop again, but not graduated: when the
    interviewer cannot make it either, loopbot asks someone else or hands the round to the
    recruiter, never the trainee."""
    trainee = TRAINEE[0]
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    (lead,) = _interviewers(sb, short_id, number)
    for who, why in ((trainee, "Off sick that day."), (lead, "A clash I cannot move.")):
        assigned = _dm_with_button(sb, who, "round_decline", containing=f"{short_id}:{number}")
        modal, _ = _press(sb, who, assigned)
        assert _because(sb, who, modal, why).status == 200
    (thanks,) = wait_for(lambda: _texts(sb, lead, "Thanks for saying so"))
    assert f"@{uid(sb, trainee)}" not in thanks
    sb.dispatch()
    assert not [t for t in dm_texts(sb, trainee) if t.startswith("Can you ")]


def test_on_a_panel_each_of_the_round_s_people_hears_who_leads_now(tmp_path: Path) -> None:
    """A reverse shadow on a panel round (two interviewers and an observer) steps out: the lead
    leads, the other interviewer and the observer are told who does."""
    with training_sandbox(tmp_path, panel=True) as sb:
        sb.now = MONDAY
        first, _ = _create(sb, "2026-11-24")
        number, _ = _trainee_round(sb, first)
        sb.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
        _score(sb, first, number, TRAINEE[0], "Hire")
        second, _ = _create(sb, "2026-12-04")
        number, part = _trainee_round(sb, second)
        panel = _interviewers(sb, second, number)
        (observer,) = [h for n, h, letter, _ in _rows(sb, second) if n == number and letter == "O"]
        assert part == "reverse_shadow" and len(panel) == 2
        trainee, (lead, other) = TRAINEE[0], panel
        # The observer's guide: the trainee leads, the interviewers score; nothing of theirs.
        sb.slack.event({"type": "app_home_opened", "user": uid(sb, observer), "tab": "home"})
        home = wait_for(lambda: sb.emulator.home_of(uid(sb, observer)))
        sb.slack.click(observer, "home_open_guide", f"{second}:{number}", view=home)
        guide = wait_for(
            lambda: sb.emulator.open_views(uid(sb, observer)) and top_view(sb, observer)
        )
        read = "\n".join(blocks_as_text(guide["blocks"]))
        assert f"@{uid(sb, trainee)} leads this round as a reverse shadow; " in read
        assert "write the scorecard that counts" in read and "you observe, and write" not in read
        assert "You observe: no scorecard from you." in read
        sb.emulator.close_view(uid(sb, observer))
        assigned = _dm_with_button(sb, trainee, "round_decline", containing=f"{second}:{number}")
        modal, _ = _press(sb, trainee, assigned)
        assert f"(@{uid(sb, lead)} leads it instead)" in "\n".join(blocks_as_text(modal["blocks"]))
        assert _because(sb, trainee, modal, "A family matter.").status == 200
        said_to = {
            who: wait_for(lambda w=who: _texts(sb, w, f"loop `{second}`) and is off it"))
            for who in (lead, other, observer)
        }
        assert said_to[lead][0].endswith("You lead it, and your scorecard counts, as before.")
        assert said_to[other][0].endswith(
            f"@{uid(sb, lead)} leads it, and your scorecard counts, as before."
        )
        assert said_to[observer][0].endswith(f"@{uid(sb, lead)} leads it.")
        (thanks,) = wait_for(lambda: _texts(sb, trainee, "You're off"))
        assert f"@{uid(sb, lead)} and @{uid(sb, other)} run it without you" in thanks


def test_a_practice_scorecard_written_before_stepping_out_is_never_counted(sb: Sandbox) -> None:
    trainee = TRAINEE[0]
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    _score(sb, short_id, number, trainee, "No Hire")  # early, then they cannot come
    assigned = _dm_with_button(sb, trainee, "round_decline", containing=f":{number}")
    modal, _ = _press(sb, trainee, assigned)
    assert _because(sb, trainee, modal, "Off sick that day.").status == 200
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    for n in range(1, 7):
        _score(sb, short_id, n, _interviewers(sb, short_id, n)[0], "Hire")
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    counted = "\n".join(blocks_as_text(summary.blocks)).split("*Trainees' scorecards*")[0]
    assert "Hire 6" in counted and "No Hire" not in counted
    reply = json.loads(said(sb, "maya.hm", f"export {short_id}"))
    exported = "\n".join(b["text"]["text"].strip("`") for b in reply["blocks"])
    assert "No Hire" not in exported.split("## Trainees' Practice Scorecards")[0]


def test_two_trainees_get_a_round_each_and_one_who_is_not_free_gets_none(
    tmp_path: Path,
) -> None:
    """Two trainees on the loop: at most one trainee a round and one round each, step 2 naming
    both. A third, whose day does not meet the candidate's, is added nowhere."""
    sandbox = training_sandbox(tmp_path)
    loop = tmp_path / "docs" / "loops" / "ai-first-engineering.md"
    loop.write_text(
        loop.read_text().replace(
            "trainees: [U0TR00001]", "trainees: [U0TR00001, U0TR00002, U0TR00003]"
        )
    )
    ws = sandbox.emulator.workspace
    ws.add_user("una.ldn", "Una Byrne", "una.ldn@example.com", "Europe/London", id="U0TR00002")
    ws.add_user("kai.akl", "Kai Ngata", "kai.akl@example.com", "Pacific/Auckland", id="U0TR00003")
    with sandbox as sb:
        sb.now = MONDAY
        open_create(sb)
        pool = [*POOL, TRAINEE[0], "una.ldn", "kai.akl"]
        answers = step_one_answers(
            sb,
            **{
                "Candidate's time zone": "Europe/London",
                "First interview day": "2026-11-24",
                "Panel Interviewer (PI) pool": [uid(sb, p) for p in pool],
            },
        )
        step2 = "\n".join(blocks_as_text(submit(sb, "oliver.rec", answers).json["view"]["blocks"]))
        created = submit(sb, "oliver.rec", {})
        short_id = json.dumps(created.json["view"]["blocks"]).split("Loop `", 1)[1][:5]
        seats = [
            (n, h) for n, h, _, part in _rows(sb, short_id) if part in ("shadow", "reverse_shadow")
        ]
    rounds = [n for n, _ in seats]
    trainees = [h for _, h in seats]
    assert sorted(trainees) == [TRAINEE[0], "una.ldn"]
    assert len(set(rounds)) == len(rounds) == 2  # one trainee a round, one round each
    training = [line for line in step2.splitlines() if "*Training:*" in line]
    for user in ("U0TR00001", "U0TR00002"):
        assert [line for line in training if f"*Training:* @{user} (" in line], training
    assert not [line for line in training if "U0TR00003" in line]


def test_remove_is_refused_once_the_trainee_s_practice_scorecard_is_in(sb: Sandbox) -> None:
    """Their scorecard in, the round counts toward their training: taking them off now would
    undo what happened, so `/loop remove` says why not and changes nothing."""
    trainee = TRAINEE[0]
    short_id, _ = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, short_id)
    name = next(r for r in _plain_rounds(sb, short_id) if r[0] == number)[1]
    _score(sb, short_id, number, trainee, "Hire")
    refused = said(sb, "oliver.rec", f"remove {short_id} {number} <@{uid(sb, trainee)}>")
    assert refused == (
        f"<@{uid(sb, trainee)}>'s practice scorecard for {number}. {name} is in: the round "
        "counts toward their training."
    )
    assert _trainee_round(sb, short_id) == (number, part)
    sb.dispatch()
    assert not _texts(sb, trainee, "took you off")


def test_a_shadow_missed_without_a_word_stops_holding_them_back_once_the_loop_is_decided(
    sb: Sandbox,
) -> None:
    """The trainee neither came nor said so: while their practice scorecard may still come, the
    round holds their next shadow; once the decision locks the scorecards it cannot count, and
    the next loop gives them the shadow again."""
    trainee = TRAINEE[0]
    first, _ = _create(sb, "2026-11-24")
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    for n in range(1, 7):
        _score(sb, first, n, _interviewers(sb, first, n)[0], "Hire")
    sb.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    waiting, _ = _create(sb, "2026-12-04")
    assert trainee not in [h for _, h, _, _ in _rows(sb, waiting)]  # their scorecard may come
    _decide(sb, first, "maya.hm", "Hire")
    sb.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    again, _ = _create(sb, "2026-12-08")
    assert _trainee_round(sb, again)[1] == "shadow"


def _press(sb: Sandbox, who: str, message) -> tuple[dict, str]:
    """`who` presses *Can't make it* (or *I missed it*) on `message`: the modal, and its text."""
    sb.slack.click(who, "round_decline", message=message)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    return modal, "\n".join(blocks_as_text(modal["blocks"]))


def _because(sb: Sandbox, who: str, modal: dict, reason: str):
    """The modal submitted with `reason` as the answer to "Why not?"."""
    values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": reason})
    return sb.slack.submit(who, modal, values)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_double_submit_takes_the_trainee_off_once(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    """The modal submitted twice at once (a double click, two replicas): one leaving, one
    answer that they are off already; every message once."""
    url = request.getfixturevalue("postgres_url") if engine == "postgresql" else None
    with training_sandbox(tmp_path, database_url=url) as sb:
        sb.now = MONDAY
        trainee = TRAINEE[0]
        short_id, _ = _create(sb, "2026-11-24")
        number, _ = _trainee_round(sb, short_id)
        (lead,) = _interviewers(sb, short_id, number)
        assigned = _dm_with_button(sb, trainee, "round_decline", containing=f":{number}")
        modal, _ = _press(sb, trainee, assigned)
        start = threading.Barrier(2)

        def send():
            start.wait()
            return _because(sb, trainee, modal, "Off sick that day.")

        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = [r.json for r in pool.map(lambda _: send(), range(2))]
        name = dict(_plain_rounds(sb, short_id))[number]
        refusal = f"You're no longer on {number}. {name}."
        assert sorted(replies, key=bool) == [
            None,
            {"response_action": "errors", "errors": {"reason": refusal}},
        ]
        sb.dispatch()
        assert len(wait_for(lambda: _texts(sb, trainee, "You're off"))) == 1
        assert len(wait_for(lambda: _texts(sb, lead, "is off it"))) == 1
        assert len(wait_for(lambda: _texts(sb, "oliver.rec", "is off it"))) == 1
        assert len(_texts(sb, trainee, "You no longer shadow")) == 1


def test_a_trainee_reads_others_scorecards_and_the_channel_once_their_practice_card_is_in(
    sb: Sandbox,
) -> None:
    """The who-sees-what table counts a trainee as the round's interviewer: blind until their
    own (practice) scorecard is in, then reading the others' and in the loop's channel."""
    from tests.e2e.helpers import card_in_channel, members_of_loop_channel
    from tests.e2e.test_visibility import _read_modal

    short_id, _ = _create(sb, "2026-11-24")
    assert wait_for(lambda: card_in_channel(sb, short_id))
    number, _ = _trainee_round(sb, short_id)
    other = next(n for n in range(1, 7) if n != number)
    author = _interviewers(sb, short_id, other)[0]
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    _score(sb, short_id, other, author, "Hire")
    evidence = f"Round {other} evidence from {author}."
    trainee = TRAINEE[0]
    assert evidence not in _read_modal(sb, trainee, short_id)
    assert trainee not in members_of_loop_channel(sb, short_id)
    _score(sb, short_id, number, trainee, "Mixed")
    assert wait_for(lambda: trainee in members_of_loop_channel(sb, short_id))
    assert evidence in _read_modal(sb, trainee, short_id)


def test_a_trainee_s_first_reminder_raises_no_late_scorecards_message(sb: Sandbox) -> None:
    """A practice scorecard is never late to the hiring manager: when the trainee's first
    reminder goes as the round ends, the hiring manager and recruiter hear of nothing late that
    day (the interviewer's own scorecard reaches its escalation day days later)."""
    short_id, _ = _create(sb, "2026-11-24")
    number, _ = _trainee_round(sb, short_id)
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(Round.number == number)).one()
    ended = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
    for minutes in (60, 61, 120, 240):
        sb.dispatch(ended + timedelta(minutes=minutes))
    trainee_reminded = [t for t in dm_texts(sb, TRAINEE[0]) if "practice scorecard" in t]
    assert trainee_reminded
    for organiser in ("maya.hm", "oliver.rec"):
        assert not [t for t in dm_texts(sb, organiser) if " late for *" in t], organiser


def test_a_shadow_is_told_they_shadow_and_their_guide_quotes_no_interviewer_part(
    sb: Sandbox,
) -> None:
    short_id, _ = _create(sb, "2026-11-24")
    number, part = _trainee_round(sb, short_id)
    assert part == "shadow"
    (assigned,) = [
        t for t in dm_texts(sb, TRAINEE[0]) if f"*{number}. " in t and "shadow" in t.lower()
    ]
    assert assigned.startswith(f"You're shadowing *{number}. ")
    assert "You're interviewing" not in assigned
    # The training note is a paragraph of its own, not run into the sentence before it.
    assert "\n\n*Training:* you shadow this round" in assigned
    # The card and `/loop show` name them a shadow, not one more interviewer of the round.
    assert f"<@{uid(sb, TRAINEE[0])}> (shadow)" in said(sb, "oliver.rec", f"show {short_id}")
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(Round.number == number)).one()
    sb.dispatch(rnd.starts_at - timedelta(minutes=30))
    guide = "\n".join(t for t in dm_texts(sb, TRAINEE[0]) if t.startswith("ROUND GUIDE"))
    assert "*Training:* you shadow this round" in guide
    assert "*Your part (R):*" not in guide  # the interviewer's part is not theirs
    interviewer = _interviewers(sb, short_id, number)[0]
    told = "\n".join(t for t in dm_texts(sb, interviewer) if t.startswith("ROUND GUIDE"))
    assert "*Your part (R):*" in told
