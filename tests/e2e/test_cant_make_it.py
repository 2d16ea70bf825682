"""An interviewer who can't make it: a replacement asked, who accepts or declines; the recruiter.

Driven as people would: the "Can't make it" button on the assigned DM, its modal, the Accept and
Decline buttons on the question, the recruiter's hand-over buttons; the clock is the sandbox's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.app.replacements import decline, expire_asks
from bot.emulator import ModalForm
from bot.emulator.chat import Message
from bot.emulator.transcript import mrkdwn_to_text
from bot.loops.queries import template_of
from bot.outbox import LEASE
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Loop, ReplacementAsk, Round
from tests.e2e.helpers import (
    HM,
    MONDAY,
    PANEL,
    REC,
    card_in_dm,
    create_loop,
    dm_texts,
    top_view,
    uid,
    wait_for,
)
from tests.write_lock import slack_calls_under_the_write_lock

EXTRA_POOL = [
    "beatriz.sp",
    "nora.pool",
    "omar.pool",
    "pia.pool",
    "paul.pool",
    "sven.pool",
    "ines.pool",
]
REASON = "Jury duty that whole week."
LATER_DAY = "2026-12-01"  # a week out: far from the 48 h cut-off


def _sandbox(database_url: str | None = None, **settings) -> Sandbox:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    # Slack's rate limits on, on the sandbox's Slack clock: a Retry-After is skipped, not slept.
    sb = Sandbox(
        create_app, make_wsgi_app, rate_limits=True, settings=settings, database_url=database_url
    )
    ws = sb.emulator.workspace
    ws.add_user("nora.pool", "Nora Pool", "nora@example.com", "Europe/Madrid", id="U0PN00007")
    ws.add_user("omar.pool", "Omar Pool", "omar@example.com", "Africa/Cairo", id="U0PN00008")
    ws.add_user("pia.pool", "Pia Pool", "pia@example.com", "Europe/Vienna", id="U0PN00009")
    ws.add_user("paul.pool", "Paul Pool", "paul@example.com", "Europe/Dublin", id="U0PN00010")
    ws.add_user("sven.pool", "Sven Pool", "sven@example.com", "Europe/Stockholm", id="U0PN00011")
    ws.add_user("ines.pool", "Ines Pool", "ines@example.com", "Europe/Paris", id="U0PN00012")
    sb.start()
    sb.now = MONDAY
    return sb


@pytest.fixture
def team() -> Iterator[Sandbox]:
    sb = _sandbox(loopbot_replacement_asks=2)
    try:
        yield sb
    finally:
        sb.stop()


def _loop(sb: Sandbox, first_day: str = LATER_DAY, extra: list[str] = EXTRA_POOL) -> str:
    pool = [uid(sb, p) for p in [*PANEL, *extra]]
    short_id = create_loop(
        sb,
        **{
            "Panel Interviewer (PI) pool": pool,
            "First interview day": first_day,
            # A pool mostly in Europe and around it: a replacement can fit the candidate's day.
            "Candidate's time zone": "Europe/London",
        },
    )
    sb.dispatch()
    return short_id


def _first_pool_round(sb: Sandbox) -> tuple[int, str, str]:
    """(number, name, interviewer's handle) of the first live round a pool member runs (the
    asynchronous Async Build has no interview time to be too close to)."""
    with sb.db.read() as session:
        row = session.exec(
            select(Round.number, Round.name, Assignment.user_id)
            .join(Assignment, Assignment.round_id == Round.id)
            .where(
                Assignment.letter == "R",
                Assignment.role_code == "PI",
                Assignment.active,
                col(Round.starts_at).is_not(None),
            )
            .order_by(Round.number)
        ).first()
    assert row is not None
    number, name, user = row
    return number, name, sb.emulator.workspace.user(user).name


def _owner(sb: Sandbox, number: int) -> str:
    with sb.db.read() as session:
        user = session.exec(
            select(Assignment.user_id)
            .join(Round, Assignment.round_id == Round.id)
            .where(Round.number == number, Assignment.letter == "R", Assignment.active)
        ).one()
    return sb.emulator.workspace.user(user).name


def _dm_with_button(sb: Sandbox, handle: str, action_id: str, *, containing: str = "") -> Message:
    def found() -> Message | None:
        for message in reversed(sb.emulator.dms_to(uid(sb, handle))):
            text = json.dumps(message.blocks or [])
            if action_id in text and containing in text:
                return message
        return None

    message = wait_for(found)
    assert message, f"{handle} has no DM with {action_id}"
    if action_id.startswith("replacement_"):
        # loopbot notes the question's ts just after Slack has it: an expiry edits it from there.
        assert wait_for(lambda: _question_noted(sb, message.ts)), "the question's ts was not kept"
    return message


def _question_noted(sb: Sandbox, ts: str) -> bool:
    with sb.db.read() as session:
        return (
            session.exec(select(ReplacementAsk.id).where(ReplacementAsk.ts == ts)).first()
            is not None
        )


def _texts(sb: Sandbox, handle: str, containing: str) -> list[str]:
    """The person's DMs as they read them (mentions and dates resolved), that contain a phrase."""
    return [t for t in map(mrkdwn_to_text, dm_texts(sb, handle)) if containing in t]


