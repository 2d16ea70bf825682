"""Slack's pace for a person's DM or a channel, shared by every replica: a 429 one replica met
holds the others back on one lane, and every message still goes out once, in its slot."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.emulator import SlackEmulator
from bot.outbox import Message, OutboxSender
from bot.pacing import HEADROOM
from bot.slack.client import make_client
from bot.slack.messenger import Messenger
from bot.store.models import Assignment, OutboxMessage, Reminder, ReminderState
from tests.services.conftest import NOW
from tests.services.test_dispatcher import _create, _dispatcher, _states
from tests.services.test_dispatcher import emulator as emulator  # noqa: F401 - the fixture


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
        # The refused message at Retry-After; the next, whichever replica queued it, after a
        # little headroom (Slack's burst allowance fills again), then a pace apart.
        slot = NOW + timedelta(seconds=20)
        after = slot + timedelta(seconds=20 * (1 + HEADROOM))
        assert due == [slot, after]

        # In their slots, whichever replica ticks, each goes out once and in order.
        assert second.tick(slot) == 1
        assert first.tick(after - timedelta(seconds=1)) == 0
        assert first.tick(after) == 1
        texts = [m.text for m in emulator.messages_in(channel)]
    assert texts == ["update 1", "update 2"]


def test_a_429_learned_by_one_replica_holds_back_the_other(postgres_db, emulator, library) -> None:
    """Slack's pace for a person's DM is shared through the database: once Slack refused one
    replica, the other queues that person's messages on the same lane instead of being
    refused in turn, and everyone else's messages go on."""
    _create(postgres_db, library)
    later = NOW + timedelta(days=90)  # every reminder is due: each person has many
    first, second = (
        _dispatcher(postgres_db, emulator, library, f"replica-{i}", wait_on_rate_limits=False)
        for i in (1, 2)
    )
    first.batch = 1
    emulator.fail_next("chat.postMessage", retry_after=30)
    (refused_id,) = first.claim(later)
    assert first.deliver(refused_id, later) == "deferred"
    refused_dm = emulator.calls_to("chat.postMessage")[-1].args["channel"]
    with postgres_db.session() as session:
        paced = session.get(Assignment, session.get(Reminder, refused_id).assignment_id).user_id
    emulator.reset_calls()

    outcome = second.tick(later)  # this replica never met the 429 itself
    posts = emulator.calls_to("chat.postMessage")
    assert outcome.deferred > 0 and outcome.failed == 0
    assert all(c.status == 200 for c in posts)
    assert refused_dm not in {c.args["channel"] for c in posts}, "the pace was not shared"
    assert len({c.args["channel"] for c in posts}) >= 5  # everyone else was sent to
    with postgres_db.session() as session:
        waiting = [
            r
            for r in session.exec(select(Reminder).where(Reminder.state == ReminderState.PENDING))
            if session.get(Assignment, r.assignment_id).user_id == paced
        ]
    # The paced person's messages wait in line behind the refused one (due at Retry-After),
    # after a little headroom for Slack's burst allowance to fill again, 30 s apart, across
    # replicas.
    slots = sorted(r.due_at for r in waiting)
    assert slots[0] == later + timedelta(seconds=30)
    assert slots[1] - slots[0] == timedelta(seconds=30 * (1 + HEADROOM))
    assert all(b - a == timedelta(seconds=30) for a, b in zip(slots[1:], slots[2:], strict=False))

    # At their slots they go out, each once, whichever replica claims them.
    when = later + timedelta(seconds=HEADROOM * 30)
    for _ in range(len(slots) + 1):
        when += timedelta(seconds=30)
        for replica in (second, first):
            replica.tick(when)
    delivered = [c for c in emulator.calls_to("chat.postMessage") if c.status == 200]
    to_paced = [c for c in delivered if c.args["channel"] == refused_dm]
    assert len(to_paced) >= len(slots)
    assert len({c.args["text"] for c in to_paced}) == len(to_paced) or any(
        "(continued)" in c.args["text"] for c in to_paced
    )
    assert _states(postgres_db)[ReminderState.PENDING] == 0


def test_a_dm_through_the_outbox_waits_on_the_lane_of_that_person_s_reminders(
    any_db, emulator, library
) -> None:
    """Slack limits a person's DM however loopbot writes to it: once a reminder to them met a
    429, a DM the outbox sends them (news of a decline, a receipt) takes that lane's next slot
    instead of being refused in turn."""
    _create(any_db, library)
    later = NOW + timedelta(days=90)
    dispatcher = _dispatcher(any_db, emulator, library, "replica-1", wait_on_rate_limits=False)
    dispatcher.batch = 1
    emulator.fail_next("chat.postMessage", retry_after=30)
    (refused_id,) = dispatcher.claim(later)
    assert dispatcher.deliver(refused_id, later) == "deferred"
    with any_db.read() as session:
        person = session.get(Assignment, session.get(Reminder, refused_id).assignment_id).user_id
    emulator.reset_calls()

    news = Message(channel=person, text="news", blocks=None, purpose="replacement")
    assert _sender(any_db, emulator, "replica-2").post([news], later) == [None]
    assert emulator.calls_to("chat.postMessage") == []  # not even tried
    with any_db.read() as session:
        (queued,) = session.exec(select(OutboxMessage)).all()
    assert queued.due_at > later + timedelta(seconds=30)
