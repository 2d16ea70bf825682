"""Filling in a modal the way a person would, producing Slack's exact state.values shape."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

from .workspace import Channel, User, Workspace

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
# element type -> (state key, initial_* key, many?)
_PICKERS = {
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
}
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FormError(ValueError):
    """Something a person filling the form could not have done."""


@dataclass
class Field:
    """One input block of a modal."""

    label: str
    block_id: str
    action_id: str
    type: str
    element: dict[str, Any]
    optional: bool


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _option(element: dict[str, Any], answer: Any, where: str) -> dict[str, Any]:
    if isinstance(answer, dict):
        return copy.deepcopy(answer)
    options = _options(element)
    if not options and element["type"].endswith("external_select"):
        # External selects load options from the bot; the caller names the choice directly.
        return {"text": {"type": "plain_text", "text": str(answer)}, "value": str(answer)}
    for option in options:
        if answer in (option.get("value"), (option.get("text") or {}).get("text")):
            return copy.deepcopy(option)
    choices = ", ".join(repr((o.get("text") or {}).get("text")) for o in options)
    raise FormError(f"{where}: no option {answer!r}; the choices are {choices}")


def _pick(ws: Workspace | None, answer: Any, channel: bool) -> str:
    if isinstance(answer, User | Channel):
        return answer.id
    if ws is not None and isinstance(answer, str):
        found = ws.find_channel(answer) if channel else ws.find_user(answer)
        if found is not None:
            return found.id
    return str(answer)


def _date_time(answer: Any, where: str) -> int:
    if isinstance(answer, datetime):
        if answer.tzinfo is None:
            raise FormError(f"{where}: give an aware datetime (the picker knows the user's zone)")
        return int(answer.timestamp())
    return int(answer)


def element_state(
    element: dict[str, Any], answer: Any, *, where: str = "field", ws: Workspace | None = None
) -> dict[str, Any]:
    """The state Slack reports for one element given the person's answer (None = untouched)."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        state["value"] = None if answer is None else str(answer)
    elif kind == "rich_text_input":
        if isinstance(answer, str):
            answer = {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": answer}]}
                ],
            }
        state["rich_text_value"] = answer
    elif kind in _ONE_OPTION or kind == "overflow":
        state["selected_option"] = None if answer is None else _option(element, answer, where)
    elif kind in _MANY_OPTIONS:
        answers = [] if answer is None else answer if isinstance(answer, list) else [answer]
        state["selected_options"] = [_option(element, a, where) for a in answers]
    elif kind in _PICKERS:
        key, _, many = _PICKERS[kind]
        is_channel = "user" not in kind
        if many:
            answers = [] if answer is None else answer if isinstance(answer, list) else [answer]
            state[key] = [_pick(ws, a, is_channel) for a in answers]
        else:
            state[key] = None if answer is None else _pick(ws, answer, is_channel)
    elif kind == "datepicker":
        state["selected_date"] = answer.isoformat() if isinstance(answer, date) else answer
    elif kind == "timepicker":
        state["selected_time"] = answer.strftime("%H:%M") if isinstance(answer, dtime) else answer
        if element.get("timezone"):
            state["timezone"] = element["timezone"]
    elif kind == "datetimepicker":
        state["selected_date_time"] = None if answer is None else _date_time(answer, where)
    elif kind == "file_input":
        state["files"] = list(answer or [])
    return state


def initial_answer(element: dict[str, Any]) -> Any:
    """What the element shows before anyone touches it (Slack submits that as the value)."""
    kind = element.get("type", "")
    if kind in _TEXT_INPUTS or kind == "rich_text_input":
        return element.get("initial_value")
    if kind in _ONE_OPTION:
        return element.get("initial_option")
    if kind in _MANY_OPTIONS:
        return element.get("initial_options")
    if kind in _PICKERS:
        return element.get(_PICKERS[kind][1])
    key = {"datepicker": "initial_date", "timepicker": "initial_time"}.get(kind)
    if key:
        return element.get(key)
    if kind == "datetimepicker":
        return element.get("initial_date_time")
    return None


def _is_empty(state: dict[str, Any]) -> bool:
    values = [v for k, v in state.items() if k not in ("type", "timezone")]
    return all(v is None or v == "" or v == [] for v in values)


class ModalForm:
    """Reads the input blocks of a view the bot opened and fills them in by label."""

    def __init__(self, view: Mapping[str, Any], workspace: Workspace | None = None) -> None:
        self.view = dict(view)
        self.workspace = workspace
        self.fields: list[Field] = []
        for block in self.view.get("blocks") or []:
            if block.get("type") != "input" or not isinstance(block.get("element"), dict):
                continue
            element = block["element"]
            self.fields.append(
                Field(
                    label=(block.get("label") or {}).get("text", ""),
                    block_id=block.get("block_id", ""),
                    action_id=element.get("action_id", ""),
                    type=element.get("type", ""),
                    element=element,
                    optional=bool(block.get("optional", False)),
                )
            )

    @property
    def labels(self) -> list[str]:
        """Labels of the form's inputs, top to bottom."""
        return [f.label for f in self.fields]

    def field(self, key: str) -> Field:
        """The input with this label (or block_id)."""
        for f in self.fields:
            if key in (f.label, f.block_id):
                return f
        for f in self.fields:
            if f.label.strip().lower() == key.strip().lower():
                return f
        raise FormError(f"the modal has no field {key!r}; its fields are {self.labels}")

    def fill(self, answers: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """state.values for answers keyed by label; untouched fields keep their initial value."""
        chosen = {self.field(key).block_id: value for key, value in (answers or {}).items()}
        values: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            answer = chosen[f.block_id] if f.block_id in chosen else initial_answer(f.element)
            state = element_state(f.element, answer, where=repr(f.label), ws=self.workspace)
            values.setdefault(f.block_id, {})[f.action_id] = state
        return values

    def problems(self, values: Mapping[str, Any]) -> list[str]:
        """What Slack's client would refuse to submit: empty required fields, bad lengths."""
        found: list[str] = []
        for f in self.fields:
            state = (values.get(f.block_id) or {}).get(f.action_id)
            if state is None or _is_empty(state):
                if not f.optional:
                    found.append(f"{f.label!r} is required")
                continue
            found.extend(_element_problems(f, state))
        return found


def _element_problems(f: Field, state: dict[str, Any]) -> list[str]:
    element, value = f.element, state.get("value")
    found: list[str] = []
    if f.type == "plain_text_input" and isinstance(value, str):
        if element.get("max_length") is not None and len(value) > element["max_length"]:
            found.append(f"{f.label!r} is longer than {element['max_length']} characters")
        if element.get("min_length") is not None and len(value) < element["min_length"]:
            found.append(f"{f.label!r} is shorter than {element['min_length']} characters")
    elif f.type == "email_text_input" and not _EMAIL_RE.fullmatch(str(value)):
        found.append(f"{f.label!r} is not an email address")
    elif f.type == "url_text_input" and not str(value).startswith(("http://", "https://")):
        found.append(f"{f.label!r} is not a URL")
    elif f.type == "number_input":
        try:
            number = float(str(value))
        except ValueError:
            return [f"{f.label!r} is not a number"]
        if not element.get("is_decimal_allowed") and not number.is_integer():
            found.append(f"{f.label!r} must be a whole number")
        low, high = element.get("min_value"), element.get("max_value")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            found.append(f"{f.label!r} is out of range")
    many = [v for k, v in state.items() if isinstance(v, list)]
    limit = element.get("max_selected_items")
    if limit is not None and many and len(many[0]) > limit:
        found.append(f"{f.label!r} allows at most {limit} choices")
    return found
