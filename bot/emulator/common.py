"""Pieces shared by the Web API method modules: errors, call records, argument helpers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Errors any Web API method may answer, beyond those its own reference page lists.
COMMON_ERRORS = {
    "not_authed", "invalid_auth", "account_inactive", "token_revoked", "invalid_arguments",
    "invalid_arg_name", "invalid_form_data", "invalid_post_type", "missing_post_type",
    "request_timeout", "ratelimited", "fatal_error", "internal_error", "service_unavailable",
    "unknown_method", "invalid_json", "json_not_object",
}  # fmt: skip

# Arguments Slack takes as JSON-encoded strings in form bodies.
JSON_ARGS = ("blocks", "view", "attachments", "metadata")


class ApiError(Exception):
    """A Slack error answer: {"ok": false, "error": code} with optional details."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would send."""
        out: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            out["errors"] = list(self.messages)
            out["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return out


@dataclass
class ApiCall:
    """One Web API request as the emulator saw and answered it."""

    method: str
    args: dict[str, Any]
    response: dict[str, Any]
    status: int
    at: float
    response_headers: dict[str, str] = field(default_factory=dict)
    injected: bool = False
    connection: int = 0
    """Which of the caller's TCP connections it came on (its port): kept-alive calls share one."""

    @property
    def ok(self) -> bool:
        """True when Slack would have answered ok."""
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The error code, if any."""
        return self.response.get("error")


def decode_json_args(args: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-string arguments; undecodable ones stay strings for the method to refuse."""
    out = dict(args)
    for key in JSON_ARGS:
        value = out.get(key)
        if isinstance(value, str) and value.strip():
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                pass
    return out


def require(args: dict[str, Any], name: str, error: str = "invalid_arguments") -> str:
    """A required string argument, or the error Slack gives when it is missing."""
    value = args.get(name)
    if value is None or value == "":
        raise ApiError(
            error, [f"missing required field: {name}"] if error == "invalid_arguments" else None
        )
    return str(value)


def flag(args: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean argument as Slack reads it from JSON or form encodings."""
    value = args.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


def _short_id(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:5]


def assign_ids(blocks: list[dict[str, Any]], seed: str) -> list[dict[str, Any]]:
    """Give blocks and elements without ids generated ones, as Slack does before storing them."""
    for index, block in enumerate(blocks):
        if "block_id" not in block:
            block["block_id"] = _short_id(f"{seed}/{index}")
        elements: list[Any] = []
        if isinstance(block.get("element"), dict):
            elements.append(block["element"])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        if block.get("type") == "actions" and isinstance(block.get("elements"), list):
            elements.extend(e for e in block["elements"] if isinstance(e, dict))
        for position, element in enumerate(elements):
            if "action_id" not in element and element.get("type") != "image":
                element["action_id"] = _short_id(f"{seed}/{index}/{position}")
    return blocks


@dataclass
class Fault:
    """A failure `SlackEmulator.fail_next` queued for a method's next calls."""

    error: str | None
    status: int | None
    retry_after: int | None
    delay: float | None
    times: int

    @property
    def fails(self) -> bool:
        return any(x is not None for x in (self.error, self.status, self.retry_after))

    def answer(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """What Slack answers a call this fault fails: status, body and headers."""
        if self.retry_after is not None or self.status == 429:
            retry = str(self.retry_after if self.retry_after is not None else 1)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry}
        status = self.status or 200
        error = self.error or _STATUS_ERRORS.get(status, "fatal_error")
        return status, {"ok": False, "error": error}, {}


_STATUS_ERRORS = {500: "internal_error", 503: "service_unavailable", 408: "request_timeout"}
