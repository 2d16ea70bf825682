"""Two changes to one loop at once (a double click, two people, two replicas) are taken one
after the other, each answered as it would be alone, on both engines. On PostgreSQL both used to
read the loop as it was, and the second was answered "Something went wrong"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Loop, Round, Scorecard
from tests.e2e.helpers import HM, REC, XS, dm_texts, top_view, uid, wait_for
from tests.e2e.test_cant_make_it import _first_pool_round, _loop, _sandbox
from tests.e2e.test_debrief import summaries
from tests.e2e.test_scorecards import owner


@pytest.fixture(params=["sqlite", "postgresql"])
def sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The team's sandbox, on each engine."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    sandbox = _sandbox(url)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _at_once(sb: Sandbox, *typed: tuple[str, str]) -> list[str]:
    """Each (person, text) typed as `/loop text` at the same instant; the answers, sorted."""
    start = threading.Barrier(len(typed))
    before = len(sb.emulator.all_responses())

    def send(person_text: tuple[str, str]) -> int:
        start.wait()
        return sb.slack.command(person_text[0], "/loop", person_text[1]).status

    with ThreadPoolExecutor(max_workers=len(typed)) as pool:
        assert list(pool.map(send, typed)) == [200] * len(typed)
    answers = wait_for(
        lambda: (
            len(sb.emulator.all_responses()) >= before + len(typed)
            and sb.emulator.all_responses()[before:]
        )
    )
    return sorted(a["text"] for a in answers)


def _submitted_twice(sb: Sandbox, who: str, fill: dict[str, str]) -> list:
    """The modal `who` has open, filled in and submitted twice at the same instant (a double
    click); the two replies."""
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    values = ModalForm(modal, sb.emulator.workspace).fill(fill)
    start = threading.Barrier(2)

    def send(_: int):
        start.wait()
        return sb.slack.submit(who, modal, values).json

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(send, range(2)))


def _round(sb: Sandbox, number: int) -> tuple[Round, list[str]]:
    """The round and who runs it now."""
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(Round.number == number)).one()
        runners = session.exec(
            select(Assignment.user_id).where(
                Assignment.round_id == rnd.id, Assignment.letter == "R", Assignment.active
            )
        ).all()
    return rnd, list(runners)


def test_changes_to_one_loop_at_once_are_taken_one_after_the_other(sb: Sandbox) -> None:
    short_id = _loop(sb)
    number, name, _ = _first_pool_round(sb)
    ws = sb.emulator.workspace

    twice = [(HM, f"finalist {short_id}")] * 2
    assert _at_once(sb, *twice) == [
        f"Juyoung Park is already a finalist (loop `{short_id}`).",
        f"Juyoung Park is marked a finalist (loop `{short_id}`); the Executive Sponsor "
        f"<@{uid(sb, XS)}> is told.",
    ]
    sb.dispatch()
    assert len([t for t in dm_texts(sb, XS) if "finalist" in t]) == 1

    opened = _at_once(sb, *[(HM, f"debrief {short_id}")] * 2)
    assert opened[0] == f"The debrief for loop `{short_id}` is already open."
    assert opened[1].startswith(f"The debrief for loop `{short_id}` is open; its summary")
    assert len(summaries(sb, short_id)) == 1  # each answer came after its posting

    version = _round(sb, number)[0].version
    moved = _at_once(
        sb,
        (REC, f"reschedule {short_id} {number} 2026-12-01 10:00"),
        (HM, f"reschedule {short_id} {number} 2026-12-01 11:00"),
    )
    assert all(a.startswith(f"Moved {number}. {name} of loop `{short_id}`") for a in moved)
    assert _round(sb, number)[0].version == version + 2

    nora, omar = ws.user("nora.pool").id, ws.user("omar.pool").id
    swapped = _at_once(
        sb,
        (REC, f"swap {short_id} {number} <@{nora}>"),
        (HM, f"swap {short_id} {number} <@{omar}>"),
    )
    assert [a.split(" Note: ")[0] for a in swapped] == sorted(
        f"<@{who}> now runs {number}. {name} of loop `{short_id}`." for who in (nora, omar)
    )
    assert _round(sb, number)[1] in ([nora], [omar])

    cancelled = _at_once(sb, (REC, f"cancel {short_id}"), (HM, f"cancel {short_id}"))
    assert cancelled == [
        f"Loop `{short_id}` is cancelled.",
        f"Loop `{short_id}` is cancelled; everyone in it is being told.",
    ]
    sb.dispatch()
    assert len([t for t in dm_texts(sb, REC) if f"`{short_id}` for" in t]) == 1
    with sb.db.read() as session:
        assert session.exec(select(Loop.status)).one() == "cancelled"


def test_a_scorecard_and_the_decision_submitted_twice_at_once_count_once(sb: Sandbox) -> None:
    short_id = _loop(sb)
    number, name, _ = _first_pool_round(sb)
    who = owner(sb, short_id, number)
    sb.slack.command(who, "/loop", f"scorecard {short_id} {number}")
    opened = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    form = ModalForm(opened, sb.emulator.workspace)
    asked = [f for f in form.fields if not f.block_id.endswith("evidence")]
    answers = {f.label: "Solid" for f in asked if f.block_id.startswith("signal:")}
    answers |= {f.label: "PROVEN" for f in asked if f.block_id.startswith("value:")}
    answers |= {"Overall recommendation": "Hire", "Key evidence": "Clear tests first."}
    assert _submitted_twice(sb, who, answers) == [{"response_action": "clear"}] * 2
    with sb.db.read() as session:  # both stored before their replies
        assert session.exec(select(Scorecard.revision)).all() == [1]

    sb.slack.command(HM, "/loop", f"debrief {short_id}")
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    hire = next(
        e
        for b in summary.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Hire"
    )
    sb.slack.click(HM, hire["action_id"], hire["value"], message=summary)
    replies = _submitted_twice(sb, HM, {"Reason": "Strong panel."})
    assert replies == [{"response_action": "clear"}] * 2
    sb.dispatch()
    assert len([t for t in dm_texts(sb, REC) if "recorded *Hire*" in t]) == 1
    receipts = wait_for(
        lambda: [t for t in dm_texts(sb, who) if t.startswith("*Your scorecard for")]
    )
    assert [r.split("*")[1] for r in receipts] == [
        f"Your scorecard for {number}. {name} with Juyoung Park is in."
    ]
    assert not [t for t in dm_texts(sb, who) + dm_texts(sb, HM) if "went wrong" in t]
