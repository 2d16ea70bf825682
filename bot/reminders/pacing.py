"""Pacing a person's DMs after Slack rate-limited them (about one message a second each).

The dispatcher gives such a person a lane: each of their rows waiting to go gets the next slot,
a pace apart, so a backlog for one person is put back once and goes out at Slack's pace while
everyone else's messages are sent meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

RATE_LIMITED = "ratelimited"
"""`last_error` of a row put back for a rate limit: at its slot it is sent, not queued again."""


@dataclass
class Lane:
    """One person's DM after Slack rate-limited it: the next free slot, and Slack's pace."""

    free_at: datetime
    pace: timedelta

    def refused(self, now: datetime, retry_after: float) -> None:
        self.pace = timedelta(seconds=max(retry_after, 1.0))
        self.free_at = max(self.free_at, now + timedelta(seconds=retry_after))

    def take(self) -> datetime:
        """A slot for one more message; the next one comes a pace later."""
        slot = self.free_at
        self.free_at += self.pace
        return slot
