"""What a test or the demo reads back from the emulator: calls, messages, views, replies."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .chat import ResponseUrl
from .common import ApiCall, Fault
from .workspace import Channel, Message, Workspace


class Inspection:
    """Read-only views of the emulator's state, each taken under its lock."""

    lock: threading.RLock
    calls: list[ApiCall]
    workspace: Workspace
    _response_urls: dict[str, ResponseUrl]
    _faults: dict[str, deque[Fault]]
    uploads: dict[str, Any]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every recorded call of one method, oldest first."""
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def fails_waiting(self, method: str) -> int:
        """How many calls of `method` injected faults (`fail_next`) still wait for: 0 once the
        last has met its call (a delayed call is then on its way)."""
        with self.lock:
            return sum(fault.times for fault in self._faults.get(method, ()))

    def reset_calls(self) -> None:
        """Forget the call record (state such as messages and views stays)."""
        with self.lock:
            self.calls.clear()

    def channels(self) -> list[Channel]:
        """Every conversation as it stands now (the bot opens DMs meanwhile, from its threads)."""
        with self.lock:
            return list(self.workspace.channels.values())

    def messages_in(self, channel: str, *, include_ephemeral: bool = False) -> list[Message]:
        """Messages still visible in a conversation (by id or name), oldest first.

        Each is a copy as it is now, like a message on someone's screen: a later chat.update
        changes the workspace, not what a test already holds (and may click on)."""
        with self.lock:
            found = self.workspace.find_channel(channel)
            if found is None:
                raise KeyError(f"no channel {channel!r}")
            return [
                m.snapshot()
                for m in self.workspace.messages.get(found.id, [])
                if not m.deleted and (include_ephemeral or m.ephemeral_for is None)
            ]

    def dms_to(self, user: str) -> list[Message]:
        """Messages the bot posted in its DM with a user (id or handle), copies as they are now."""
        with self.lock:
            user_id = self.workspace.user(user).id
            im_id = self.workspace.im_id(user_id)
            bot_id = self.workspace.bot.id
            return [
                m.snapshot()
                for m in self.workspace.messages.get(im_id, [])
                if m.user == bot_id and not m.deleted and m.ephemeral_for is None
            ]

    def files_to(self, user: str) -> list[tuple[str, bytes]]:
        """(file name, bytes) of every file the bot shared in its DM with a user, in order."""
        with self.lock:
            shared = [f for m in self.dms_to(user) for f in (m.files or [])]
            return [(f["name"], self.uploads[f["id"]].data or b"") for f in shared]

    def home_of(self, user: str) -> dict[str, Any] | None:
        """The Home tab the bot last published for a user, as Slack stores it."""
        with self.lock:
            view_id = self.workspace.homes.get(self.workspace.user(user).id)
            return self.workspace.views[view_id].to_slack() if view_id else None

    def open_views(self, user: str) -> list[dict[str, Any]]:
        """The user's open modal stack, bottom first."""
        with self.lock:
            stack = self.workspace.modal_stacks.get(self.workspace.user(user).id, [])
            return [self.workspace.views[view_id].to_slack() for view_id in stack]

    def responses(self, url: str) -> list[dict[str, Any]]:
        """Bodies the bot posted to a response_url, oldest first."""
        with self.lock:
            record = self._response_urls.get(url.rstrip("/").rsplit("/", 1)[-1])
            return list(record.posts) if record else []

    def all_responses(self, user: str | None = None) -> list[dict[str, Any]]:
        """Every body the bot posted to any response_url (or only to those issued to `user`: what
        that person saw privately), by URL issue order."""
        with self.lock:
            who = self.workspace.user(user).id if user else None
            records = [r for r in self._response_urls.values() if who in (None, r.user)]
            return [post for record in records for post in record.posts]

    def response_connections(self) -> list[int]:
        """The bot's TCP connection (its port) of every response_url post, by URL issue order."""
        with self.lock:
            return [port for r in self._response_urls.values() for port in r.connections]