def _say_cant_make_it(sb: Sandbox, handle: str, number: int, reason: str = REASON):
    assigned = _dm_with_button(sb, handle, "round_decline", containing=f":{number}")
    sb.slack.click(handle, "round_decline", message=assigned)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, handle)) and top_view(sb, handle))
    assert modal["title"]["text"] == "Can't make it"
    values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": reason})
    return sb.slack.submit(handle, modal, values)


def _someone_asked(sb: Sandbox) -> tuple[int, str, str]:
    """A loop whose first pool round's interviewer says they can't make it: (the round's
    number, who is leaving it, the pool member asked first to take it over)."""
    _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    _say_cant_make_it(sb, leaving, number)
    return number, leaving, _asked(sb, set())


def _asked(sb: Sandbox, before: set[str]) -> str:
    """The pool member who has just been asked (someone not asked before)."""
    everyone = [*PANEL, *EXTRA_POOL]

    def who() -> str | None:
        return next(
            (
                h
                for h in everyone
                if h not in before and any(t.startswith("Can you ") for t in dm_texts(sb, h))
            ),
            None,
        )

    handle = wait_for(who)
    assert handle, "nobody was asked"
    return handle


def test_a_replacement_accepts_and_takes_the_round_over(team: Sandbox) -> None:
    sb = team
    _loop(sb)
    number, name, leaving = _first_pool_round(sb)

    reply = _say_cant_make_it(sb, leaving, number)

    assert reply.status == 200 and not reply.body_text
    asked = _asked(sb, set())
    question = _dm_with_button(sb, asked, "replacement_accept")
    text = "\n".join(dm_texts(sb, asked))
    assert (
        f"Can you take *{number}. {name}*" in text and f"@{uid(sb, leaving)} can't make it" in text
    )
    assert REASON not in text  # the reason is for the recruiter and the hiring manager
    thanks = wait_for(lambda: _texts(sb, leaving, "Thanks for saying so"))
    assert f"loopbot asked @{uid(sb, asked)} to take *{number}. {name}*" in thanks[-1]
    for organiser in (REC, HM):
        news = wait_for(lambda o=organiser: _texts(sb, o, f"\n>{REASON}\n"))
        assert f"loopbot asked @{uid(sb, asked)} to take it over" in news[-1], organiser

    assert sb.slack.click(asked, "replacement_accept", message=question).status == 200

    assert wait_for(lambda: _owner(sb, number) == asked)
    answered = wait_for(
        lambda: [
            m
            for m in sb.emulator.dms_to(uid(sb, asked))
            if m.ts == question.ts and "You now run" in (m.text or "")
        ]
    )
    assert "replacement_accept" not in json.dumps(answered[-1].blocks)
    sb.dispatch()
    gone = [t for t in dm_texts(sb, leaving) if "You no longer run" in t]
    assert gone and f"@{uid(sb, asked)} does." in gone[-1]
    # Through the interview and the days after: nothing more about the round reaches the one
    # who left it; the one who took it gets its guide.
    seen = len(sb.emulator.dms_to(uid(sb, leaving)))
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == number)).one()
    for hours in (-25, -1, 2, 30, 60):
        sb.dispatch(starts + timedelta(hours=hours))
    later = dm_texts(sb, leaving)[seen:]
    assert not [t for t in later if f"{number}. {name}" in t or name.upper() in t], later
    assert any(f"ROUND GUIDE: {name.upper()}" in t for t in dm_texts(sb, asked))


