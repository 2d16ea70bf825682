"""The emulated Slack team: people, channels, messages and views, plus Slack-shaped ids and ts."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Slack reports long zone names ("Pacific Daylight Time"); zoneinfo only knows abbreviations.
_TZ_LABELS: dict[str, tuple[str, str]] = {
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Sao_Paulo": ("Brasilia Standard Time", "Brasilia Summer Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Lisbon": ("Western European Time", "Western European Summer Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
    "Asia/Kolkata": ("India Standard Time", "India Standard Time"),
    "Australia/Sydney": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
}


@dataclass
class User:
    """A member of the team; `tz` is an IANA zone name."""

    id: str
    name: str
    real_name: str
    email: str
    tz: str
    is_bot: bool = False
    deleted: bool = False

    def offset_at(self, when: datetime) -> int:
        """UTC offset in seconds of the user's zone at `when`."""
        offset = when.astimezone(ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    @property
    def tz_offset(self) -> int:
        """Current UTC offset in seconds, as users.info reports it."""
        return self.offset_at(datetime.now(ZoneInfo(self.tz)))

    @property
    def tz_label(self) -> str:
        """Long zone name for now, e.g. 'Eastern Daylight Time'."""
        now = datetime.now(ZoneInfo(self.tz))
        names = _TZ_LABELS.get(self.tz)
        if names is not None:
            return names[1] if now.dst() else names[0]
        minutes = self.tz_offset // 60
        sign = "+" if minutes >= 0 else "-"
        return f"GMT{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass
class Channel:
    """A public or private channel, a DM (`is_im`) or a group DM (`is_mpim`)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    members: set[str] = field(default_factory=set)
    created_by: str | None = None
    created: int = 0
    is_mpim: bool = False
    im_user: str | None = None
    is_archived: bool = False


@dataclass
class Edit:
    """A previous version of an edited message."""

    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None


@dataclass
class Message:
    """A posted message; ephemeral ones carry the one user who can see them."""

    channel: str
    ts: str
    user: str
    text: str | None
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    ephemeral_for: str | None = None
    deleted: bool = False
    edits: list[Edit] = field(default_factory=list)
    bot_id: str | None = None
    edited_ts: str | None = None
    metadata: dict[str, Any] | None = None
    """What the app attached (`event_type`, `event_payload`); shown only when asked for."""
    files: list[dict[str, Any]] | None = None
    """Files shared with the message (files.completeUploadExternal)."""

    def snapshot(self) -> Message:
        """This version of the message, as a screen shows it. The workspace never changes a
        message's blocks, metadata or files in place (an edit replaces them, and keeps the old
        ones in `edits`), so a later edit leaves the snapshot as it was. Read it only: its
        blocks are the workspace's own."""
        return replace(self, edits=list(self.edits))

    def to_slack(self, *, with_metadata: bool = False) -> dict[str, Any]:
        """The message object as conversations.history and payloads show it."""
        out: dict[str, Any] = {"type": "message", "user": self.user, "ts": self.ts}
        if with_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        out["text"] = self.text or ""
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
        if self.files:
            out["files"] = self.files
        if self.edited_ts is not None:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        return out


@dataclass
class View:
    """A modal or Home tab view as Slack keeps it."""

    id: str
    type: str
    user: str
    view: dict[str, Any]
    hash: str
    previous_view_id: str | None = None
    root_view_id: str | None = None
    external_id: str | None = None
    team_id: str = ""
    app_id: str = ""
    bot_id: str = ""
    closed: bool = False

    def to_slack(self) -> dict[str, Any]:
        """The view object as views.* responses and interaction payloads carry it."""
        out = dict(self.view)
        out.update(
            id=self.id,
            team_id=self.team_id,
            type=self.type,
            private_metadata=self.view.get("private_metadata", ""),
            callback_id=self.view.get("callback_id", ""),
            state={"values": {}},
            hash=self.hash,
            clear_on_close=bool(self.view.get("clear_on_close", False)),
            notify_on_close=bool(self.view.get("notify_on_close", False)),
            previous_view_id=self.previous_view_id,
            root_view_id=self.root_view_id or self.id,
            app_id=self.app_id,
            external_id=self.external_id or "",
            app_installed_team_id=self.team_id,
            bot_id=self.bot_id,
        )
        return out


