"""The one place that talks to Slack's Web API. Services and handlers send through it."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.errors import SlackUnavailable
from bot.slack.client import retry_after
from bot.slack.transport import ConnectionPool

log = logging.getLogger(__name__)

# Every Web API method loopbot calls, with the bot scope it relies on (None: no scope needed).
# `app.yaml` must declare exactly these scopes plus `commands`; a test holds the two together.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "conversations.open": "im:write",
    "conversations.create": "groups:write",
    "conversations.invite": "groups:write",
    "conversations.kick": "groups:write",
    "conversations.members": "groups:read",
    "conversations.info": "groups:read",
    "conversations.history": "im:history",
    "users.info": "users:read",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
EXTRA_SCOPES = {"users:read.email": "users.info answers with the profile e-mail (calendars)"}
"""Scopes that change what a method answers rather than allow a method."""


FILES_REFUSED = {"file_uploads_disabled", "file_uploads_except_images_disabled"}
"""The workspace takes no files: the text goes alone, saying so."""
NO_FILES_NOTE = "(The calendar file is not attached: this workspace does not allow file uploads.)"

TAG_EVENT = "loopbot_message"
"""Message metadata event type of loopbot's tagged messages."""

MEMBER_TTL_S = 600
"""How long a person added to a channel is taken to be still in it (`Messenger.invite`)."""

TRIGGER_ERRORS = ("expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id")


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    real_name: str
    tz: str
    deleted: bool
    is_bot: bool
    email: str = ""


