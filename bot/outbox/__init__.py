"""The outbox: every message loopbot posts to a channel is a row first, so none is lost.

`post` writes the row (claimed by the caller) and sends it at once; if Slack refuses for a while
(5xx, unreachable, rate-limited) the row waits and the dispatcher's `OutboxSender.tick` sends it
later, with backoff; if Slack keeps refusing, or refuses for good, the person who acted is told.
Once Slack has it, the row is marked sent and the message recorded (`slack_messages`) in one
transaction, so it can be updated and erased like any other.
"""

from bot.outbox.failures import OutboxFailed
from bot.outbox.rows import LEASE, Message, backoff
from bot.outbox.sender import OutboxSender

__all__ = ["LEASE", "Message", "OutboxFailed", "OutboxSender", "backoff"]
