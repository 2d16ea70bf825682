"""Reading a submitted view's state, field by field, the same way for every modal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

VALUE = "value"


class Form:
    """`view.state.values` keyed by block id; each input's action id is VALUE unless named."""

    def __init__(self, view: dict[str, Any]):
        self.values: dict[str, dict[str, Any]] = (view.get("state") or {}).get("values") or {}

    def _element(self, block_id: str) -> dict[str, Any]:
        actions = self.values.get(str(block_id)) or {}
        return actions.get(VALUE) or next(iter(actions.values()), {}) or {}

    def text(self, block_id: str) -> str:
        return str(self._element(block_id).get("value") or "").strip()

    def option(self, block_id: str) -> str | None:
        selected = self._element(block_id).get("selected_option") or {}
        return selected.get("value")

    def user(self, block_id: str) -> str | None:
        return self._element(block_id).get("selected_user")

    def users(self, block_id: str) -> list[str]:
        return list(self._element(block_id).get("selected_users") or [])

    def options(self, block_id: str) -> list[str]:
        return [o.get("value", "") for o in self._element(block_id).get("selected_options") or []]

    def conversation(self, block_id: str) -> str | None:
        element = self._element(block_id)
        return element.get("selected_conversation") or element.get("selected_channel")

    def day(self, block_id: str) -> date | None:
        raw = self._element(block_id).get("selected_date")
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
        raw = self._element(block_id).get("selected_time")
        try:
            return time.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):
            return None
