"""chat.* methods and response_url posts."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .blockkit import MESSAGE_TEXT_MAX, check_message
from .common import ApiError, assign_ids, flag, require
from .methods import visible_channel
from .workspace import Channel, Edit, Message

if TYPE_CHECKING:
    from .webapi import SlackEmulator

MARKDOWN_TEXT_MAX = 12000
# Slack lets an app use one response_url up to five times within thirty minutes.
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60


@dataclass
class ResponseUrl:
    """A response_url handed out with a slash command or interaction."""

    id: str
    issued_at: float
    channel: str | None = None
    message_ts: str | None = None
    user: str | None = None
    posts: list[dict[str, Any]] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)
    """The caller's TCP connection (its port) of each post: kept-alive answers share one."""


def postable_channel(em: SlackEmulator, key: str) -> Channel:
    """The conversation chat.* may post to, or the error Slack answers."""
    ws = em.workspace
    if key[:1] in ("U", "W") and key in ws.users:
        user = ws.users[key]
        # Posting to a user id lands in the app's DM with them; there is none for a gone user.
        if user.deleted or user.is_bot:
            raise ApiError("channel_not_found")
        return ws.im_for(user.id)
    channel = visible_channel(ws, key)
    if channel.is_im and channel.im_user in ws.users and ws.users[channel.im_user].deleted:
        raise ApiError("channel_not_found")
    if channel.is_archived:
        raise ApiError("is_archived")
    if ws.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def message_content(
    em: SlackEmulator, method: str, args: dict[str, Any]
) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Check text/blocks the way Slack does and return them ready to store."""
    text = args.get("text")
    text = None if text is None else str(text)
    blocks = args.get("blocks")
    if isinstance(blocks, str) and not blocks.strip():
        blocks = None
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    markdown = args.get("markdown_text")
    if markdown:
        if text or blocks:
            raise ApiError("markdown_text_conflict")
        if len(str(markdown)) > MARKDOWN_TEXT_MAX:
            em.record_violation(method, [f"markdown_text: more than {MARKDOWN_TEXT_MAX} chars"])
            raise ApiError("msg_too_long")
        text = str(markdown)
    if not text and not blocks and not args.get("attachments"):
        raise ApiError("no_text")
    if text is not None and len(text) > MESSAGE_TEXT_MAX:
        em.record_violation(method, [f"text: {len(text)} characters, more than {MESSAGE_TEXT_MAX}"])
        raise ApiError("msg_too_long")
    problems = check_message(blocks, None)
    if problems:
        em.record_violation(method, problems)
        raise ApiError("invalid_blocks", problems)
    if blocks:
        blocks = assign_ids(blocks, f"{method}/{em.workspace.next_ts()}")
    return text, blocks or None


def post_message(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """chat.postMessage: the bot posts in a conversation it belongs to."""
    ws = em.workspace
    # Content first: a bad payload is a bug wherever it was headed, so it is always reported.
    text, blocks = message_content(em, "chat.postMessage", args)
    channel = postable_channel(em, require(args, "channel", "channel_not_found"))
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    message = Message(
        channel.id, ws.next_ts(), ws.bot.id, text, blocks, thread_ts, bot_id=ws.bot_id
    )
    message.metadata = _metadata(args.get("metadata"))
    ws.add_message(message)
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}


def _metadata(value: Any) -> dict[str, Any] | None:
    """Message metadata as Slack takes it: an event_type and an object of event_payload."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("event_type"), str)
        or not isinstance(value.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def post_ephemeral(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """chat.postEphemeral: a message only one member of the conversation sees."""
    ws = em.workspace
    text, blocks = message_content(em, "chat.postEphemeral", args)
    channel = postable_channel(em, require(args, "channel", "channel_not_found"))
    user = ws.users.get(require(args, "user", "user_not_in_channel"))
    if user is None or user.deleted or user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    message = Message(
        channel.id, ws.next_ts(), ws.bot.id, text, blocks, thread_ts, user.id, bot_id=ws.bot_id
    )
    ws.add_message(message)
    return {"message_ts": message.ts}


def _own_message(em: SlackEmulator, args: dict[str, Any], refusal: str) -> Message:
    ws = em.workspace
    channel = visible_channel(ws, require(args, "channel", "channel_not_found"))
    message = ws.find_message(channel.id, require(args, "ts", "message_not_found"))
    if message is None or message.deleted:
        raise ApiError("message_not_found")
    if message.user != ws.bot.id:
        raise ApiError(refusal)
    return message


def update(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """chat.update: the bot edits one of its own messages."""
    message = _own_message(em, args, "cant_update_message")
    # Slack keeps the old text when the update leaves it out, and the old blocks only when it
    # leaves out the text too: new text without blocks replaces the blocks (buttons and all).
    merged = dict(args)
    if "text" not in args:
        merged["text"] = message.text
    if "blocks" not in args and "text" not in args:
        merged["blocks"] = copy.deepcopy(message.blocks)
    if not any(k in args for k in ("text", "blocks", "attachments", "markdown_text")):
        raise ApiError("no_text")
    text, blocks = message_content(em, "chat.update", merged)
    message.edits.append(Edit(message.edited_ts or message.ts, message.text, message.blocks))
    message.text, message.blocks = text, blocks
    message.edited_ts = em.workspace.next_ts()
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text or "",
        "message": message.to_slack(),
    }


def delete(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """chat.delete: the bot removes one of its own messages."""
    message = _own_message(em, args, "cant_delete_message")
    message.deleted = True
    return {"channel": message.channel, "ts": message.ts}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
}


def respond(em: SlackEmulator, url: ResponseUrl, payload: Any) -> tuple[int, dict[str, Any]]:
    """Apply a POST to a response_url; returns the HTTP status and JSON body Slack would send."""
    if em.clock() - url.issued_at > RESPONSE_URL_TTL:
        return 404, {"ok": False, "error": "expired_url"}
    if len(url.posts) >= RESPONSE_URL_USES:
        return 404, {"ok": False, "error": "used_url"}
    if not isinstance(payload, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    url.posts.append(payload)
    return deliver(em, url.channel, url.message_ts, url.user, payload, "response_url")


def deliver(
    em: SlackEmulator,
    channel: str | None,
    message_ts: str | None,
    user: str | None,
    payload: dict[str, Any],
    where: str,
) -> tuple[int, dict[str, Any]]:
    """Show a reply (response_url post or command ack) in the conversation it answers."""
    ws = em.workspace
    if flag(payload, "delete_original") or flag(payload, "replace_original"):
        original = ws.find_message(channel or "", message_ts or "")
        if original is None or original.deleted:
            return 404, {"ok": False, "error": "message_not_found"}
        if flag(payload, "delete_original"):
            original.deleted = True
            return 200, {"ok": True}
    try:
        text, blocks = message_content(em, where, payload)
    except ApiError as exc:
        return 400, exc.body()
    if flag(payload, "replace_original"):
        original = ws.find_message(channel or "", message_ts or "")
        assert original is not None
        original.edits.append(
            Edit(original.edited_ts or original.ts, original.text, original.blocks)
        )
        original.text, original.blocks = text, blocks
        original.edited_ts = ws.next_ts()
    elif channel is not None:
        ephemeral = payload.get("response_type", "ephemeral") != "in_channel"
        thread_ts = payload.get("thread_ts")
        message = Message(
            channel, ws.next_ts(), ws.bot.id, text, blocks, str(thread_ts) if thread_ts else None
        )
        message.ephemeral_for = user if ephemeral else None
        message.bot_id = ws.bot_id
        ws.add_message(message)
    return 200, {"ok": True}
