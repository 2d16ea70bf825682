"""A message on its way while a purge runs is deleted too: nothing about an erased candidate
stays in Slack, whichever of the two finishes first."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.app.announce import dm_about
from bot.purge import purge_loops
from bot.sandbox import Sandbox
from bot.store.models import Loop, OutboxMessage, Reminder, SlackMessage
from tests.e2e.helpers import MONDAY, create_loop
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


def _purge_right_after(sb: Sandbox, loop_id: int, messenger, method: str) -> None:
    """`messenger.method` once more as it is, then the purge: after Slack took the message,
    before it is recorded."""
    real = getattr(messenger, method)

    def then_the_purge_runs(*args, **kwargs):
        setattr(messenger, method, real)
        posted = real(*args, **kwargs)
        _purge(sb, loop_id)
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


def test_a_reminder_sent_as_the_purge_ran_is_deleted_and_the_tick_goes_on(
    sandbox: Sandbox,
) -> None:
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    loop_id = _loop_id(sandbox, short_id)
    _purge_right_after(sandbox, loop_id, sandbox.dispatcher.messenger, "dm")
    outcome = sandbox.dispatch()

    assert outcome.skipped >= 1 and outcome.failed == 0
    assert sandbox.emulator.calls_to("chat.postMessage")  # the guide had gone out
    assert _about_candidate(sandbox, short_id) == []
    assert _rows_left(sandbox) == []
