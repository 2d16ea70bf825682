"""The outbox's immediate send (`post`, `edit`): what it wrote goes out at once, without being
read back, the way the dispatcher would send it: a reply in its thread, once Slack has the
thread's first message, and a channel Slack rate-limited on the way paced for the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.emulator import SlackEmulator
from bot.outbox import LEASE, Message, OutboxSender, backoff
from bot.pacing import HEADROOM, RATE_LIMITED
from bot.slack.client import make_client
from bot.slack.messenger import Messenger
from bot.store.models import OutboxMessage, OutboxState
from tests.services.conftest import NOW
from tests.services.test_dispatcher import emulator as emulator  # noqa: F401 - the fixture


def _sender(db, emulator: SlackEmulator) -> OutboxSender:
    client = make_client(emulator.bot_token, emulator.api_url, wait_on_rate_limits=False)
    return OutboxSender(db=db, messenger=Messenger(client), worker="replica-1")


def _channel(emulator: SlackEmulator) -> str:
    ws = emulator.workspace
    return ws.add_channel("loop-debrief", is_private=True, members=[ws.bot_user_id]).id


def _message(channel: str, text: str, edits: str | None = None) -> Message:
    return Message(channel=channel, text=text, blocks=None, purpose="summary", edits=edits)


def _rows(db) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_a_reply_goes_in_the_thread_its_first_message_started(sqlite_db, emulator) -> None:
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    first, reply = sender.post([_message(channel, "summary"), _message(channel, "more")], NOW)
    assert first is not None and reply is not None
    posted = emulator.messages_in(channel)
    assert [(m.text, m.thread_ts) for m in posted] == [("summary", None), ("more", first.ts)]
    assert [r.state for r in _rows(sqlite_db)] == [OutboxState.SENT] * 2


def test_a_reply_waits_for_its_thread_and_then_goes_in_it(sqlite_db, emulator) -> None:
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    emulator.fail_next("chat.postMessage", error="internal_error")
    assert sender.post([_message(channel, "summary"), _message(channel, "more")], NOW) == [
        None,
        None,
    ]
    assert len(emulator.calls_to("chat.postMessage")) == 1  # the reply was not tried
    assert [r.last_error for r in _rows(sqlite_db)] == ["internal_error", "waiting_for_thread"]

    assert sender.tick(NOW + backoff(1)) == 2
    first, more = emulator.messages_in(channel)
    assert (first.text, more.text, more.thread_ts) == ("summary", "more", first.ts)


def test_an_edit_rate_limited_paces_the_next_edit_on_its_channel(sqlite_db, emulator) -> None:
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    one, two = (sender.post([_message(channel, text)], NOW)[0] for text in ("one", "two"))
    assert one is not None and two is not None
    emulator.reset_calls()
    emulator.fail_next("chat.update", retry_after=20)

    sender.edit([_message(channel, "one'", one.ts), _message(channel, "two'", two.ts)], NOW)
    assert len(emulator.calls_to("chat.update")) == 1  # the second waits for its slot
    edits = _rows(sqlite_db)[2:]
    slot = NOW + timedelta(seconds=20)
    assert [(r.state, r.last_error) for r in edits] == [(OutboxState.PENDING, RATE_LIMITED)] * 2
    assert [r.due_at for r in edits] == [slot, slot + timedelta(seconds=20 * (1 + HEADROOM))]

    assert sender.tick(edits[1].due_at) == 2
    assert [m.text for m in emulator.messages_in(channel)] == ["one'", "two'"]


def test_a_reply_the_dispatcher_took_over_while_slack_was_slow_goes_once(
    sqlite_db, emulator, monkeypatch
) -> None:
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    dispatcher = OutboxSender(db=sqlite_db, messenger=_sender(sqlite_db, emulator).messenger)
    calls = []

    def slow_clock() -> float:
        # The third reading comes after the first message went out, minutes later: the
        # reply's lease ran out meanwhile and the dispatcher sent it.
        calls.append(None)
        if len(calls) == 3:
            assert dispatcher.tick(NOW + LEASE + timedelta(seconds=1)) == 1
            return 1000.0
        return 0.0

    monkeypatch.setattr("bot.outbox.sender.monotonic", slow_clock)
    first, reply = sender.post([_message(channel, "summary"), _message(channel, "more")], NOW)
    assert first is not None and reply is None  # the dispatcher's now, not this request's
    posted = emulator.messages_in(channel)
    assert [(m.text, m.thread_ts) for m in posted] == [("summary", None), ("more", first.ts)]


def test_nothing_is_written_or_sent_about_an_erased_loop(sqlite_db, emulator) -> None:
    """A follow-up still on its way when a purge erased its loop (here: a loop that is gone)
    leaves no row with the candidate's text behind, and nothing reaches Slack."""
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    gone = Message(channel=channel, text="Juyoung: decided", blocks=None, purpose="x", loop_id=404)
    assert sender.post([gone, gone], NOW) == [None, None]
    sender.edit([replace(gone, edits="1.2")], NOW)
    assert _rows(sqlite_db) == []
    assert emulator.calls_to("chat.postMessage") == [] and emulator.calls_to("chat.update") == []


def test_a_reply_queued_with_an_edit_goes_in_the_edited_message_s_thread(
    sqlite_db, emulator
) -> None:
    """An edit of a posted message and a new reply to it, in one batch (a summary that grew):
    the reply goes in that message's thread even when the edit is refused, and when a later
    edit replaces the refused one before it is retried."""
    channel = _channel(emulator)
    sender = _sender(sqlite_db, emulator)
    (first,) = sender.post([_message(channel, "summary")], NOW)
    assert first is not None
    emulator.fail_next("chat.update", error="internal_error")
    sender.edit(
        [_message(channel, "summary, grown", edits=first.ts), _message(channel, "more")], NOW
    )
    sender.edit([_message(channel, "summary, grown again", edits=first.ts)], NOW)
    later = NOW + backoff(1) + timedelta(seconds=1)
    sender.tick(later)
    posted = emulator.messages_in(channel)
    assert [(m.text, m.thread_ts) for m in posted] == [
        ("summary, grown again", None),
        ("more", first.ts),
    ]
    assert {r.state for r in _rows(sqlite_db) if r.text == "more"} == {OutboxState.SENT}