def _a_question_open(sb: Sandbox) -> tuple[str, int, str, str, str, Message]:
    """A new loop whose first pool interviewer can't make it: (loop, round number, round name,
    who left it, who was asked, the question they got)."""
    short_id = _loop(sb)
    number, name, leaving = _first_pool_round(sb)
    _say_cant_make_it(sb, leaving, number)
    asked = _asked(sb, set())
    return short_id, number, name, leaving, asked, _dm_with_button(sb, asked, "replacement_accept")


def test_the_last_one_asked_who_declines_hears_the_recruiter_takes_it_from_there(
    team: Sandbox,
) -> None:
    sb = team
    _, _, _, _, first, question = _a_question_open(sb)
    sb.slack.click(first, "replacement_decline", message=question)
    second = _asked(sb, {first})
    last = _dm_with_button(sb, second, "replacement_accept")
    sb.slack.click(second, "replacement_decline", message=last)
    answered = wait_for(
        lambda: [m.text or "" for m in sb.emulator.dms_to(uid(sb, second)) if m.ts == last.ts]
    )
    assert wait_for(lambda: "; the recruiter finds someone else." in _latest(sb, second, last.ts))
    assert "looks further" not in _latest(sb, second, last.ts), answered


def _latest(sb: Sandbox, handle: str, ts: str) -> str:
    return next(
        (m.text or "" for m in reversed(sb.emulator.dms_to(uid(sb, handle))) if m.ts == ts), ""
    )


def test_declines_and_silence_move_on_then_the_recruiter_picks(team: Sandbox) -> None:
    sb = team
    short_id, number, name, leaving, first, question = _a_question_open(sb)

    sb.slack.click(first, "replacement_decline", message=question)

    second = _asked(sb, {first})
    assert wait_for(
        lambda: any(
            m.ts == question.ts and "loopbot looks further" in (m.text or "")
            for m in sb.emulator.dms_to(uid(sb, first))
        )
    )
    # The recruiter and the hiring manager hear who is asked next, and why.
    for organiser in (REC, HM):
        news = wait_for(lambda o=organiser: _texts(sb, o, "so loopbot asked"))
        assert (
            f"@{uid(sb, first)} declined, so loopbot asked @{uid(sb, second)} to take it over"
            in (news[-1])
        )
    # The first was told someone else would be asked; the second, the last of the 2 asks
    # allowed, that the recruiter finds someone after their answer-by time.
    assert "after that loopbot asks someone else." in (question.text or "")
    late = _dm_with_button(sb, second, "replacement_accept")
    assert "after that the recruiter finds someone." in (late.text or "")
    # Nobody answers the second question in time: with 2 asks allowed, the recruiter picks.
    sb.now = sb.now + timedelta(hours=5)
    value = next(e["value"] for b in late.blocks if b["type"] == "actions" for e in b["elements"])
    assert expire_asks(sb.runtime) == 1
    assert expire_asks(sb.runtime) == 0  # another replica's run finds nothing left to settle
    expired = [m for m in sb.emulator.dms_to(uid(sb, second)) if "has expired" in (m.text or "")]
    assert expired and "replacement_accept" not in json.dumps(expired[-1].blocks or [])
    # The last one asked reads what came of it: the recruiter, as their question said.
    assert (expired[-1].text or "").endswith("has expired: the recruiter is finding someone.")
    # An Accept pressed too late changes nothing and says so.
    channel = sb.emulator.workspace.im_for(uid(sb, second)).id
    sb.slack.click(second, "replacement_accept", value, channel_id=channel)
    assert "expired" in json.dumps(wait_for(lambda: sb.emulator.all_responses(second)))
    assert _owner(sb, number) == leaving
    for organiser in (REC, HM):
        _dm_with_button(sb, organiser, "loop_card_swap", containing="needs an interviewer")
        text = "\n".join(_texts(sb, organiser, "needs an interviewer"))
        assert "loopbot stopped looking: 2 asked, nobody took it" in text
        assert f"Asked: @{uid(sb, first)} declined, @{uid(sb, second)} did not answer by" in text
    assert _owner(sb, number) == leaving  # still on it until the recruiter swaps it
    # The recruiter's button opens the swap form for this loop.
    handover = _dm_with_button(sb, REC, "loop_card_swap", containing="needs an interviewer")
    # A live round: a meeting to move, so the hand-over offers Reschedule beside the swap.
    assert "loop_card_reschedule" in json.dumps(handover.blocks)
    sb.slack.click(REC, "loop_card_swap", message=handover)
    swap = wait_for(lambda: sb.emulator.open_views(uid(sb, REC)) and top_view(sb, REC))
    assert short_id in json.dumps(swap)


