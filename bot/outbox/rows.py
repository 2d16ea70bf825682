"""What goes into the outbox (`Message`), and a row as sending needs it (`Outgoing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.store.models import OutboxMessage

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
"""Tries over about a quarter of an hour (30 s, 1, 2, 4, 8 min apart) before giving up."""
BATCH = 50


@dataclass(frozen=True)
class Message:
    """One message to post: where, what, and what it is (`purpose`, as recorded)."""

    channel: str
    """A channel's id, or a person's (`U…`): their DM with loopbot, opened when it is sent."""
    text: str
    blocks: list[dict] | None
    purpose: str
    loop_id: int | None = None
    actor: str | None = None
    """Who acted (created the loop, submitted the last scorecard): told if it never arrives."""
    edits: str | None = None
    """The `ts` of the message in `channel` this one replaces in place (chat.update)."""

    @classmethod
    def text_over(
        cls,
        channel: str,
        ts: str,
        text: str,
        *,
        purpose: str,
        loop_id: int | None,
        actor: str | None = None,
    ) -> Message:
        """An edit that puts `text` in place of the message at `ts`, its blocks (its buttons)
        gone: a question that needs no answer any more."""
        return cls(
            channel=channel,
            text=text,
            blocks=None,
            purpose=purpose,
            loop_id=loop_id,
            actor=actor,
            edits=ts,
        )


@dataclass(frozen=True)
class Outgoing:
    """An outbox row as sending needs it, held by no session: as `post` and `edit` wrote it,
    or as the dispatcher read it back."""

    id: int
    channel_id: str
    purpose: str
    text: str
    blocks: list[dict] | None
    loop_id: int | None
    edits_ts: str | None
    attempts: int
    thread_of: int | None
    thread_ts: str | None = None
    """The `ts` of its thread's first message, once Slack has that (a reply waits for it)."""
    thread_failed: bool = False
    paced: bool = False
    """Slack paced its channel and it holds no slot yet: it takes the next one first."""

    @classmethod
    def queued(cls, row_id: int, message: Message, thread_of: int | None) -> Outgoing:
        """The row `post` or `edit` just wrote for `message`: claimed, on its first attempt."""
        return cls(
            id=row_id,
            channel_id=message.channel,
            purpose=message.purpose,
            text=message.text,
            blocks=message.blocks,
            loop_id=message.loop_id,
            edits_ts=message.edits,
            attempts=1,
            thread_of=thread_of,
        )

    @classmethod
    def of(cls, row: OutboxMessage, **more) -> Outgoing:
        assert row.id is not None
        return cls(
            id=row.id,
            channel_id=row.channel_id,
            purpose=row.purpose,
            text=row.text,
            blocks=row.blocks,
            loop_id=row.loop_id,
            edits_ts=row.edits_ts,
            attempts=row.attempts,
            thread_of=row.thread_of,
            **more,
        )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