class Messenger:
    """Sends messages and views; remembers DM channels; turns Slack failures into domain errors."""

    USER_TTL_S = 300

    def __init__(self, client: WebClient):
        self.client = client
        self._dm_channels: dict[str, str] = {}
        self._users: dict[str, tuple[float, SlackUser]] = {}
        self._members: dict[tuple[str, str], float] = {}
        """(channel, person) → when this process last saw them join or found them there."""
        self._lock = threading.Lock()

    def call(self, method: str, _form: bool = False, **args: Any) -> dict[str, Any]:
        """Call a Web API method (JSON body; form-encoded with `_form`, for methods that take
        only that)."""
        if method not in METHOD_SCOPES:
            raise AssertionError(f"{method} is not declared in METHOD_SCOPES")
        try:
            sent = {"params": args} if _form else {"json": args}
            data = self.client.api_call(method, **sent).data
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error")
            if exc.response.status_code == 429:
                metrics.slack_call(method, "rate_limited")
                log.info("slack rate limit", extra={"method": method})
                raise RateLimited(method, retry_after(exc.response.headers)) from None
            metrics.slack_call(method, "refused")
            log.warning("slack call failed", extra={"method": method, "slack_error": error})
            raise SlackCallFailed(method, error) from None
        except OSError as exc:
            metrics.slack_call(method, "unreachable")
            log.warning("slack unreachable", extra={"method": method, "error": type(exc).__name__})
            raise SlackUnavailable("Slack did not answer; please try again in a minute.") from None
        metrics.slack_call(method, "ok")
        return data  # type: ignore[return-value]

    def dm_channel(self, user_id: str) -> str:
        with self._lock:
            cached = self._dm_channels.get(user_id)
        if cached:
            return cached
        channel = self.call("conversations.open", users=user_id)["channel"]["id"]
        with self._lock:
            self._dm_channels[user_id] = channel
        return channel

    def dm(
        self,
        user_id: str,
        *,
        text: str,
        blocks: list[dict] | None = None,
        tag: str | None = None,
        file: tuple[str, bytes] | None = None,
    ) -> Posted:
        """Post to a person's DM with the bot, re-opening the DM once if Slack lost it; with
        `file` (name, content), share that file with `text` as its comment instead."""
        if file is not None:
            return self.dm_file(user_id, text=text, filename=file[0], content=file[1])
        try:
            return self.post(self.dm_channel(user_id), text=text, blocks=blocks, tag=tag)
        except SlackCallFailed as exc:
            if exc.error not in ("channel_not_found", "is_archived"):
                raise
            with self._lock:
                self._dm_channels.pop(user_id, None)
            return self.post(self.dm_channel(user_id), text=text, blocks=blocks, tag=tag)

    def tagged_in_dm(self, user_id: str, *, limit: int = 50) -> dict[str, Posted]:
        """loopbot's tags (`post(tag=…)`) on the latest messages of a person's DM, so a message
        whose sending was cut off can be looked for before it is sent again."""
        channel = self.dm_channel(user_id)
        data = self.call(
            "conversations.history", channel=channel, limit=limit, include_all_metadata=True
        )
        found: dict[str, Posted] = {}
        for message in data.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") == TAG_EVENT:
                tag = (meta.get("event_payload") or {}).get("tag")
                if isinstance(tag, str):
                    found[tag] = Posted(channel=channel, ts=message["ts"])
        return found

    def post(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        tag: str | None = None,
    ) -> Posted:
        """Post a message; `tag` goes with it as message metadata, so it can be found again."""
        args: dict[str, Any] = {"channel": channel, "text": text, **_given(blocks=blocks)}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if tag:
            args["metadata"] = {"event_type": TAG_EVENT, "event_payload": {"tag": tag}}
        data = self.call("chat.postMessage", **args)
        return Posted(channel=data["channel"], ts=data["ts"])

    def dm_file(self, user_id: str, *, text: str, filename: str, content: bytes) -> Posted:
        """Share a file in a person's DM with the bot, with `text` as its comment (Slack's
        current upload: files.getUploadURLExternal, the bytes, files.completeUploadExternal)."""
        channel = self.dm_channel(user_id)
        try:
            ticket = self.call(
                "files.getUploadURLExternal", _form=True, filename=filename, length=len(content)
            )
        except SlackCallFailed as exc:
            if exc.error not in FILES_REFUSED:
                raise
            return self.post(channel, text=f"{text} {NO_FILES_NOTE}")
        request = urllib.request.Request(ticket["upload_url"], data=content, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.client.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            raise SlackCallFailed("files.upload", f"http_{exc.code}") from None
        except OSError:
            raise SlackUnavailable("Slack did not take the file; please try again.") from None
        self.call(
            "files.completeUploadExternal",
            files=[{"id": ticket["file_id"], "title": filename}],
            channel_id=channel,
            initial_comment=text,
        )
        return Posted(channel=channel, ts=self._shared_ts(channel, ticket["file_id"]))

    def _shared_ts(self, channel: str, file_id: str) -> str:
        """The ts of the message that shares the file, so it is recorded (and erased by a
        purge) like any other; "" when Slack has not shown it yet."""
        try:
            data = self.call("conversations.history", channel=channel, limit=5)
        except SlackUnavailable:
            return ""
        for message in data.get("messages", []):
            if any(f.get("id") == file_id for f in message.get("files") or []):
                return message["ts"]
        return ""

    def update(self, channel: str, ts: str, *, text: str, blocks: list[dict] | None = None) -> None:
        self.call("chat.update", channel=channel, ts=ts, text=text, **_given(blocks=blocks))

    def delete(self, channel: str, ts: str) -> None:
        self.call("chat.delete", channel=channel, ts=ts)

    def ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[dict] | None = None
    ) -> None:
        extra = _given(blocks=blocks)
        self.call("chat.postEphemeral", channel=channel, user=user_id, text=text, **extra)

    def open_view(self, trigger_id: str, view: dict) -> dict:
        """Open a modal; Slack gives 3 seconds from the click before the trigger expires."""
        try:
            return self.call("views.open", trigger_id=trigger_id, view=view)["view"]
        except SlackCallFailed as exc:
            if exc.error in TRIGGER_ERRORS:
                raise SlackUnavailable(
                    "Slack took too long to open that; please try again."
                ) from None
            raise

    def push_view(self, trigger_id: str, view: dict) -> dict:
        return self.call("views.push", trigger_id=trigger_id, view=view)["view"]

    def update_view(self, view_id: str, view: dict, *, hash: str | None = None) -> dict:
        return self.call("views.update", view_id=view_id, view=view, **_given(hash=hash))["view"]

    def publish_home(self, user_id: str, view: dict) -> None:
        self.call("views.publish", user_id=user_id, view=view)

    def user(self, user_id: str) -> SlackUser:
        """A person's profile (time zone, deleted), cached for a few minutes."""
        with self._lock:
            cached = self._users.get(user_id)
        if cached and time.monotonic() - cached[0] < self.USER_TTL_S:
            return cached[1]
        try:
            data = self.call("users.info", user=user_id)["user"]
        except SlackCallFailed as exc:
            if exc.error != "user_not_found":
                raise
            return SlackUser(
                id=user_id, name="", real_name="", tz="UTC", deleted=True, is_bot=False
            )
        user = self._user_from(data)
        with self._lock:
            self._users[user_id] = (time.monotonic(), user)
        return user

    @staticmethod
    def _user_from(data: dict) -> SlackUser:
        return SlackUser(
            id=data["id"],
            name=data.get("name", ""),
            real_name=data.get("real_name") or data.get("profile", {}).get("real_name", ""),
            tz=data.get("tz") or "UTC",
            deleted=bool(data.get("deleted")),
            is_bot=bool(data.get("is_bot")),
            email=(data.get("profile") or {}).get("email") or "",
        )

    def respond(
        self,
        response_url: str,
        *,
        text: str,
        blocks: list[dict] | None = None,
        replace_original: bool = False,
    ) -> None:
        """Answer through an interaction's response URL (ephemeral unless replacing)."""
        body = {"text": text, "response_type": "ephemeral", "replace_original": replace_original}
        self.answer(response_url, body | _given(blocks=blocks))

    def answer(self, response_url: str, body: dict[str, Any]) -> None:
        """Post a whole message to a response URL, on the kept-alive connections the Web API
        calls use (a WebClient without them sends it on a connection of its own)."""
        pool = getattr(self.client, "pool", None)
        try:
            if isinstance(pool, ConnectionPool):
                status, _, _, data = pool.post(
                    response_url,
                    json.dumps(body).encode(),
                    {"Content-Type": "application/json;charset=utf-8"},
                )
                answer = data.decode("utf-8", errors="replace")
            else:
                response = WebhookClient(response_url, timeout=10).send_dict(body)
                status, answer = response.status_code, response.body
        except OSError:
            raise SlackUnavailable("Slack did not answer; please try again in a minute.") from None
        if status >= 400:
            raise SlackCallFailed("response_url", answer or str(status))

    def members(self, channel: str) -> set[str]:
        """Everyone in a channel, page after page."""
        found: set[str] = set()
        cursor: str | None = None
        while cursor != "":
            page = self.call("conversations.members", channel=channel, cursor=cursor or "")
            found.update(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        return found

    def remove(self, channel: str, user_id: str) -> None:
        """Take someone out of a channel (`invite` then asks Slack for them again)."""
        with self._lock:
            self._members.pop((channel, user_id), None)
        self.call("conversations.kick", channel=channel, user=user_id)

    def create_private_channel(self, name: str) -> str:
        return self.call("conversations.create", name=name, is_private=True)["channel"]["id"]

    def invite(self, channel: str, user_ids: list[str]) -> None:
        """Add people to a channel. Someone this process added (or found there) in the last
        few minutes is not asked for again: a submission re-checks its author's place in the
        loop's channel, and Slack allows about one invitation a second."""
        now = time.monotonic()
        wanted = [u for u in user_ids if not self.in_channel(channel, u, now)]
        if not wanted:
            return
        try:
            self.call("conversations.invite", channel=channel, users=",".join(wanted))
        except SlackCallFailed as exc:
            if exc.error != "already_in_channel" or len(wanted) > 1:
                raise
        with self._lock:
            self._members.update(((channel, u), now) for u in wanted)

    def in_channel(self, channel: str, user_id: str, now: float | None = None) -> bool:
        """Whether this process added the person to the channel (or found them there) in the
        last few minutes: `invite` would not ask Slack for them."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return now - self._members.get((channel, user_id), -1e9) < MEMBER_TTL_S


def _given(**args: Any) -> dict[str, Any]:
    """The optional arguments that were given (Slack reads a null as a value)."""
    return {name: value for name, value in args.items() if value is not None}


class Responder:
    """Bolt's `respond(text=..., blocks=..., response_type=...)` for a listener, sent through
    `Messenger.answer` (a kept-alive connection) instead of a new connection per answer."""

    def __init__(self, messenger: Messenger, response_url: str | None):
        self.messenger = messenger
        self.response_url = response_url

    def __call__(self, text: str = "", blocks: list[dict] | None = None, **fields: Any) -> None:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        body: dict[str, Any] = {"text": text}
        if blocks:
            body["blocks"] = blocks
        body.update((k, v) for k, v in fields.items() if v is not None)
        self.messenger.answer(self.response_url, body)


class SlackCallFailed(SlackUnavailable):
    """Slack answered `ok: false`; `error` is Slack's code (e.g. channel_not_found)."""

    def __init__(self, method: str, error: str):
        super().__init__(f"Slack refused {method} ({error}); please try again.")
        self.method = method
        self.error = error


class RateLimited(SlackCallFailed):
    """Slack answered 429: the call may be made again after `retry_after` seconds."""

    def __init__(self, method: str, retry_after: float):
        super().__init__(method, "ratelimited")
        self.retry_after = retry_after
