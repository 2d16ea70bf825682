"""Who is told of a loop by DM, event by event, driven through the real handlers: the README's
who-sees-what rows "hear …". An admin makes the changes (holding no role, they
are nobody's news); the hiring manager records the decision."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.sandbox import Sandbox
from tests.app.test_who_sees_what import ADMIN, IDLE, ROLES, _loop, _sandbox, allowed, cast
from tests.e2e.helpers import HM, said, uid, wait_for
from tests.e2e.test_debrief import _decide, summaries


def _told(sb: Sandbox, short_id: str, people: dict[str, str]) -> dict[str, int]:
    """How many DMs each role's person has that name the loop."""
    return {
        role: sum(
            short_id in json.dumps(m.to_slack(), ensure_ascii=False)
            for m in sb.emulator.dms_to(people.get(role, role))
        )
        for role in ROLES
    }


def _news(sb: Sandbox, short_id: str, people: dict[str, str], act) -> list[str]:
    """The README's roles whose person got a new DM naming the loop once `act` is done."""
    sb.dispatch()
    before = _told(sb, short_id, people)
    act()
    sb.dispatch()
    after = _told(sb, short_id, people)
    return sorted(role for role in ROLES if after[role] > before[role])


@pytest.fixture(scope="module")
def story():
    sb = _sandbox()
    try:
        yield sb
    finally:
        sb.stop()


def _expected(action: str, *, finalist: bool) -> list[str]:
    return sorted(allowed(action, finalist=finalist))


def _finalist(sb: Sandbox, short_id: str, finalist: bool) -> None:
    if finalist:
        assert "finalist" in said(sb, HM, f"finalist {short_id}")


@pytest.mark.parametrize("finalist", [False, True])
def test_a_round_changed(story, finalist: bool) -> None:
    sb = story
    short_id = _loop(sb)
    people = cast(sb, short_id)
    _finalist(sb, short_id, finalist)
    number = people["round"]
    from bot.loops.queries import find_loop, rounds_of

    with sb.db.read() as session:
        rnd = next(
            r for r in rounds_of(session, find_loop(session, short_id)) if str(r.number) == number
        )
        moved = (rnd.starts_at + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    heard = _news(
        sb, short_id, people, lambda: said(sb, ADMIN, f"reschedule {short_id} {number} {moved}")
    )
    assert heard == _expected("hear a round changed", finalist=finalist)


def test_a_round_swapped(story) -> None:
    """On a swap the round's interviewer is both the one who left and the one who took it
    (here the idle pool member): each hears, as the table's other roles do."""
    sb = story
    short_id = _loop(sb)
    people = cast(sb, short_id)
    taker = uid(sb, people[IDLE])
    swap = f"swap {short_id} {people['round']} <@{taker}>"
    heard = _news(sb, short_id, people, lambda: said(sb, ADMIN, swap))
    assert heard == sorted({*_expected("hear a round changed", finalist=False), IDLE})


@pytest.mark.parametrize("finalist", [False, True])
def test_the_loop_is_cancelled(story, finalist: bool) -> None:
    sb = story
    short_id = _loop(sb)
    people = cast(sb, short_id)
    _finalist(sb, short_id, finalist)
    heard = _news(sb, short_id, people, lambda: said(sb, ADMIN, f"cancel {short_id}"))
    assert heard == _expected("hear the loop is cancelled", finalist=finalist)


def test_the_decision(story) -> None:
    sb = story
    short_id = _loop(sb)
    people = cast(sb, short_id)
    assert "is open" in said(sb, HM, f"debrief {short_id}")
    wait_for(lambda: summaries(sb, short_id))
    heard = _news(sb, short_id, people, lambda: _decide(sb, short_id, HM, "Hire"))
    assert heard == _expected("hear the decision", finalist=True)  # a Hire
