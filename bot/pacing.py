"""Slack's pace, shared by every replica through the database (`slack_paces`).

When Slack answers 429 for a person's DM (about one message a second each) or a channel, the
sender records that key's pace (from Retry-After) and takes the next slot on its lane: the
message goes back to wait until then. Before sending on a key Slack has paced, a sender takes
the next slot, a pace after the last one given out by any replica: if that slot is now the
message goes at once, else it waits for it. So two replicas queue one person's messages on one
lane instead of each learning the limit alone and being refused for the other's traffic.

One statement by primary key either way; a key never refused has no row (nothing is written).
Lanes idle for an hour are forgotten (`forget_paces_before`), and learned again if need be.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.slack.format import is_user_id
from bot.store import Database

RATE_LIMITED = "ratelimited"
"""`last_error` of a row holding a slot: at its slot it is sent, without taking another."""
HEADROOM = 2
"""Paces left empty after the refused message's own slot, so Slack's burst allowance (three
messages a channel) fills again: sending at exactly its rate from an empty allowance, a message a
little late followed by one on time is refused."""
IDLE = timedelta(hours=1)
"""A lane with no slot given out for this long is forgotten."""

_SLOT = """
    UPDATE slack_paces SET not_before = {greatest}(not_before, :now) + pace
    WHERE key = :key RETURNING not_before - pace"""
_REFUSED = """
    INSERT INTO slack_paces (key, not_before, pace) VALUES (:key, :until + :gap, :pace)
    ON CONFLICT (key) DO UPDATE SET pace = excluded.pace,
        not_before = {greatest}(slack_paces.not_before, :until) + :gap
    RETURNING not_before - :gap"""
_SAME = timedelta(milliseconds=1)
"""Slots closer to `now` than this are now (seconds since the epoch are floats)."""
_PACED = text("SELECT 1 FROM slack_paces WHERE key = :key")
_FORGET = "DELETE FROM slack_paces WHERE not_before < :cutoff"


def dm_key(user_id: str) -> str:
    return f"dm:{user_id}"


def channel_key(channel_id: str) -> str:
    """A message's lane: a person's id (their DM, opened when it is sent) is their DM's."""
    return dm_key(channel_id) if is_user_id(channel_id) else f"channel:{channel_id}"


class SharedPace:
    """The lanes of one database; each call runs on the caller's connection (its transaction)."""

    def __init__(self, db: Database):
        greatest = "GREATEST" if db.dialect == "postgresql" else "max"
        self._slot = text(_SLOT.format(greatest=greatest))
        self._refused = text(_REFUSED.format(greatest=greatest))

    @staticmethod
    def paced(conn: Connection, key: str) -> bool:
        """Whether Slack ever paced `key` (a read, for callers that mostly send unpaced)."""
        return conn.execute(_PACED, {"key": key}).first() is not None

    def slot(self, conn: Connection, key: str, now: datetime) -> datetime | None:
        """When a message on `key` may go: None if Slack never paced it (go now, nothing
        written), else the next slot on its lane, taken (`now` or later)."""
        row = conn.execute(self._slot, {"key": key, "now": now.timestamp()}).first()
        if row is None:
            return None
        slot = _when(row[0])
        return now if slot - now < _SAME else slot

    def refused(
        self, conn: Connection, key: str, now: datetime, retry_after: float, *, take: bool = True
    ) -> datetime:
        """Slack said 429 with `retry_after`: record the pace for every replica and return this
        message's slot, at Retry-After or behind the slots already given out. With `take` (a
        message put back to wait) the lane then leaves `HEADROOM` paces empty; without it (a
        caller that waits Retry-After out itself, then sends) it goes on a pace later."""
        pace = max(retry_after, 1.0)
        gap = pace * (1 + HEADROOM) if take else pace
        until = now.timestamp() + retry_after
        params = {"key": key, "until": until, "pace": pace, "gap": gap}
        return _when(conn.execute(self._refused, params).scalar_one())


def forget_paces_before(db: Database, now: datetime) -> int:
    """Drop lanes idle for `IDLE` (their next slot long past)."""
    with db.session() as session:
        result = session.connection().execute(text(_FORGET), {"cutoff": (now - IDLE).timestamp()})
        return result.rowcount or 0


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
