"""When Slack refuses an outbox message: which refusals are for good, what the sender of the
first message of a request is told, and the notice to the person who acted when a message
never went out."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from bot.errors import SlackUnavailable
from bot.render import render
from bot.slack.format import is_user_id
from bot.slack.messenger import Messenger
from bot.store.models import Loop, OutboxMessage

log = logging.getLogger(__name__)

# Refusals no retry can fix: the channel is gone or the bot is not in it.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "missing_scope",
    "not_allowed_token_type",
    "invalid_blocks",
    "msg_too_long",
    "message_not_found",
    "cant_update_message",
    "edit_window_closed",
}
GONE = {"message_not_found"}
"""The message to edit was deleted in Slack: nothing to tell anyone."""


class OutboxFailed(SlackUnavailable):
    """Slack refused a message for good (`error`); the row is marked failed."""

    def __init__(self, error: str):
        super().__init__(f"Slack refused the message ({error}).")
        self.error = error


@dataclass(frozen=True)
class Undelivered:
    """What the person who acted is told about a message that never went out."""

    row_id: int
    actor: str
    channel: str
    verb: str
    short_id: str | None
    error: str

    @classmethod
    def of(cls, session: Session, row: OutboxMessage, error: str) -> Undelivered | None:
        """The notice for a failed `row` (read in `session`); None when nobody acted."""
        if not row.actor or row.id is None:
            return None
        loop = session.get(Loop, row.loop_id) if row.loop_id is not None else None
        verb = "post" if row.edits_ts is None else "update"
        short_id = loop.short_id if loop else None
        return cls(row.id, row.actor, row.channel_id, verb, short_id, error)

    def send(self, messenger: Messenger) -> None:
        text = render(
            "undelivered",
            verb=self.verb,
            short_id=self.short_id,
            channel=self.channel,
            to_person=is_user_id(self.channel),  # a DM, opened when it was to be sent
            actor=self.actor,
            error=self.error,
        )
        try:
            messenger.dm(self.actor, text=text)
        except SlackUnavailable:
            log.warning("could not tell the person who acted", extra={"outbox": self.row_id})
