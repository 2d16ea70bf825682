"""views.* methods, trigger ids, and what a view_submission acknowledgement does to a modal."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .blockkit import check_view
from .common import ApiError, assign_ids, require
from .workspace import View

if TYPE_CHECKING:
    from .webapi import SlackEmulator

TRIGGER_TTL = 3.0
VIEW_MAX_BYTES = 250_000
MAX_MODAL_STACK = 3
_TRIGGER_RE = re.compile(r"\d+\.\d+\.[0-9a-f]+")


@dataclass
class Trigger:
    """A trigger_id Slack handed the bot with an interaction."""

    user: str
    issued_at: float
    used: bool = False


def issue_trigger(em: SlackEmulator, user_id: str) -> str:
    """Mint a trigger id for a user's interaction, shaped like Slack's."""
    now = em.clock()
    trigger_id = f"{int(now * 1000)}.{len(em.triggers) + 98765}.{secrets.token_hex(16)}"
    em.triggers[trigger_id] = Trigger(user_id, now)
    return trigger_id


def _trigger(em: SlackEmulator, args: dict[str, Any]) -> Trigger:
    trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
    if not trigger_id:
        raise ApiError("invalid_arguments", ["missing required field: trigger_id"])
    trigger = em.triggers.get(str(trigger_id))
    if trigger is None or not _TRIGGER_RE.fullmatch(str(trigger_id)):
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if em.clock() - trigger.issued_at > TRIGGER_TTL:
        raise ApiError("expired_trigger_id")
    return trigger


def _checked_view(em: SlackEmulator, method: str, view: Any, kinds: tuple[str, ...]) -> dict:
    """Refuse a view the way Slack does (invalid_arguments), recording why."""
    if view is None or view == "":
        raise ApiError("invalid_arguments", ["missing required field: view"])
    if isinstance(view, str):
        em.record_violation(method, ["view: not valid JSON"])
        raise ApiError("invalid_arguments", ["view: not valid JSON"])
    if len(json.dumps(view)) > VIEW_MAX_BYTES:
        em.record_violation(method, [f"view: larger than {VIEW_MAX_BYTES} bytes"])
        raise ApiError("view_too_large")
    problems = check_view(view)
    if isinstance(view, dict) and view.get("type") in ("modal", "home"):
        if view["type"] not in kinds:
            problems.append(f"view.type: {method} takes a {' or '.join(kinds)} view")
    if problems:
        em.record_violation(method, problems)
        raise ApiError("invalid_arguments", problems)
    assign_ids(view["blocks"], f"{method}/{em.workspace.next_ts()}")
    return view


def _hash() -> str:
    return f"{secrets.randbelow(10**10):010d}.{secrets.token_hex(4)}"


def _external_taken(em: SlackEmulator, external_id: str | None, mine: str | None = None) -> bool:
    return bool(external_id) and any(
        v.external_id == external_id and not v.closed and v.id != mine
        for v in em.workspace.views.values()
    )


def _new_view(
    em: SlackEmulator, user: str, view: dict, previous: str | None, root: str | None
) -> View:
    ws = em.workspace
    external_id = view.get("external_id") or None
    if _external_taken(em, external_id):
        raise ApiError("duplicate_external_id")
    view_id = ws.new_id("V")
    created = View(
        view_id, view["type"], user, view, _hash(), previous, root or view_id, external_id,
        ws.team_id, ws.app_id, ws.bot_id,
    )  # fmt: skip
    ws.views[view_id] = created
    return created


def close_views(em: SlackEmulator, user: str, view_id: str | None = None) -> None:
    """Close one modal view (and any pushed above it), or the user's whole stack."""
    stack = em.workspace.modal_stacks.get(user, [])
    cut = stack.index(view_id) if view_id in stack else 0
    for closed in stack[cut:]:
        em.workspace.views[closed].closed = True
    del stack[cut:]


