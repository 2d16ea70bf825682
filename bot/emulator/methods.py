"""auth.*, users.* and conversations.* methods."""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from typing import TYPE_CHECKING, Any

from .common import ApiError, flag, require
from .workspace import Channel, User, Workspace

if TYPE_CHECKING:
    from .webapi import SlackEmulator

# Names Slack keeps for itself; creating a channel with one is refused.
RESERVED_NAMES = {
    "archive", "archived", "archives", "all", "channel", "channels", "create", "delete",
    "deleted-channel", "edit", "everyone", "general", "group", "groups", "here", "me", "ms",
    "slack", "slackbot", "today", "you",
}  # fmt: skip
_NAME_RE = re.compile(r"[a-z0-9_-]+")


def user_object(ws: Workspace, user: User, include_locale: bool = False) -> dict[str, Any]:
    """A user as users.info returns it."""
    out: dict[str, Any] = {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz_label,
        "tz_offset": user.tz_offset,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "is_admin": False,
        "profile": {
            "real_name": user.real_name,
            "display_name": user.name,
            "real_name_normalized": user.real_name,
            "display_name_normalized": user.name,
            "email": user.email,
            "team": ws.team_id,
        },
    }
    if user.is_bot:
        out["profile"]["bot_id"] = ws.bot_id
    if include_locale:
        out["locale"] = "en-US"
    return out


def channel_object(ws: Workspace, channel: Channel, num_members: bool = False) -> dict[str, Any]:
    """A conversation as conversations.info returns it."""
    if channel.is_im:
        im_user = ws.users.get(channel.im_user or "")
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": bool(im_user and im_user.deleted),
            "priority": 0,
        }
    out: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private and not channel.is_mpim,
        "is_group": channel.is_private and not channel.is_mpim,
        "is_im": False,
        "is_mpim": channel.is_mpim,
        "is_private": channel.is_private,
        "created": channel.created,
        "creator": channel.created_by or "",
        "is_archived": channel.is_archived,
        "is_general": False,
        "is_shared": False,
        "is_org_shared": False,
        "is_member": ws.bot_user_id in channel.members,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
    if num_members:
        out["num_members"] = len(channel.members)
    return out


def visible_channel(ws: Workspace, key: str) -> Channel:
    """A conversation the bot can see by id, else channel_not_found like Slack."""
    channel = ws.channels.get(key) or ws.find_channel(key)
    # Private conversations the bot is not in are invisible to it, not forbidden.
    if channel is None or (channel.is_private and ws.bot_user_id not in channel.members):
        raise ApiError("channel_not_found")
    return channel