def test_too_close_to_the_interview_the_recruiter_picks_at_once() -> None:
    sb = _sandbox()  # the default cut-off: 48 h
    try:
        _loop(sb, first_day="2026-11-24")
        number, name, leaving = _first_pool_round(sb)
        with sb.db.read() as session:
            starts_at = session.exec(select(Round.starts_at).where(Round.number == number)).one()
        sb.now = starts_at - timedelta(days=1)
        _say_cant_make_it(sb, leaving, number)
        thanks = wait_for(lambda: _texts(sb, leaving, "Thanks for saying so"))
        assert "The recruiter is finding someone" in thanks[-1]
        assert "the interview is less than 48 h away" in thanks[-1]
        handover = _dm_with_button(sb, REC, "loop_card_swap", containing="needs an interviewer")
        assert REASON in json.dumps(handover.blocks)
        assert not any("Can you take" in t for p in [*PANEL, *EXTRA_POOL] for t in dm_texts(sb, p))
    finally:
        sb.stop()


def test_only_the_person_asked_can_answer(team: Sandbox) -> None:
    sb = team
    number, leaving, asked = _someone_asked(sb)
    question = _dm_with_button(sb, asked, "replacement_accept")
    intruder = next(h for h in [*PANEL, *EXTRA_POOL] if h not in (asked, leaving))
    value = next(
        e["value"] for b in question.blocks if b["type"] == "actions" for e in b["elements"]
    )
    channel = sb.emulator.workspace.im_for(uid(sb, intruder)).id
    sb.slack.click(intruder, "replacement_accept", value, channel_id=channel)
    refusal = wait_for(lambda: sb.emulator.all_responses(intruder))
    assert f"This question was for <@{uid(sb, asked)}>" in json.dumps(refusal)
    assert _owner(sb, number) == leaving
    with sb.db.read() as session:
        assert session.exec(select(Loop.status)).one() == "scheduled"


def _open_home(sb: Sandbox, handle: str) -> dict:
    user = uid(sb, handle)
    sb.slack.event(
        {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user[1:]}
    )
    return wait_for(lambda: sb.emulator.home_of(user))


def test_the_guide_and_app_home_carry_the_button_for_the_interviewer_only(team: Sandbox) -> None:
    sb = team
    short_id = _loop(sb)
    number, name, owner = _first_pool_round(sb)
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == number)).one()
    sb.dispatch(starts - timedelta(hours=23))
    guide = _dm_with_button(sb, owner, "round_decline", containing=f"{short_id}:{number}")
    assert f"Round guide: {name}" in json.dumps(guide.blocks)
    # App Home: the button sits under each interview, and opens the same form.
    home = _open_home(sb, owner)
    assert f"{short_id}:{number}" in json.dumps(home) and "round_decline" in json.dumps(home)
    sb.slack.click(owner, "round_decline", f"{short_id}:{number}", view=home)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, owner)) and top_view(sb, owner))
    assert modal["title"]["text"] == "Can't make it"
    sb.emulator.close_view(uid(sb, owner))
    # The hiring manager reads the same guide from App Home, with no such button.
    channel = sb.emulator.workspace.im_for(uid(sb, HM)).id
    sb.slack.click(HM, "home_open_guide", f"{short_id}:{number}", channel_id=channel)
    read = wait_for(lambda: sb.emulator.open_views(uid(sb, HM)) and top_view(sb, HM))
    assert f"Guide: {name}" in json.dumps(read) and "round_decline" not in json.dumps(read)
    # Each reads the loop document's words for their own part in the round.
    with sb.db.read() as session:
        parts = template_of(session, session.exec(select(Loop)).one()).raci_definitions
    assert f"*Your part (R):* {parts['R']}" in json.dumps(guide.blocks)
    assert f"*Your part (A):* {parts['A']}" in json.dumps(read)
    assert parts["R"] not in json.dumps(read)


def test_the_reviewer_of_an_asynchronous_round_can_hand_it_over(team: Sandbox) -> None:
    sb = team
    _loop(sb)
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(col(Round.starts_at).is_(None))).first()
    assert rnd is not None
    reviewer = _owner(sb, rnd.number)
    _say_cant_make_it(sb, reviewer, rnd.number)
    asked = _asked(sb, set())
    question = _dm_with_button(sb, asked, "replacement_accept")
    asks = "\n".join(_texts(sb, asked, "Can you review"))
    assert f"Can you review *{rnd.number}. {rnd.name}*" in asks and "submission due" in asks
    sb.slack.click(asked, "replacement_accept", message=question)
    assert wait_for(lambda: _owner(sb, rnd.number) == asked)


