"""Times and names as Slack shows them: each reader sees their own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def slack_time(when: datetime, *, with_date: bool = True) -> str:
    """A Slack date token: rendered in each reader's own time zone by their client."""
    epoch = int(when.timestamp())
    shape = "{date_short_pretty} at {time}" if with_date else "{time}"
    fallback = when.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")
    return f"<!date^{epoch}^{shape}|{fallback}>"


def zone_time(when: datetime, tz: str) -> str:
    """The same moment spelled out in a named zone, e.g. for the candidate."""
    local = when.astimezone(ZoneInfo(tz))
    return f"{local.strftime('%a %d %b %H:%M')} {tz}"


def is_user_id(value: str) -> bool:
    """A person's Slack id (`U…`, or `W…` on Enterprise Grid), not a conversation's."""
    return value[:1] in ("U", "W")


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody yet_"


def minutes(value: int) -> str:
    if value % 60 == 0 and value >= 60:
        hours = value // 60
        return f"{hours} h"
    return f"{value} min"
