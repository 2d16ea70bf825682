"""The Slack side of inbound traffic: signed slash commands, clicks, submissions and events."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from .forms import FormError, ModalForm, element_state
from .webapi import SlackEmulator
from .workspace import Message, User

ACK_DEADLINE = 3.0
_CONTAINERS = ("elements", "accessory", "element")


@dataclass
class Reply:
    """What the bot answered to one request."""

    status: int
    headers: dict[str, str]
    body_text: str
    json: Any
    elapsed: float = 0.0


def _find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for block in blocks:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for key in _CONTAINERS:
            found = block.get(key)
            for element in found if isinstance(found, list) else [found]:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return block, element
    return None


def _action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    ids = []
    for block in blocks:
        for key in _CONTAINERS:
            found = block.get(key)
            for element in found if isinstance(found, list) else [found]:
                if isinstance(element, dict) and element.get("action_id"):
                    ids.append(element["action_id"])
    return ids


class SlackClient:
    """Sends requests to the bot exactly as Slack would, signed with the app's signing secret."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        emulator: SlackEmulator,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        verification_token: str = "emulator-verification-token",
        socket_mode: bool = False,
    ) -> None:
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.emulator = emulator
        self.clock = clock
        self.timeout = timeout
        self.verification_token = verification_token
        self.socket_mode = socket_mode
        """Deliver over the app's Socket Mode connection instead of signed HTTP requests."""

    # signing and sending ------------------------------------------------------------------

    def sign(self, body: bytes | str, timestamp: int | str) -> str:
        """The X-Slack-Signature for a body sent at `timestamp` (epoch seconds)."""
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def signed_headers(
        self, body: bytes, content_type: str, timestamp: int | None = None
    ) -> dict[str, str]:
        """Headers Slack sends with a body: content type, timestamp and signature."""
        ts = int(self.clock()) if timestamp is None else timestamp
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.sign(body, ts),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }

    def send_raw(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST exactly these bytes and headers to the bot (for unsigned or stale requests)."""
        request = urllib.request.Request(self.bot_url, data=body, headers=dict(headers))
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
                got = dict(response.headers.items())
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), dict(error.headers.items())
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            parsed = None
        return Reply(status, got, text, parsed, time.monotonic() - started)

    def _send(
        self, kind: str, body: bytes, content_type: str, extra: Mapping[str, str] | None = None
    ) -> Reply:
        if self.socket_mode:
            return self._over_socket(kind, body, content_type, extra or {})
        headers = self.signed_headers(body, content_type) | dict(extra or {})
        reply = self.send_raw(body, headers)
        if reply.elapsed > ACK_DEADLINE:
            self.emulator.record_violation(
                kind, [f"acknowledged after {reply.elapsed:.1f}s; Slack gives up after 3s"]
            )
        return reply

    def _over_socket(
        self, kind: str, body: bytes, content_type: str, extra: Mapping[str, str]
    ) -> Reply:
        """As an envelope on the Socket Mode connection: the body becomes the payload."""
        if content_type == "application/json":
            envelope, payload = "events_api", json.loads(body)
        else:
            fields = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            if "payload" in fields:
                envelope, payload = "interactive", json.loads(fields["payload"])
            else:
                envelope, payload = "slash_commands", fields
        started = time.monotonic()
        answer = self.emulator.socket_mode.deliver(
            envelope, payload, retry_attempt=int(extra.get("X-Slack-Retry-Num", 0))
        )
        elapsed = time.monotonic() - started
        if elapsed > ACK_DEADLINE:
            self.emulator.record_violation(
                kind, [f"acknowledged after {elapsed:.1f}s; Slack gives up after 3s"]
            )
        text = json.dumps(answer) if answer else ""
        return Reply(200, {}, text, answer or None, elapsed)

    def _form(self, kind: str, fields: Mapping[str, Any]) -> Reply:
        return self._send(kind, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _interaction(self, payload: dict[str, Any]) -> Reply:
        return self._form(payload["type"], {"payload": json.dumps(payload)})

    # who is who ------------------------------------------------------------------------------

    def _user(self, user: str | User) -> User:
        with self.emulator.lock:
            return self.emulator.workspace.user(user)

    def _base(self, user: User, kind: str) -> dict[str, Any]:
        """An interaction payload's common fields, `type` first as Slack sends it."""
        ws = self.emulator.workspace
        return {
            "type": kind,
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": {
                "id": user.id,
                "username": user.name,
                "name": user.name,
                "team_id": ws.team_id,
            },
            "api_app_id": ws.app_id,
            "token": self.verification_token,
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # inbound traffic --------------------------------------------------------------------------

    def command(
        self, user: str | User, command: str, text: str = "", *, channel_id: str | None = None
    ) -> Reply:
        """A slash command typed by `user` (in their DM with the app unless channel_id is given)."""
        fields = self.command_fields(user, command, text, channel_id=channel_id)
        reply = self._form("slash_command", fields)
        if reply.status == 200:
            channel, person = fields["channel_id"], fields["user_id"]
            self.emulator.show_reply(channel, person, reply.body_text, "command ack")
        return reply

    def command_fields(
        self, user: str | User, command: str, text: str = "", *, channel_id: str | None = None
    ) -> dict[str, str]:
        """The form Slack posts for a slash command (fresh response URL and trigger id)."""
        person = self._user(user)
        ws = self.emulator.workspace
        with self.emulator.lock:
            channel = ws.channel(channel_id) if channel_id else ws.im_for(person.id)
        fields = {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": person.id,
            "user_name": person.name,
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self.emulator.issue_response_url(channel.id, None, person.id),
            "trigger_id": self.emulator.issue_trigger_id(person.id),
        }
        return fields

    def click(
        self,
        user: str | User,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        message: Message | Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Reply:
        """A click (or selection) on an interactive element in a message or view."""
        person = self._user(user)
        payload = self._base(person, "block_actions")
        payload["trigger_id"] = self.emulator.issue_trigger_id(person.id)
        blocks: list[dict[str, Any]] | None = None
        if view is not None:
            view_state = (
                state if state is not None else ModalForm(view, self.emulator.workspace).fill()
            )
            payload["view"] = {**view, "state": {"values": dict(view_state)}}
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            blocks = list(view.get("blocks") or [])
        else:
            as_dict: dict[str, Any] | None = None
            ephemeral = False
            if isinstance(message, Message):
                channel_id = channel_id or message.channel
                ephemeral = message.ephemeral_for is not None
                as_dict = message.to_slack()
            elif message is not None:
                as_dict = dict(message)
                channel_id = channel_id or as_dict.get("channel")
            if channel_id is None:
                raise ValueError("click on a message needs the message or a channel_id")
            with self.emulator.lock:
                channel = self.emulator.workspace.channel(channel_id)
            ts = as_dict.get("ts") if as_dict else None
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel.id,
                "is_ephemeral": ephemeral,
            }
            if as_dict is not None:
                payload["message"] = as_dict
                blocks = list(as_dict.get("blocks") or [])
            payload["state"] = {"values": dict(state or {})}
            payload["response_url"] = self.emulator.issue_response_url(channel.id, ts, person.id)
        payload["actions"] = [self._action(action_id, value, block_id, blocks)]
        return self._interaction(payload)

    def _action(
        self, action_id: str, value: Any, block_id: str | None, blocks: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        found = _find_element(blocks, action_id, block_id) if blocks is not None else None
        if found is None and blocks is not None:
            raise FormError(
                f"nothing with action_id {action_id!r} to click; there is {_action_ids(blocks)}"
            )
        block, element = found if found else ({"block_id": block_id or "actions"}, {})
        kind = element.get("type", "button")
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block.get("block_id"),
            "action_ts": f"{self.clock():.6f}",
        }
        if kind in ("button", "workflow_button"):
            action["type"] = kind
            action["text"] = element.get("text", {"type": "plain_text", "text": action_id})
            chosen = value if value is not None else element.get("value")
            if chosen is not None:
                action["value"] = chosen
            if element.get("style"):
                action["style"] = element["style"]
        else:
            state = element_state(element, value, where=action_id, ws=self.emulator.workspace)
            action.update(state)
        return action

    def submit(
        self,
        user: str | User,
        view: Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        force: bool = False,
    ) -> Reply:
        """The user presses the modal's submit button with these state.values."""
        person = self._user(user)
        if not force:
            open_ids = [v["id"] for v in self.emulator.open_views(person.id)]
            if view.get("id") not in open_ids:
                raise FormError(f"view {view.get('id')!r} is not open for {person.name}")
            problems = ModalForm(view).problems(values)
            if problems:
                raise FormError("Slack would not submit this form: " + "; ".join(problems))
        payload = self._base(person, "view_submission")
        payload.update(
            trigger_id=self.emulator.issue_trigger_id(person.id),
            view={**view, "state": {"values": dict(values)}},
            response_urls=[],
        )
        reply = self._interaction(payload)
        if reply.status == 200 and view.get("id"):
            self.emulator.acknowledge_submission(person.id, str(view["id"]), reply.body_text)
        return reply

    def close(
        self, user: str | User, view: Mapping[str, Any], values: Mapping[str, Any] | None = None
    ) -> Reply | None:
        """The user dismisses a modal (with what they had typed, `values`); the bot hears of it
        only if the view set notify_on_close."""
        person = self._user(user)
        if view.get("id"):
            self.emulator.close_view(person.id, str(view["id"]))
        if not view.get("notify_on_close"):
            return None
        payload = self._base(person, "view_closed")
        if values is None:
            values = ModalForm(view, self.emulator.workspace).fill()
        payload.update(view={**view, "state": {"values": dict(values)}}, is_cleared=False)
        return self._interaction(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> Reply:
        """An Events API event_callback (with retry headers when retry_num is set)."""
        ws = self.emulator.workspace
        now = self.clock()
        inner = dict(event)
        inner.setdefault("event_ts", f"{now:.6f}")
        envelope = {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot.id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": secrets.token_hex(8),
        }
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self._send("event", json.dumps(envelope).encode(), "application/json", extra)

    def url_verification(self, challenge: str) -> Reply:
        """The handshake Slack does when the Events API URL is configured."""
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self._send("url_verification", json.dumps(body).encode(), "application/json")