def test_a_blank_reason_is_refused_on_the_form(team: Sandbox) -> None:
    sb = team
    _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    for reason, refusal in (("   ", "Say why"),):  # Slack itself refuses more than 500 characters
        assigned = _dm_with_button(sb, leaving, "round_decline", containing=f":{number}")
        sb.slack.click(leaving, "round_decline", message=assigned)
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, leaving)) and top_view(sb, leaving))
        values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": "ok"})
        values["reason"]["value"]["value"] = reason  # spaces only: Slack lets them through
        reply = sb.slack.submit(leaving, modal, values)
        assert (
            reply.json["response_action"] == "errors" and refusal in reply.json["errors"]["reason"]
        )
        sb.emulator.close_view(uid(sb, leaving))
    assert not any(t.startswith("Can you ") for h in EXTRA_POOL for t in dm_texts(sb, h))


def test_a_question_nobody_answers_moves_on_and_the_organisers_hear_why(team: Sandbox) -> None:
    sb = team
    number, leaving, first = _someone_asked(sb)
    _dm_with_button(sb, first, "replacement_accept")
    sb.now = sb.now + timedelta(hours=5)
    assert expire_asks(sb.runtime) == 1
    second = _asked(sb, {first})
    assert second != first
    for organiser in (REC, HM):
        news = wait_for(lambda o=organiser: _texts(sb, o, "so loopbot asked"))
        assert f"@{uid(sb, first)} did not answer by " in news[-1]
        assert f", so loopbot asked @{uid(sb, second)} to take it over" in news[-1]
    assert _owner(sb, number) == leaving


def test_an_expired_question_slack_cannot_update_still_moves_on(team: Sandbox) -> None:
    """The unanswered question was deleted in Slack: it cannot say it expired, and the round
    goes to the recruiter all the same, once (not tried again every minute)."""
    sb = team
    number, leaving, first = _someone_asked(sb)
    sb.slack.click(
        first, "replacement_decline", message=_dm_with_button(sb, first, "replacement_decline")
    )
    second = _asked(sb, {first})
    _dm_with_button(sb, second, "replacement_accept")
    sb.now = sb.now + timedelta(hours=5)
    sb.emulator.fail_next("chat.update", error="message_not_found")
    assert expire_asks(sb.runtime) == 1
    assert expire_asks(sb.runtime) == 0
    handover = _texts(sb, REC, "needs an interviewer")
    assert "loopbot stopped looking: 2 asked, nobody took it" in "\n".join(handover)


def test_an_expired_question_slack_refused_to_update_for_a_while_says_so_later(
    team: Sandbox,
) -> None:
    """Slack answers the expiry's edit with 500s: the question says it expired once Slack takes
    the edit again (the outbox's retry), its buttons gone."""
    sb = team
    *_, asked, question = _a_question_open(sb)
    sb.now = sb.now + timedelta(hours=5)
    sb.emulator.fail_next("chat.update", status=500, times=3)
    assert expire_asks(sb.runtime) == 1

    def expired() -> list[Message]:
        return [
            m
            for m in sb.emulator.dms_to(uid(sb, asked))
            if m.ts == question.ts and "has expired" in (m.text or "")
        ]

    assert expired() == []
    # The outbox tries again on its own schedule; how many 500s the first try met depends on how
    # long Slack's calls took (they give up after a second), so tick until Slack has taken it.
    start = sb.now
    for minutes in (5, 10, 20, 40):
        sb.dispatch(start + timedelta(minutes=minutes))
        if expired():
            break
    (edited,) = expired()
    assert "replacement_accept" not in json.dumps(edited.blocks or [])


