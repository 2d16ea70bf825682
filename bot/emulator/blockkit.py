"""Block Kit checks with Slack's documented limits; each returns readable violations."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40000

# The layout blocks Slack documents for apps; anything else is refused rather than guessed at.
KNOWN_BLOCKS = {
    "actions", "context", "context_actions", "divider", "file", "header", "image", "input",
    "markdown", "rich_text", "section", "table", "video", "call",
}  # fmt: skip

_SELECTS = {
    "static_select", "external_select", "users_select", "conversations_select", "channels_select",
    "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select",
}  # fmt: skip
_ACCESSORY = _SELECTS | {
    "button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker",
    "workflow_button",
}  # fmt: skip
_ACTION_ELEMENTS = (_ACCESSORY - {"image"}) | {"datetimepicker", "rich_text_input"}
_INPUT_ELEMENTS = _SELECTS | {
    "checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input",
    "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker",
    "url_text_input",
}  # fmt: skip
_CONTEXT_ELEMENTS = {"image", "plain_text", "mrkdwn"}
_OPTION_LIMITS = {
    "static_select": 100, "multi_static_select": 100, "overflow": 5, "radio_buttons": 10,
    "checkboxes": 10,
}  # fmt: skip


class _Checker:
    """Collects violations for one surface; block_ids must be unique across it."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def add(self, path: str, problem: str) -> None:
        self.problems.append(f"{path}: {problem}")

    def length(self, path: str, value: Any, limit: int, what: str = "characters") -> None:
        if value is not None and len(value) > limit:
            self.add(path, f"{len(value)} {what}, more than the maximum of {limit}")

    def text(self, path: str, obj: Any, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.add(path, "must be a text object with a string 'text'")
            return
        kinds = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
        if obj.get("type") not in kinds:
            self.add(path, f"text object type must be {' or '.join(sorted(kinds))}")
        if not obj["text"]:
            self.add(path, "text must not be empty")
        self.length(f"{path}.text", obj["text"], limit)

    def blocks(self, blocks: Any, limit: int) -> None:
        if not isinstance(blocks, list):
            self.add("blocks", "must be an array of blocks")
            return
        self.length("blocks", blocks, limit, "blocks")
        for index, block in enumerate(blocks):
            path = f"blocks[{index}]"
            before = len(self.problems)
            self.block(path, block)
            # slack_sdk's checks overlap ours; only ask it when ours found nothing to say.
            if len(self.problems) == before:
                self.sdk(path, block)

    def block(self, path: str, block: Any) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.add(path, "a block must be an object with a 'type'")
            return
        kind = block["type"]
        if kind not in KNOWN_BLOCKS:
            self.add(path, f"unknown block type {kind!r}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(f"{path}.block_id", block_id, 255)
            if block_id in self.block_ids:
                self.add(f"{path}.block_id", f"duplicate block_id {block_id!r}")
            self.block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            self.section(path, block, action_ids)
        elif kind == "header":
            self.text(f"{path}.text", block.get("text"), 150, plain_only=True)
        elif kind == "actions":
            self.elements(path, block, 25, _ACTION_ELEMENTS, action_ids)
        elif kind == "context":
            self.context(path, block)
        elif kind == "input":
            self.text(f"{path}.label", block.get("label"), 2000, plain_only=True)
            if block.get("hint") is not None:
                self.text(f"{path}.hint", block["hint"], 2000, plain_only=True)
            self.element(f"{path}.element", block.get("element"), _INPUT_ELEMENTS, action_ids)

    def section(self, path: str, block: dict[str, Any], action_ids: set[str]) -> None:
        if block.get("text") is None and not block.get("fields"):
            self.add(path, "a section needs 'text' or 'fields'")
        if block.get("text") is not None:
            self.text(f"{path}.text", block["text"], 3000)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list):
                self.add(f"{path}.fields", "must be an array")
                return
            self.length(f"{path}.fields", fields, 10, "fields")
            for i, item in enumerate(fields):
                self.text(f"{path}.fields[{i}]", item, 2000)
        if block.get("accessory") is not None:
            self.element(f"{path}.accessory", block["accessory"], _ACCESSORY, action_ids)

    def elements(
        self, path: str, block: dict[str, Any], limit: int, allowed: set[str], ids: set[str]
    ) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add(f"{path}.elements", "must be a non-empty array")
            return
        self.length(f"{path}.elements", elements, limit, "elements")
        for i, element in enumerate(elements):
            self.element(f"{path}.elements[{i}]", element, allowed, ids)

    def context(self, path: str, block: dict[str, Any]) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add(f"{path}.elements", "must be a non-empty array")
            return
        self.length(f"{path}.elements", elements, 10, "elements")
        for i, element in enumerate(elements):
            kind = element.get("type") if isinstance(element, dict) else None
            if kind not in _CONTEXT_ELEMENTS:
                self.add(f"{path}.elements[{i}]", f"{kind!r} is not allowed in a context block")
            elif kind != "image":
                self.text(f"{path}.elements[{i}]", element, 3000)

    def element(self, path: str, element: Any, allowed: set[str], action_ids: set[str]) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.add(path, "an element must be an object with a 'type'")
            return
        kind = element["type"]
        if kind not in allowed:
            self.add(path, f"element type {kind!r} is not allowed here")
            return
        # Slack only asks action_ids to be unique within their block; views key state that way.
        action_id = element.get("action_id")
        if action_id is not None:
            self.length(f"{path}.action_id", action_id, 255)
            if action_id in action_ids:
                self.add(f"{path}.action_id", f"duplicate action_id {action_id!r} in this block")
            action_ids.add(action_id)
        if element.get("placeholder") is not None:
            self.text(f"{path}.placeholder", element["placeholder"], 150, plain_only=True)
        if kind in ("button", "workflow_button"):
            self.text(f"{path}.text", element.get("text"), 75, plain_only=True)
            self.length(f"{path}.value", element.get("value"), 2000)
            self.length(f"{path}.url", element.get("url"), 3000)
        elif kind == "plain_text_input":
            for key, low in (("max_length", 1), ("min_length", 0)):
                value = element.get(key)
                if value is not None and not (isinstance(value, int) and low <= value <= 3000):
                    self.add(f"{path}.{key}", f"must be an integer from {low} to 3000")
        if kind in _OPTION_LIMITS:
            self.options(path, element, _OPTION_LIMITS[kind])

    def options(self, path: str, element: dict[str, Any], limit: int) -> None:
        options, groups = element.get("options"), element.get("option_groups")
        if options is None and groups is None:
            self.add(path, "needs 'options' or 'option_groups'")
            return
        if groups is not None:
            self.length(f"{path}.option_groups", groups, 100, "option groups")
            for g, group in enumerate(groups if isinstance(groups, list) else []):
                gpath = f"{path}.option_groups[{g}]"
                self.text(f"{gpath}.label", group.get("label"), 75, plain_only=True)
                self.option_list(gpath, group.get("options"), 100)
        if options is not None:
            self.option_list(path, options, limit)

    def option_list(self, path: str, options: Any, limit: int) -> None:
        if not isinstance(options, list):
            self.add(f"{path}.options", "must be an array")
            return
        self.length(f"{path}.options", options, limit, "options")
        for i, option in enumerate(options):
            opath = f"{path}.options[{i}]"
            if not isinstance(option, dict):
                self.add(opath, "an option must be an object")
                continue
            self.text(f"{opath}.text", option.get("text"), 75)
            value = option.get("value")
            if value is not None and not isinstance(value, str):
                self.add(f"{opath}.value", "must be a string")
            else:
                self.length(f"{opath}.value", value, 150)
            if option.get("description") is not None:
                self.text(f"{opath}.description", option["description"], 75)

    def sdk(self, path: str, block: dict[str, Any]) -> None:
        problem = _sdk_problem(block)
        if problem is not None:
            self.add(path, problem)


# slack_sdk's verdict on a block depends on the block alone; a card edited again and again
# repeats most of its blocks, so each distinct block is read once (a few thousand at most).
_SDK_VERDICTS: dict[str, str | None] = {}
_SDK_VERDICTS_MAX = 4096
_UNREAD = object()


def _sdk_problem(block: dict[str, Any]) -> str | None:
    try:
        key = json.dumps(block, sort_keys=True)
    except (TypeError, ValueError):
        return _sdk_read(block)
    known = _SDK_VERDICTS.get(key, _UNREAD)
    if known is not _UNREAD:
        return known  # type: ignore[return-value]
    if len(_SDK_VERDICTS) >= _SDK_VERDICTS_MAX:
        _SDK_VERDICTS.clear()
    verdict = _SDK_VERDICTS[key] = _sdk_read(block)
    return verdict


def _sdk_read(block: dict[str, Any]) -> str | None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return "not a block slack_sdk can read"
        parsed.validate_json()
        parsed.to_dict()  # validates nested elements and composition objects too
    except SlackObjectFormationError as exc:
        return str(exc)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return f"malformed block ({type(exc).__name__}: {exc})"
    return None


def check_message(blocks: Any, text: str | None = None) -> list[str]:
    """Violations of Slack's limits for a message's blocks and fallback text."""
    checker = _Checker()
    if text is not None:
        checker.length("text", text, MESSAGE_TEXT_MAX)
    if blocks is not None:
        checker.blocks(blocks, MESSAGE_MAX_BLOCKS)
    return checker.problems


def check_view(view: Any) -> list[str]:
    """Violations of Slack's limits for a modal or Home tab view."""
    checker = _Checker()
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add("view.type", f"must be 'modal' or 'home', not {kind!r}")
    if kind == "modal":
        checker.text("view.title", view.get("title"), 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(f"view.{key}", view[key], 24, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            checker.add("view.submit", "a modal with input blocks needs a submit button")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and not isinstance(value, str):
            checker.add(f"view.{key}", "must be a string")
        else:
            checker.length(f"view.{key}", value, limit)
    if "blocks" not in view:
        checker.add("view.blocks", "is required")
    else:
        checker.blocks(view["blocks"], VIEW_MAX_BLOCKS)
    return checker.problems