def views_open(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """views.open: a new modal for the user whose interaction issued the trigger."""
    trigger = _trigger(em, args)
    view = _checked_view(em, "views.open", args.get("view"), ("modal",))
    created = _new_view(em, trigger.user, view, None, None)
    trigger.used = True
    close_views(em, trigger.user)
    em.workspace.modal_stacks[trigger.user] = [created.id]
    return {"view": created.to_slack()}


def views_push(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """views.push: a new view on top of the user's open modal."""
    trigger = _trigger(em, args)
    view = _checked_view(em, "views.push", args.get("view"), ("modal",))
    stack = em.workspace.modal_stacks.get(trigger.user) or []
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    created = _new_view(em, trigger.user, view, stack[-1], stack[0])
    trigger.used = True
    stack.append(created.id)
    return {"view": created.to_slack()}


def views_update(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """views.update: replace an open view found by view_id or external_id."""
    ws = em.workspace
    target: View | None = None
    if args.get("view_id"):
        target = ws.views.get(str(args["view_id"]))
    elif args.get("external_id"):
        target = next(
            (v for v in ws.views.values() if v.external_id == args["external_id"] and not v.closed),
            None,
        )
    else:
        raise ApiError("invalid_arguments", ["either view_id or external_id is required"])
    if target is None or target.closed:
        raise ApiError("not_found")
    if args.get("hash") and args["hash"] != target.hash:
        raise ApiError("hash_conflict")
    view = _checked_view(em, "views.update", args.get("view"), (target.type,))
    external_id = view.get("external_id") or target.external_id
    if _external_taken(em, external_id, target.id):
        raise ApiError("duplicate_external_id")
    target.view, target.external_id, target.hash = view, external_id, _hash()
    return {"view": target.to_slack()}


def views_publish(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """views.publish: set a user's Home tab."""
    ws = em.workspace
    user = ws.users.get(require(args, "user_id"))
    if user is None or user.deleted or user.is_bot:
        raise ApiError("invalid_arguments", ["user_id: no such active user"])
    view = _checked_view(em, "views.publish", args.get("view"), ("home",))
    existing = ws.views.get(ws.homes.get(user.id, ""))
    if args.get("hash") and existing is not None and args["hash"] != existing.hash:
        raise ApiError("hash_conflict")
    if existing is None:
        existing = _new_view(em, user.id, view, None, None)
        ws.homes[user.id] = existing.id
    else:
        if _external_taken(em, view.get("external_id"), existing.id):
            raise ApiError("duplicate_external_id")
        existing.view, existing.hash = view, _hash()
        existing.external_id = view.get("external_id") or existing.external_id
    return {"view": existing.to_slack()}


METHODS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}


def apply_submission_ack(em: SlackEmulator, user: str, view_id: str, body: str) -> None:
    """Do to the modal what Slack does with the bot's acknowledgement of a view_submission."""
    ws = em.workspace
    stack = ws.modal_stacks.get(user, [])
    if view_id not in stack:
        return
    if not body.strip():
        close_views(em, user, view_id)
        return
    try:
        reply = json.loads(body)
    except json.JSONDecodeError:
        reply = None
    if not isinstance(reply, dict):
        em.record_violation("view_submission", ["ack body must be empty or a JSON object"])
        return
    action = reply.get("response_action")
    if action == "clear":
        close_views(em, user)
    elif action in ("update", "push"):
        problems = check_view(reply.get("view"))
        if isinstance(reply.get("view"), dict) and reply["view"].get("type") != "modal":
            problems.append(f"response_action {action}: the view must be a modal")
        if action == "push" and len(stack) >= MAX_MODAL_STACK:
            problems.append("response_action push: the modal stack already holds 3 views")
        if problems:
            em.record_violation(f"view_submission {action}", problems)
            return
        view = reply["view"]
        assign_ids(view["blocks"], f"ack/{ws.next_ts()}")
        if action == "update":
            ws.views[view_id].view, ws.views[view_id].hash = view, _hash()
        else:
            stack.append(_new_view(em, user, view, stack[-1], stack[0]).id)
    elif action == "errors":
        inputs = {
            b.get("block_id")
            for b in ws.views[view_id].view.get("blocks", [])
            if isinstance(b, dict) and b.get("type") == "input"
        }
        errors = reply.get("errors")
        if not isinstance(errors, dict) or not errors:
            em.record_violation("view_submission errors", ["errors must be a non-empty object"])
            return
        unknown = sorted(set(errors) - inputs)
        if unknown:
            em.record_violation(
                "view_submission errors", [f"errors keyed by non-input block_ids {unknown}"]
            )
    else:
        em.record_violation("view_submission", [f"unknown response_action {action!r}"])