def test_a_question_to_the_only_one_free_says_the_recruiter_finds_someone() -> None:
    """Three asks are allowed, but only one person in the pool is free to take the round: the
    question does not promise that loopbot asks someone else after it, and once it expires the
    recruiter has the round, as it said."""
    sb = _sandbox(loopbot_replacement_asks=3)
    try:
        _loop(sb, extra=["nora.pool", "omar.pool", "pia.pool", "paul.pool"])
        number, _, leaving = _first_pool_round(sb)
        _say_cant_make_it(sb, leaving, number)
        asked = _asked(sb, set())
        question = _dm_with_button(sb, asked, "replacement_accept")
        assert asked == "paul.pool"  # the others run rounds of this loop, or work other hours
        assert "after that the recruiter finds someone." in (question.text or "")
        sb.now = sb.now + timedelta(hours=5)
        assert expire_asks(sb.runtime) == 1
        handover = "\n".join(_texts(sb, REC, "needs an interviewer"))
        assert "nobody else in the round's pool can take it then" in handover
        assert f"Asked: @{uid(sb, asked)} did not answer" in handover
    finally:
        sb.stop()


def test_choosing_a_replacement_asks_slack_nothing_while_holding_the_write_lock(
    team: Sandbox,
) -> None:
    """The pool's time zones are asked before the transaction that chooses (every request's
    replay guard waits on SQLite's write lock): with none of them known, nothing waits for
    Slack inside it, through a decline, a declined question and an unanswered one."""
    sb = team
    messenger = sb.runtime.messenger
    _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    under_lock = slack_calls_under_the_write_lock(messenger, sb.runtime.db)
    messenger._users.clear()  # nobody's time zone known, as five minutes later
    _say_cant_make_it(sb, leaving, number)
    first = _asked(sb, set())
    messenger._users.clear()
    sb.slack.click(
        first, "replacement_decline", message=_dm_with_button(sb, first, "replacement_decline")
    )
    second = _asked(sb, {first})
    _dm_with_button(sb, second, "replacement_accept")
    messenger._users.clear()
    sb.now = sb.now + timedelta(hours=5)
    assert expire_asks(sb.runtime) == 1
    assert under_lock == []


def test_a_round_under_way_is_the_recruiter_s_to_swap(team: Sandbox) -> None:
    sb = team
    _loop(sb)
    number, name, leaving = _first_pool_round(sb)
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == number)).one()
    assert starts is not None
    assigned = _dm_with_button(sb, leaving, "round_decline", containing=f":{number}")
    sb.slack.click(leaving, "round_decline", message=assigned)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, leaving)) and top_view(sb, leaving))
    sb.now = starts + timedelta(minutes=5)
    values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": REASON})
    errors = sb.slack.submit(leaving, modal, values).json["errors"]
    refusal = f"{number}. {name} has already started; ask the recruiter to swap it."
    assert errors == {"reason": refusal}
    sb.emulator.close_view(uid(sb, leaving))
    before = len(sb.emulator.all_responses(leaving))
    sb.slack.click(leaving, "round_decline", message=assigned)  # now: refused at the click
    assert refusal in json.dumps(wait_for(lambda: sb.emulator.all_responses(leaving)[before:]))
    assert not sb.emulator.open_views(uid(sb, leaving))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_double_submit_asks_one_replacement(engine: str, request: pytest.FixtureRequest) -> None:
    """The reason submitted twice at once (a double click, two replicas): one person asked, the
    other submit told loopbot is already finding someone."""
    url = request.getfixturevalue("postgres_url") if engine == "postgresql" else None
    sb = _sandbox(url, loopbot_replacement_asks=2)
    try:
        _loop(sb)
        number, name, leaving = _first_pool_round(sb)
        assigned = _dm_with_button(sb, leaving, "round_decline", containing=f":{number}")
        sb.slack.click(leaving, "round_decline", message=assigned)
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, leaving)) and top_view(sb, leaving))
        values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": REASON})
        start = threading.Barrier(2)

        def send(_: int):
            start.wait()
            return sb.slack.submit(leaving, modal, values).json

        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = list(pool.map(send, range(2)))
        already = f"You already said you can't make {number}. {name}; loopbot is finding someone."
        assert sorted(replies, key=bool) == [
            None,
            {"response_action": "errors", "errors": {"reason": already}},
        ]
        asked = _asked(sb, set())
        wait_for(lambda: _texts(sb, REC, f"\n>{REASON}\n"))  # sent after the question
        sb.dispatch()
        assert len([t for t in dm_texts(sb, asked) if t.startswith("Can you ")]) == 1
        assert len(_texts(sb, REC, f"\n>{REASON}\n")) == 1
    finally:
        sb.stop()


