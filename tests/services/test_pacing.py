"""Slack's pace for a channel, shared by every replica: a 429 one sender met holds the others
back on one lane, and every message still goes out once, in its slot."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.emulator import SlackEmulator
from bot.outbox import Message, OutboxSender
from bot.slack.messenger import Messenger, make_client
from bot.store.models import OutboxMessage
from tests.services.conftest import NOW


def _sender(db, emulator: SlackEmulator, worker: str) -> OutboxSender:
    client = make_client(emulator.bot_token, emulator.api_url, wait_on_rate_limits=False)
    return OutboxSender(db=db, messenger=Messenger(client), worker=worker)


def test_a_channel_slack_paced_for_one_replica_is_paced_for_the_other(any_db) -> None:
    with SlackEmulator(rate_limits=False) as emulator:
        ws = emulator.workspace
        channel = ws.add_channel("loop-debrief", is_private=True, members=[ws.bot_user_id]).id
        first, second = _sender(any_db, emulator, "replica-1"), _sender(any_db, emulator, "r-2")
        emulator.fail_next("chat.postMessage", retry_after=20)

        def message(n: int) -> Message:
            return Message(channel=channel, text=f"update {n}", blocks=None, purpose="card")

        assert first.post([message(1)], NOW) == [None]  # refused: waits for Retry-After
        assert second.post([message(2)], NOW + timedelta(seconds=1)) == [None]  # not even tried
        assert len(emulator.calls_to("chat.postMessage")) == 1
        with any_db.read() as session:
            due = sorted(r.due_at for r in session.exec(select(OutboxMessage)).all())
        assert due == [NOW + timedelta(seconds=20), NOW + timedelta(seconds=40)]

        # In their slots, whichever replica ticks, each goes out once and in order.
        assert second.tick(NOW + timedelta(seconds=20)) == 1
        assert first.tick(NOW + timedelta(seconds=39)) == 0
        assert first.tick(NOW + timedelta(seconds=40)) == 1
        texts = [m.text for m in emulator.messages_in(channel)]
    assert texts == ["update 1", "update 2"]