def auth_test(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """auth.test: who the token belongs to."""
    ws = em.workspace
    return {
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """users.info: one user's profile, deleted users included (with deleted: true)."""
    user = em.workspace.users.get(require(args, "user", "user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user_object(em.workspace, user, flag(args, "include_locale"))}


def users_lookup_by_email(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """users.lookupByEmail: active users only."""
    email = require(args, "email").strip().lower()
    for user in em.workspace.users.values():
        if user.email.lower() == email and not user.deleted:
            return {"user": user_object(em.workspace, user)}
    raise ApiError("users_not_found")


def conversations_open(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.open: the bot's DM (or group DM) with the given users."""
    ws = em.workspace
    if args.get("channel"):
        channel = ws.channels.get(str(args["channel"]))
        if channel is None:
            raise ApiError("channel_not_found")
        if not (channel.is_im or channel.is_mpim):
            raise ApiError("method_not_supported_for_channel_type")
        return _opened(ws, channel, True, flag(args, "return_im"))
    ids = [part.strip() for part in str(args.get("users") or "").split(",") if part.strip()]
    if not ids:
        raise ApiError("users_list_not_supplied")
    if len(ids) > 8:
        raise ApiError("too_many_users")
    for user_id in ids:
        user = ws.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_disabled")
    others = sorted({i for i in ids if i != ws.bot_user_id})
    if not others:
        raise ApiError("invalid_user_combination")
    if len(others) == 1:
        existed = ws.im_id(others[0]) in ws.channels
        return _opened(ws, ws.im_for(others[0]), existed, flag(args, "return_im"))
    members = set(others) | {ws.bot.id}
    for channel in ws.channels.values():
        if channel.is_mpim and channel.members == members:
            return _opened(ws, channel, True, flag(args, "return_im"))
    name = "mpdm-" + "--".join(ws.users[i].name for i in others) + "-1"
    channel = ws.add_channel(name, is_private=True, members=members, created_by=ws.bot.id)
    channel.is_mpim = True
    return _opened(ws, channel, False, flag(args, "return_im"))


def _opened(ws: Workspace, channel: Channel, existed: bool, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": channel_object(ws, channel) if full else {"id": channel.id}}
    if existed:
        body.update(no_op=True, already_open=True)
    return body


def conversations_create(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.create: a new channel with the bot as its first member."""
    ws = em.workspace
    name = str(args.get("name") or "")
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > 80:
        raise ApiError("invalid_name_maxlength")
    if set(name) <= set("-_"):
        raise ApiError("invalid_name_punctuation")
    if not _NAME_RE.fullmatch(name):
        raise ApiError("invalid_name_specials")
    if name in RESERVED_NAMES:
        raise ApiError("invalid_name")
    if any(c.name == name and not c.is_im for c in ws.channels.values()):
        raise ApiError("name_taken")
    channel = ws.add_channel(
        name, is_private=flag(args, "is_private"), members={ws.bot.id}, created_by=ws.bot.id
    )
    return {"channel": channel_object(ws, channel)}


def conversations_invite(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.invite: the bot adds people to a channel it is in."""
    ws = em.workspace
    channel = visible_channel(ws, require(args, "channel", "channel_not_found"))
    if channel.is_im or channel.is_mpim:
        raise ApiError("method_not_supported_for_channel_type")
    if ws.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    if channel.is_archived:
        raise ApiError("is_archived")
    ids = [part.strip() for part in str(args.get("users") or "").split(",") if part.strip()]
    if not ids:
        raise ApiError("no_user")
    for user_id in ids:
        if user_id == ws.bot.id:
            raise ApiError("cant_invite_self")
        user = ws.users.get(user_id)
        if user is None or user.deleted:
            raise ApiError("user_not_found")
    new = [i for i in ids if i not in channel.members]
    if not new:
        raise ApiError("already_in_channel")
    channel.members.update(new)
    return {"channel": channel_object(ws, channel)}


def conversations_kick(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.kick: the bot removes someone from a channel it is in."""
    ws = em.workspace
    channel = visible_channel(ws, require(args, "channel", "channel_not_found"))
    if channel.is_im or channel.is_mpim:
        raise ApiError("method_not_supported_for_channel_type")
    user_id = str(args.get("user") or "")
    if user_id == ws.bot.id:
        raise ApiError("cant_kick_self")
    if user_id not in ws.users:
        raise ApiError("user_not_found")
    if user_id not in channel.members or ws.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    channel.members.discard(user_id)
    return {}


def conversations_members(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.members: who is in a conversation the bot can see, paginated by cursor."""
    channel = visible_channel(em.workspace, require(args, "channel", "channel_not_found"))
    try:
        limit = int(args.get("limit") or 100)
    except (TypeError, ValueError):
        raise ApiError("invalid_limit") from None
    if not 1 <= limit <= 1000:
        raise ApiError("invalid_limit")
    members = sorted(channel.members)
    start = 0
    if args.get("cursor"):
        try:
            after = base64.b64decode(str(args["cursor"]), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("invalid_cursor") from None
        if not after.startswith("user:"):
            raise ApiError("invalid_cursor")
        start = bisect.bisect_right(members, after.removeprefix("user:"))
    page = members[start : start + limit]
    more = start + limit < len(members)
    cursor = base64.b64encode(f"user:{page[-1]}".encode()).decode() if more else ""
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_info(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.info: one conversation the bot can see."""
    channel = visible_channel(em.workspace, require(args, "channel", "channel_not_found"))
    return {"channel": channel_object(em.workspace, channel, flag(args, "include_num_members"))}


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _ts_arg(args: dict[str, Any], name: str, error: str) -> float | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError(error) from None


def conversations_history(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """conversations.history: top-level messages, newest first, paginated by cursor."""
    ws = em.workspace
    channel = visible_channel(ws, require(args, "channel", "channel_not_found"))
    if ws.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    try:
        limit = min(999, max(1, int(args.get("limit") or 100)))
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", ["limit must be an integer"]) from None
    latest = _ts_arg(args, "latest", "invalid_ts_latest")
    oldest = _ts_arg(args, "oldest", "invalid_ts_oldest")
    inclusive = flag(args, "inclusive")
    if args.get("cursor"):
        try:
            decoded = base64.b64decode(str(args["cursor"]), validate=True).decode()
            before = float(decoded.removeprefix("next_ts:"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError("invalid_cursor") from None
        latest, inclusive_latest = before, False
    else:
        inclusive_latest = inclusive
    found = []
    for message in reversed(ws.messages.get(channel.id, [])):
        if message.deleted or message.ephemeral_for is not None:
            continue
        if message.thread_ts not in (None, message.ts):
            continue
        ts = float(message.ts)
        if latest is not None and (ts > latest or (ts == latest and not inclusive_latest)):
            continue
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            continue
        found.append(message)
    page = found[:limit]
    has_more = len(found) > limit
    with_metadata = flag(args, "include_all_metadata")
    return {
        "messages": [m.to_slack(with_metadata=with_metadata) for m in page],
        "has_more": has_more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": _cursor(page[-1].ts) if has_more else ""},
    }


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.open": conversations_open,
    "conversations.create": conversations_create,
    "conversations.invite": conversations_invite,
    "conversations.kick": conversations_kick,
    "conversations.members": conversations_members,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
}