def test_the_news_of_a_decline_outlives_a_crash_right_after_it(team: Sandbox) -> None:
    """The decline is stored, then the process dies before its follow-up runs (here: it never
    runs): the recruiter and the hiring manager still read the news, sent by the dispatcher once
    the dead process's claim on it runs out."""
    sb = team
    short_id = _loop(sb)
    number, name, leaving = _first_pool_round(sb)
    decline(sb.runtime, actor=uid(sb, leaving), ref=short_id, number=number, reason=REASON)
    sb.dispatch()
    assert not _texts(sb, REC, REASON)  # still the dead process's to send
    later = LEASE + timedelta(seconds=1)
    sb.wait(later.total_seconds())  # Slack's clock too: its per-channel limits refill
    sb.dispatch(sb.clock() + later)
    for organiser in (REC, HM):
        (news,) = _texts(sb, organiser, f"\n>{REASON}\n")
        assert news.startswith(f"@{uid(sb, leaving)} can't make *{number}. {name}*")


def test_a_replacement_reviewer_reviews_in_a_window_of_their_own(team: Sandbox) -> None:
    """The submission is in when its reviewer says they can't make it: whoever accepts reviews
    it by the end of their own working day, two of their working days after accepting."""
    sb = team
    short_id = _loop(sb)
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(col(Round.starts_at).is_(None))).first()
    assert rnd is not None
    card = wait_for(lambda: card_in_dm(sb, REC, short_id))
    sb.slack.click(REC, "loop_card_received", f"{short_id}:{rnd.number}", message=card)
    wait_for(lambda: _round_row(sb, rnd.number).review_due)
    received = _round_row(sb, rnd.number).received_at
    _say_cant_make_it(sb, _owner(sb, rnd.number), rnd.number)
    asked = _asked(sb, set())
    # Asked, they read when the submission came in (as the card says it), not its deadline.
    (question,) = [t for t in dm_texts(sb, asked) if t.startswith("Can you review")]
    assert f"(submission received {received:%a %d %b %H:%M} UTC)" in question
    assert "submission due" not in question
    accepted_at = sb.clock()
    sb.slack.click(
        asked, "replacement_accept", message=_dm_with_button(sb, asked, "replacement_accept")
    )
    assert wait_for(lambda: _owner(sb, rnd.number) == asked)
    row = _round_row(sb, rnd.number)
    # Their answer says when their own review is due.
    answered = wait_for(lambda: [t for t in dm_texts(sb, asked) if t.startswith("You now review")])
    assert f"; your review is due {row.review_due:%a %d %b %H:%M} UTC)" in answered[0]
    due = row.review_due.astimezone(ZoneInfo(sb.emulator.workspace.user(asked).tz))
    start = accepted_at.astimezone(due.tzinfo).date()
    assert (due.hour, due.minute) == (17, 30)  # the end of their (default) working day
    days = [start + timedelta(days=k) for k in range(1, (due.date() - start).days + 1)]
    assert due.weekday() < 5 and len([d for d in days if d.weekday() < 5]) == 2


def _round_row(sb: Sandbox, number: int) -> Round:
    with sb.db.read() as session:
        return session.exec(select(Round).where(Round.number == number)).one()


def test_a_question_lost_on_its_way_is_sent_again_once(team: Sandbox) -> None:
    """The decline is stored, then the process dies before the question reaches the person
    asked (here: the follow-up never runs): a few minutes later the minute's sweep sends it,
    once however often it runs, and it can be answered as any other."""
    from bot.app.replacements import settle_questions
    from bot.loops.replacements import QUESTION_LOST

    sb = team
    short_id = _loop(sb)
    number, name, leaving = _first_pool_round(sb)
    decline(sb.runtime, actor=uid(sb, leaving), ref=short_id, number=number, reason=REASON)
    settle_questions(sb.runtime)
    everyone = [*PANEL, *EXTRA_POOL]
    assert not [h for h in everyone if any(t.startswith("Can you ") for t in dm_texts(sb, h))]
    sb.now = sb.now + QUESTION_LOST
    settle_questions(sb.runtime)
    settle_questions(sb.runtime)  # a second sweep (another replica) sends nothing more
    asked = _asked(sb, set())
    (question,) = [t for t in dm_texts(sb, asked) if t.startswith("Can you ")]
    assert f"*{number}. {name}*" in question and "can't make it. Answer by" in question
    kept = _dm_with_button(sb, asked, "replacement_accept")
    sb.slack.click(asked, "replacement_accept", message=kept)
    assert wait_for(lambda: _owner(sb, number) == asked)

    def answered() -> bool:
        now = next(m for m in sb.emulator.dms_to(uid(sb, asked)) if m.ts == kept.ts)
        return "replacement_accept" not in json.dumps(now.blocks or [])

    assert wait_for(answered)  # the answer takes the question's place


