"""Typed views of Slack's payloads, so listeners never dig through raw dicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlashCommand:
    user_id: str
    channel_id: str
    text: str
    trigger_id: str
    response_url: str

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SlashCommand:
        return cls(
            user_id=body.get("user_id", ""),
            channel_id=body.get("channel_id", ""),
            text=body.get("text", "") or "",
            trigger_id=body.get("trigger_id", ""),
            response_url=body.get("response_url", ""),
        )


def acting_user(body: dict[str, Any]) -> str | None:
    """The person behind any payload: command, action, view or event."""
    if "user_id" in body:
        return body["user_id"]
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event") or {}
    return event.get("user") if isinstance(event.get("user"), str) else None
