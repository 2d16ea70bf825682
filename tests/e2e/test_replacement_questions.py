"""The questions a replacement is asked: withdrawn when a change by hand settles the round
(also while one is on its way), and answered within the asked person's working hours, never
past the cut-off before the interview."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import Done
from bot.app.replacements import expire_asks
from bot.emulator.chat import Message
from bot.errors import InvalidInput
from bot.sandbox import Sandbox
from bot.store.models import Round
from tests.e2e.helpers import REC, said, uid, wait_for
from tests.e2e.test_cant_make_it import (
    EXTRA_POOL,
    _a_question_open,
    _asked,
    _dm_with_button,
    _first_pool_round,
    _loop,
    _owner,
    _sandbox,
    _say_cant_make_it,
)
from tests.e2e.test_cant_make_it import team as team  # noqa: F401 - the fixture


@pytest.mark.parametrize("by_hand", ["swap", "cancel"])
def test_a_swap_or_a_cancel_by_hand_withdraws_the_open_question(
    team: Sandbox, by_hand: str
) -> None:
    """The asked person's question then says it is withdrawn and who runs the round now (or
    that the loop was cancelled), its Accept and Decline gone; a click on an old copy changes
    nothing."""
    sb = team
    short_id, number, name, leaving, asked, question = _a_question_open(sb)
    value = next(
        e["value"] for b in question.blocks if b["type"] == "actions" for e in b["elements"]
    )
    if by_hand == "swap":
        others = [h for h in EXTRA_POOL if h not in (asked, leaving)]
        newcomer = next(
            h
            for h in others
            if "now runs" in said(sb, REC, f"swap {short_id} {number} <@{uid(sb, h)}>")
        )
        expected = f"is withdrawn: <@{uid(sb, newcomer)}> now runs it."
    else:
        assert "is cancelled" in said(sb, REC, f"cancel {short_id}")
        newcomer, expected = leaving, "is withdrawn: the loop was cancelled."

    def withdrawn() -> Message | None:
        return next(
            (
                m
                for m in sb.emulator.dms_to(uid(sb, asked))
                if m.ts == question.ts and m.text and expected in m.text
            ),
            None,
        )

    edited = wait_for(withdrawn)
    assert edited, [m.text for m in sb.emulator.dms_to(uid(sb, asked))]
    assert f"*{number}. {name}*" in edited.text and f"loop `{short_id}`" in edited.text
    assert "replacement_accept" not in json.dumps(edited.blocks or [])
    channel = sb.emulator.workspace.im_for(uid(sb, asked)).id
    sb.slack.click(asked, "replacement_accept", value, channel_id=channel)
    assert "no longer needs an answer" in json.dumps(
        wait_for(lambda: sb.emulator.all_responses(asked))
    )
    assert _owner(sb, number) == newcomer


def test_a_later_change_restates_the_withdrawn_question(team: Sandbox) -> None:
    """Withdrawn by a swap, the question names who runs the round; a second swap, then a cancel,
    each edit it again, so it never names someone who no longer runs the round."""
    sb = team
    short_id, number, _, leaving, asked, question = _a_question_open(sb)
    others = [h for h in EXTRA_POOL if h not in (asked, leaving)]

    def says() -> str:
        shown = next(m for m in sb.emulator.dms_to(uid(sb, asked)) if m.ts == question.ts)
        return shown.text or ""

    runners = []
    for newcomer in others:
        if len(runners) == 2:
            break
        if "now runs" in said(sb, REC, f"swap {short_id} {number} <@{uid(sb, newcomer)}>"):
            runners.append(newcomer)
            expected = f"is withdrawn: <@{uid(sb, newcomer)}> now runs it."
            assert wait_for(lambda expected=expected: expected in says()), says()
    assert len(runners) == 2, "two swaps went through"
    assert "is cancelled" in said(sb, REC, f"cancel {short_id}")
    assert wait_for(lambda: "is withdrawn: the loop was cancelled." in says()), says()


def test_a_question_asked_at_night_is_answered_in_the_asked_person_s_working_hours(
    team: Sandbox,
) -> None:
    """Said at 02:00 UTC (the pool's night): the answer-by time is four of the asked person's
    working hours on, inside their day, and the question does not expire before it."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    sb = team
    _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    sb.now = (sb.now + timedelta(days=1)).replace(hour=2)  # Tuesday, 02:00 UTC
    _say_cant_make_it(sb, leaving, number)
    asked = _asked(sb, set())
    question = _dm_with_button(sb, asked, "replacement_accept")
    by = datetime.fromtimestamp(int(re.search(r"Answer by <!date\^(\d+)\^", question.text)[1]), UTC)
    local = by.astimezone(ZoneInfo(sb.emulator.workspace.user(uid(sb, asked)).tz))
    assert local.weekday() < 5 and "13:00" <= local.strftime("%H:%M") <= "17:30", local
    sb.now = by - timedelta(minutes=1)
    assert expire_asks(sb.runtime) == 0
    sb.now = by
    assert expire_asks(sb.runtime) == 1


def test_an_answer_by_time_never_passes_the_cut_off() -> None:
    """With a hundred hours to answer, the question still ends LOOPBOT_REPLACEMENT_CUTOFF_HOURS
    (48) before the interview, when the recruiter takes over."""
    from datetime import UTC, datetime

    sb = _sandbox(loopbot_replacement_answer_hours=100)
    try:
        _loop(sb)
        number, _, leaving = _first_pool_round(sb)
        _say_cant_make_it(sb, leaving, number)
        question = _dm_with_button(sb, _asked(sb, set()), "replacement_accept")
        by = int(re.search(r"Answer by <!date\^(\d+)\^", question.text)[1])
        with sb.db.read() as session:
            start = session.exec(select(Round.starts_at).where(Round.number == number)).one()
        assert datetime.fromtimestamp(by, UTC) == start - timedelta(hours=48)
    finally:
        sb.stop()


def test_a_question_withdrawn_while_on_its_way_is_withdrawn_once_it_is_in(team: Sandbox) -> None:
    """The recruiter swaps the round after the question reached Slack, before loopbot noted
    where: the question still ends up withdrawn, its buttons gone."""

    sb = team
    short_id = _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    messenger = sb.runtime.messenger
    real = messenger.dm
    newcomer: list[str] = []
    asked: list[str] = []  # read here: the question's text is withdrawn at once after

    def then_the_recruiter_swaps(user, **kwargs):
        posted = real(user, **kwargs)
        if kwargs["text"].startswith("Can you ") and not newcomer:
            asked.append(user)
            taker, done = _swap_by_hand(sb, short_id, number, besides=user)
            done.then()
            newcomer.append(taker)
        return posted

    messenger.dm = then_the_recruiter_swaps  # type: ignore[method-assign]
    _say_cant_make_it(sb, leaving, number)
    assert wait_for(lambda: newcomer), "no one could take the round"

    def withdrawn() -> list:
        return [
            m
            for m in sb.emulator.dms_to(asked[0])
            if "is withdrawn" in (m.text or "") and f"<@{newcomer[0]}> now runs it" in m.text
        ]

    edited = wait_for(withdrawn)
    assert edited and "replacement_accept" not in json.dumps(edited[0].blocks or [])


def test_a_withdrawal_a_crash_cut_short_is_made_by_the_minute_s_sweep(team: Sandbox) -> None:
    """The swap is stored, then the process dies before its follow-up edits the question (here:
    the follow-up never runs): the every-minute job finds the question still showing its
    buttons and withdraws it."""
    from bot.app.replacements import settle_questions

    sb = team
    short_id, number, _, _, asked, question = _a_question_open(sb)
    newcomer, _ = _swap_by_hand(sb, short_id, number, besides=uid(sb, asked))  # no follow-up
    now = next(m for m in sb.emulator.dms_to(uid(sb, asked)) if m.ts == question.ts)
    assert "replacement_accept" in json.dumps(now.blocks or [])  # the follow-up never ran
    settle_questions(sb.runtime)
    now = next(m for m in sb.emulator.dms_to(uid(sb, asked)) if m.ts == question.ts)
    assert f"is withdrawn: <@{newcomer}> now runs it." in (now.text or "")
    assert "replacement_accept" not in json.dumps(now.blocks or [])
    settle_questions(sb.runtime)  # once: a second sweep queues no second edit
    assert len([c for c in sb.emulator.calls_to("chat.update") if c.args["ts"] == question.ts]) == 1


def _swap_by_hand(sb: Sandbox, short_id: str, number: int, *, besides: str) -> tuple[str, Done]:
    """The recruiter gives the round to the first of the extra pool free to take it (not
    `besides`), through the use case: (who took it, the change's follow-up, not yet run)."""
    from bot.app import loops

    for handle in EXTRA_POOL:
        if uid(sb, handle) == besides:
            continue
        try:
            done = loops.swap_round(
                sb.runtime,
                actor=uid(sb, REC),
                ref=short_id,
                round_ref=str(number),
                new_user=uid(sb, handle),
            )
        except InvalidInput:  # busy then, or in the loop already: the next
            continue
        return uid(sb, handle), done
    raise AssertionError("no one could take the round")