def test_a_lost_question_waits_for_the_next_sweep_while_slack_refuses_the_pools_profiles(
    team: Sandbox,
) -> None:
    """Sending a lost question again reads the pool's time zones (does anyone else remain after
    it?); Slack refusing them leaves the question for the next minute's sweep, which sends it."""
    from bot.app.replacements import settle_questions
    from bot.loops.replacements import QUESTION_LOST

    sb = team
    short_id = _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    decline(sb.runtime, actor=uid(sb, leaving), ref=short_id, number=number, reason=REASON)
    ask = _open_ask(sb)
    sb.now = sb.now + QUESTION_LOST
    sb.runtime.messenger._users.clear()  # five minutes on, nobody's profile is kept
    sb.emulator.fail_next("users.info", status=500, times=3)  # one profile, and its 2 retries
    settle_questions(sb.runtime)
    assert not [t for t in dm_texts(sb, ask.user_id) if t.startswith("Can you ")]
    settle_questions(sb.runtime)
    assert wait_for(lambda: [t for t in dm_texts(sb, ask.user_id) if t.startswith("Can you ")])


def _open_ask(sb: Sandbox) -> ReplacementAsk:
    with sb.db.read() as session:
        return session.exec(select(ReplacementAsk).where(ReplacementAsk.state == "pending")).one()


def test_a_question_slack_took_before_the_answer_was_lost_is_not_sent_twice(team: Sandbox) -> None:
    """Slack took the question, then the process died before keeping its place: the sweep finds
    it in the person's DM by its tag and keeps that one, instead of asking again."""
    from bot.app.replacements import settle_questions
    from bot.loops.replacements import QUESTION_LOST

    sb = team
    short_id = _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    decline(sb.runtime, actor=uid(sb, leaving), ref=short_id, number=number, reason=REASON)
    ask = _open_ask(sb)
    taken = sb.runtime.messenger.dm(ask.user_id, text="Can you take it?", tag=f"ask:{ask.id}")
    sb.now = sb.now + QUESTION_LOST
    settle_questions(sb.runtime)
    assert [t for t in dm_texts(sb, ask.user_id) if t.startswith("Can you ")] == [
        "Can you take it?"
    ]
    assert (_open_ask(sb).channel_id, _open_ask(sb).ts) == (taken.channel, taken.ts)


def test_a_question_to_someone_who_left_moves_on_to_the_next_person(team: Sandbox) -> None:
    """The person asked left the workspace before their question could reach them: Slack refuses
    it for good, so the next sweep asks someone else instead of trying until the answer-by time."""
    from bot.app.replacements import settle_questions
    from bot.loops.replacements import QUESTION_LOST

    sb = team
    short_id = _loop(sb)
    number, _, leaving = _first_pool_round(sb)
    decline(sb.runtime, actor=uid(sb, leaving), ref=short_id, number=number, reason=REASON)
    first = _open_ask(sb)
    sb.emulator.workspace.user(first.user_id).deleted = True
    sb.now = sb.now + QUESTION_LOST
    settle_questions(sb.runtime)  # refused for good: its answer-by time is now
    settle_questions(sb.runtime)  # it expires, and the next person is asked
    second = _open_ask(sb)
    assert second.user_id != first.user_id
    assert wait_for(lambda: [t for t in dm_texts(sb, second.user_id) if t.startswith("Can you ")])


def test_an_asynchronous_round_handed_to_the_recruiter_offers_no_reschedule(team: Sandbox) -> None:
    """Nobody takes the reviewer's round: the recruiter's hand-over offers the swap only (an
    asynchronous round has no meeting to move, and a reschedule would be refused)."""
    sb = team
    _loop(sb)
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(col(Round.starts_at).is_(None))).first()
    assert rnd is not None
    _say_cant_make_it(sb, _owner(sb, rnd.number), rnd.number)
    declined: set[str] = set()
    for _ in range(2):  # the 2 asks allowed, each declined
        asked = _asked(sb, declined)
        question = _dm_with_button(sb, asked, "replacement_accept")
        sb.slack.click(asked, "replacement_decline", message=question)
        declined.add(asked)
    handover = _dm_with_button(sb, REC, "loop_card_swap", containing="needs an interviewer")
    assert "loop_card_reschedule" not in json.dumps(handover.blocks)
