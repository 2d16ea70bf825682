"""Training: a trainee shadows a round, then reverse-shadows one, then graduates (with one of
each, as set here); their scorecards stand apart in the debrief and never change the spread."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.documents import load_library
from bot.emulator.transcript import blocks_as_text
from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from bot.store.models import Assignment, Loop, Round
from tests.e2e.helpers import MONDAY, open_create, said, step_one_answers, submit, uid, wait_for
from tests.e2e.test_debrief import summaries
from tests.e2e.test_panels import POOL, TEAM, _score

TRAINEE = ("tara.ldn", "Tara Quinn", "Europe/London", "U0TR00001")


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    loop.write_text(
        loop.read_text().replace("version: 1\n", "version: 1\ntrainees: [U0TR00001]\n", 1)
    )
    settings = {"loopbot_training_shadows": 1, "loopbot_training_reverse_shadows": 1}
    sandbox = Sandbox(create_app, make_wsgi_app, docs=docs, settings=settings)
    ws = sandbox.emulator.workspace
    for i, (handle, name, tz) in enumerate(TEAM):
        ws.add_user(handle, name, f"{handle}@example.com", tz, id=f"U0TM0000{i}")
    handle, name, tz, user_id = TRAINEE
    ws.add_user(handle, name, f"{handle}@example.com", tz, id=user_id)
    with sandbox:
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
    # Not theirs to hand on: no "Can't make it" for a trainee.
    assert "round_decline" not in json.dumps(
        [m.blocks for m in sb.emulator.dms_to(uid(sb, trainee))]
    )
    lead = _interviewers(sb, first, number)[0]
    heard = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, lead))) if "shadows this round" in t]
    assert heard and f"@{uid(sb, trainee)} shadows this round" in heard[0]
    counts = "Shadows 0 of 1 · Reverse shadows 0 of 1"
    assert counts in _home(sb, trainee, counts)

    # The trainee's "No Hire" is in before the panel's six "Hire": no split, no count of it.
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # every round of the first loop is over
    due = [t for t in map(_plain, sb.emulator.dms_to(uid(sb, trainee))) if "has ended" in t]
    assert due and "your scorecard was due" in due[0]  # reminded as an interviewer is
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
    assert f"**No Hire** — Shadowed: {uid(sb, trainee)}. Evidence: Round {number}" in apart
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
    assert told and "write the scorecard that counts" in told[-1]
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
    # A trainee's seat is theirs to train in: a swap does not turn it into an interviewer's.
    sb.emulator.workspace.add_user("omar.ldn", "Omar Aziz", "omar@example.com", "Europe/London")
    trainee, spare = uid(sb, TRAINEE[0]), uid(sb, "omar.ldn")
    refused = said(sb, "oliver.rec", f"swap {first} {number} <@{spare}> <@{trainee}>")
    assert f"<@{trainee}> is training in {number}. " in refused
    assert "a trainee's seat is not handed to someone else." in refused
    assert _trainee_round(sb, first) == (number, "shadow")
    sb.dispatch(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    for n in range(1, 7):
        _score(sb, first, n, _interviewers(sb, first, n)[0], "Hire")
    (summary,) = wait_for(lambda: summaries(sb, first))
    text = "\n".join(blocks_as_text(summary.blocks))
    assert "Hire 6" in text