class Workspace:
    """All state of the emulated team. Not locked itself: the emulator serialises access."""

    def __init__(
        self,
        *,
        team_id: str = "T0LOOPBOT",
        team_domain: str = "loopbot-demo",
        team_name: str = "Loopbot Demo",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.clock = clock
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.views: dict[str, View] = {}
        self.homes: dict[str, str] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.bot_user_id: str | None = None
        self.bot_id = "B0LOOPBOT"
        self.app_id = "A0LOOPBOT"
        self._counter = itertools.count(1)
        self._last_ts_us = 0

    # ids and timestamps -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-style id such as 'C0000002A'."""
        return f"{prefix}{next(self._counter):08X}"

    def next_ts(self) -> str:
        """A message ts in Slack's 'seconds.micros' form, strictly increasing."""
        now_us = int(self.clock() * 1_000_000)
        # Two posts in the same microsecond (or a clock held still in tests) still need distinct ts.
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    # people ---------------------------------------------------------------------------------

    def add_user(
        self,
        handle: str,
        real_name: str,
        email: str,
        tz: str,
        *,
        id: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> User:
        """Add a person (or bot user) to the team."""
        ZoneInfo(tz)  # fail early on a zone name that does not exist
        user = User(id or self.new_id("U"), handle, real_name, email, tz, is_bot, deleted)
        self.users[user.id] = user
        return user

    @property
    def bot(self) -> User:
        """The bot user whose token the emulator accepts."""
        if self.bot_user_id is None:
            raise LookupError("this workspace has no bot user")
        return self.users[self.bot_user_id]

    def find_user(self, key: str | User) -> User | None:
        """Look a user up by id, handle or email; None when there is no such user."""
        if isinstance(key, User):
            return self.users.get(key.id)
        if key in self.users:
            return self.users[key]
        for user in self.users.values():
            if key in (user.name, user.email):
                return user
        return None

    def user(self, key: str | User) -> User:
        """Like find_user but raises KeyError naming the known handles."""
        user = self.find_user(key)
        if user is None:
            known = ", ".join(sorted(u.name for u in self.users.values()))
            raise KeyError(f"no user {key!r} in the workspace; known handles: {known}")
        return user

    # conversations -------------------------------------------------------------------------

    def add_channel(
        self,
        name: str,
        *,
        id: str | None = None,
        is_private: bool = False,
        members: Iterable[str] = (),
        created_by: str | None = None,
    ) -> Channel:
        """Create a channel; `members` are user ids."""
        channel = Channel(
            id=id or self.new_id("G" if is_private else "C"),
            name=name,
            is_private=is_private,
            members=set(members),
            created_by=created_by,
            created=int(self.clock()),
        )
        self.channels[channel.id] = channel
        self.messages.setdefault(channel.id, [])
        return channel

    def find_channel(self, key: str) -> Channel | None:
        """Look a conversation up by id or by name (with or without '#')."""
        if key in self.channels:
            return self.channels[key]
        name = key.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        return None

    def channel(self, key: str) -> Channel:
        """Like find_channel but raises KeyError."""
        channel = self.find_channel(key)
        if channel is None:
            raise KeyError(f"no channel {key!r} in the workspace")
        return channel

    @staticmethod
    def im_id(user_id: str) -> str:
        """The id the bot's DM with this user has (or will have)."""
        return "D" + user_id[1:]

    def im_for(self, user_id: str) -> Channel:
        """The bot's DM with a user; the same D… id every time."""
        channel_id = self.im_id(user_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            members = {user_id} | ({self.bot_user_id} if self.bot_user_id else set())
            channel = Channel(
                id=channel_id,
                name=user_id,
                is_private=True,
                is_im=True,
                members=members,
                created=int(self.clock()),
                im_user=user_id,
            )
            self.channels[channel_id] = channel
            self.messages.setdefault(channel_id, [])
        return channel

    def join(self, channel: str, user: str | User) -> None:
        """Make a user (the bot too) a member, as if they had joined from the client."""
        self.channel(channel).members.add(self.user(user).id)

    # messages --------------------------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        """Store a message in its channel."""
        self.messages.setdefault(message.channel, []).append(message)
        return message

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        """The message with this ts in this channel, deleted ones included."""
        for message in self.messages.get(channel_id, []):
            if message.ts == ts and message.ephemeral_for is None:
                return message
        return None


_SAMPLE_PEOPLE = [
    # id, handle, real name, zone
    ("U0HM00001", "maya.hm", "Maya Okafor", "America/New_York"),
    ("U0RC00001", "oliver.rec", "Oliver Bennett", "Europe/London"),
    ("U0IL00001", "lena.lead", "Lena Hoffmann", "Europe/Berlin"),
    ("U0PN00001", "diego.la", "Diego Ramirez", "America/Los_Angeles"),
    ("U0PN00002", "grace.chi", "Grace Kim", "America/Chicago"),
    ("U0PN00003", "joao.lis", "João Silva", "Europe/Lisbon"),
    ("U0PN00004", "ananya.blr", "Ananya Iyer", "Asia/Kolkata"),
    ("U0PN00005", "liam.syd", "Liam O'Connor", "Australia/Sydney"),
    ("U0PN00006", "beatriz.sp", "Beatriz Costa", "America/Sao_Paulo"),
    ("U0EX00001", "robert.exec", "Robert Chen", "America/New_York"),
]

PANEL_HANDLES = ("diego.la", "grace.chi", "joao.lis", "ananya.blr", "liam.syd", "beatriz.sp")


def sample_workspace(clock: Callable[[], float] = time.time) -> Workspace:
    """A realistic hiring team spread over many time zones, a #hiring channel and the bot."""
    ws = Workspace(clock=clock)
    bot = ws.add_user(
        "loopbot", "Loopbot", "loopbot@bots.example.com", "UTC", id="U0BOT0001", is_bot=True
    )
    ws.bot_user_id = bot.id
    for user_id, handle, real_name, tz in _SAMPLE_PEOPLE:
        email = f"{handle.split('.')[0]}@example.com"
        ws.add_user(handle, real_name, email, tz, id=user_id)
    ws.add_user(
        "sam.former",
        "Sam Taylor",
        "sam@example.com",
        "America/Denver",
        id="U0DL00001",
        deleted=True,
    )
    people = {uid for uid, *_ in _SAMPLE_PEOPLE}
    # The bot is deliberately not in #hiring: posting there must be earned, as in a real team.
    ws.add_channel("hiring", id="C0HIRING1", members=people, created_by="U0HM00001")
    return ws
