"""Reading a submitted view's state, field by field, the same way for every modal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

VALUE = "value"


class Form:
    """`view.state.values` keyed by block id; each input's action id is VALUE unless named.

    A value not shaped as Slack shapes it (a string where an object goes, a number where a user
    id goes) reads as nothing chosen, so the modal's own checks answer it at its field."""

    def __init__(self, view: dict[str, Any]):
        state = view.get("state")
        values = state.get("values") if isinstance(state, dict) else None
        self.values: dict[str, Any] = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        actions = self.values.get(str(block_id))
        if not isinstance(actions, dict):
            return {}
        element = actions.get(VALUE) or next(iter(actions.values()), None)
        return element if isinstance(element, dict) else {}

    def _text(self, block_id: str, key: str) -> str | None:
        value = self._element(block_id).get(key)
        return value if isinstance(value, str) else None

    def text(self, block_id: str) -> str:
        return (self._text(block_id, "value") or "").strip()

    def option(self, block_id: str) -> str | None:
        return _value_of(self._element(block_id).get("selected_option"))

    def user(self, block_id: str) -> str | None:
        return self._text(block_id, "selected_user")

    def users(self, block_id: str) -> list[str]:
        raw = self._element(block_id).get("selected_users")
        return [u for u in raw if isinstance(u, str)] if isinstance(raw, list) else []

    def options(self, block_id: str) -> list[str]:
        raw = self._element(block_id).get("selected_options")
        chosen = [_value_of(o) for o in raw] if isinstance(raw, list) else []
        return [value for value in chosen if value is not None]

    def conversation(self, block_id: str) -> str | None:
        return self._text(block_id, "selected_conversation") or self._text(
            block_id, "selected_channel"
        )

    def day(self, block_id: str) -> date | None:
        raw = self._text(block_id, "selected_date")
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    def moment(self, block_id: str) -> datetime | None:
        raw = self._element(block_id).get("selected_date_time")
        try:
            return datetime.fromtimestamp(int(raw), UTC) if raw is not None else None
        except (TypeError, ValueError, OverflowError, OSError):
            return None

    def clock(self, block_id: str) -> time | None:
        """A timepicker's answer (HH:MM)."""
        raw = self._text(block_id, "selected_time")
        try:
            return time.fromisoformat(raw) if raw else None
        except ValueError:
            return None


def _value_of(option: Any) -> str | None:
    """An option's value, when it is an option."""
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None
