"""A message on its way while a purge runs is deleted too: nothing about an erased candidate
stays in Slack, whichever of the two finishes first."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.app.announce import dm_about
from bot.outbox.rows import Message
from bot.purge import purge_loops
from bot.sandbox import Sandbox
from bot.store.models import Loop, OutboxMessage, Reminder, SlackMessage
from tests.e2e.helpers import MONDAY, create_loop, wait_for
from tests.security.test_data import story as story  # noqa: F401 - the fixture

LATE = "Juyoung Park: one more thing"
HM = "U0HM00001"


def _loop_id(sb: Sandbox, short_id: str) -> int:
    with sb.db.read() as session:
        return session.exec(select(Loop.id).where(Loop.short_id == short_id)).one()


def _about_candidate(sb: Sandbox, short_id: str) -> list[str]:
    bot = sb.emulator.workspace.bot.id
    return [
        m.text or ""
        for c in list(sb.emulator.workspace.channels.values())
        for m in sb.emulator.messages_in(c.id)
        if m.user == bot and (short_id in json.dumps(m.to_slack()) or "Juyoung" in (m.text or ""))
    ]


def _purge(sb: Sandbox, loop_id: int):
    return purge_loops(
        db=sb.db,
        messenger=sb.runtime.messenger,
        loop_ids=[loop_id],
        actor="cli",
        reason="candidate request",
        now=sb.clock(),
    )


def _purge_right_after(
    sb: Sandbox, loop_id: int, messenger, method: str, *, then_refused: int = 0
) -> None:
    """`messenger.method` once more as it is, then the purge: after Slack took the message,
    before it is recorded. With `then_refused`, Slack then rate-limits that many deletions
    (the late message's own, the purge's being done)."""
    real = getattr(messenger, method)

    def then_the_purge_runs(*args, **kwargs):
        setattr(messenger, method, real)
        posted = real(*args, **kwargs)
        _purge(sb, loop_id)
        if then_refused:
            sb.emulator.fail_next("chat.delete", retry_after=5, times=then_refused)
        return posted

    setattr(messenger, method, then_the_purge_runs)


def _rows_left(sb: Sandbox) -> list:
    with sb.db.read() as session:
        return [
            row
            for table in (Loop, Reminder, SlackMessage, OutboxMessage)
            for row in session.exec(select(table)).all()
            if getattr(row, "loop_id", getattr(row, "id", None)) is not None
        ]


def test_a_message_posted_while_the_purge_deletes_the_others_is_deleted_too(story) -> None:
    sb, short_id, _ = story
    loop_id = _loop_id(sb, short_id)
    messenger = sb.runtime.messenger
    delete = messenger.delete

    def delete_while_a_follow_up_goes_out(channel: str, ts: str) -> None:
        messenger.delete = delete  # type: ignore[method-assign]
        dm_about(sb.runtime, loop_id, HM, purpose="receipt", text=LATE)
        delete(channel, ts)

    messenger.delete = delete_while_a_follow_up_goes_out  # type: ignore[method-assign]
    before = len(_about_candidate(sb, short_id))
    report = _purge(sb, loop_id)

    assert LATE in [c.args["text"] for c in sb.emulator.calls_to("chat.postMessage")]
    assert _about_candidate(sb, short_id) == []
    assert report.messages_deleted >= before + 1 and report.messages_left == 0


def test_a_message_sent_as_the_purge_ran_is_deleted_once_it_is_in(story) -> None:
    sb, short_id, _ = story
    loop_id = _loop_id(sb, short_id)
    _purge_right_after(sb, loop_id, sb.runtime.messenger, "post")
    dm_about(sb.runtime, loop_id, HM, purpose="receipt", text=LATE)

    assert LATE in [c.args["text"] for c in sb.emulator.calls_to("chat.postMessage")]
    assert _about_candidate(sb, short_id) == []
    assert _rows_left(sb) == []


@pytest.mark.parametrize("refusals", [0, 2])
def test_a_reminder_sent_as_the_purge_ran_is_deleted_and_the_tick_goes_on(
    sandbox: Sandbox, refusals: int
) -> None:
    """Also when Slack rate-limits the deletion (twice): the dispatcher's client does not wait
    out a 429 for anyone, but an erased candidate's message is worth the wait."""
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    loop_id = _loop_id(sandbox, short_id)
    messenger = sandbox.dispatcher.messenger
    _purge_right_after(sandbox, loop_id, messenger, "dm", then_refused=refusals)
    outcome = sandbox.dispatch()

    assert outcome.skipped >= 1 and outcome.failed == 0
    assert sandbox.emulator.calls_to("chat.postMessage")  # the guide had gone out
    # The loop was created just before: a follow-up of its creation (a copy of its card) may
    # reach Slack after the purge, and is deleted as soon as Slack has it.
    assert wait_for(lambda: _about_candidate(sandbox, short_id) == []), _about_candidate(
        sandbox, short_id
    )
    assert _rows_left(sandbox) == []


def test_a_channel_message_the_dispatcher_sent_as_the_purge_ran_is_deleted_through_a_429(
    story,
) -> None:
    sb, short_id, _ = story
    loop_id = _loop_id(sb, short_id)
    outbox = sb.dispatcher.outbox
    _purge_right_after(sb, loop_id, outbox.messenger, "post", then_refused=1)
    with sb.db.read() as session:
        channel = session.get(Loop, loop_id).channel_id
    late = Message(channel=channel, text=LATE, blocks=None, purpose="late", loop_id=loop_id)
    outbox.post([late], sb.clock())

    assert LATE in [c.args["text"] for c in sb.emulator.calls_to("chat.postMessage")]
    assert _about_candidate(sb, short_id) == []
    assert _rows_left(sb) == []
