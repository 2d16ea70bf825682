"""How `loopbot demo` tells its story: who did what, and what each person saw."""

from __future__ import annotations

import textwrap
import time
from datetime import datetime
from typing import TextIO

from bot.emulator.transcript import Reader, blocks_as_text, mrkdwn_to_text, view_as_text
from bot.sandbox import Sandbox


class Narrator:
    """Prints who did what and what each person saw, in order."""

    def __init__(self, sandbox: Sandbox, out: TextIO, pause: float):
        self.sb = sandbox
        self.out = out
        self.pause = pause

    def name(self, user_id: str) -> str:
        user = self.sb.emulator.workspace.find_user(user_id)
        return user.real_name if user else user_id

    def reader(self, user_id: str | None) -> Reader:
        """How `user_id` sees text: names resolved, times in their own zone."""
        workspace = self.sb.emulator.workspace
        user = workspace.find_user(user_id) if user_id else None

        def channel(channel_id: str) -> str:
            found = workspace.find_channel(channel_id)
            return found.name if found else channel_id

        return Reader(name_of=self.name, channel_of=channel, tz=user.tz if user else "UTC")

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def step(self, who: str, action: str) -> None:
        self.say()
        self.say(f"── {self.name(who)} {action}")
        if self.pause:
            time.sleep(self.pause)

    def show(self, heading: str, lines: list[str]) -> None:
        self.say(f"   {heading}")
        for line in lines:
            for piece in textwrap.wrap(line, 96, subsequent_indent="    ") or [""]:
                self.say(f"   │ {piece}")

    def reply(self, body: dict, to: str | None = None) -> None:
        """An answer only `to` sees, its times in their zone."""
        reader = self.reader(to)
        lines = (
            blocks_as_text(body.get("blocks") or [], reader)
            or mrkdwn_to_text(body.get("text", ""), reader).splitlines()
        )
        self.show("loopbot (only visible to you):", lines)

    def clock(self, what: str, when: datetime) -> None:
        """Move the story on to `when`; what fell due on the way went out at its own time, as
        under `loopbot serve`, each shown in a line."""
        while (due := self.sb.next_due()) is not None and self.sb.clock() < due < when:
            self.say()
            self.say(f"⏱  {due.strftime('%a %d %b %H:%M UTC')}: as it falls due")
            self.deliveries(self.sb.dispatch(due), brief=True)
        self.sb.now = when
        self.say()
        self.say(f"⏱  {when.strftime('%a %d %b %H:%M UTC')}: {what}")
        self._seen = getattr(self, "_seen", 0)

    def deliveries(self, outcome, *, full_guides: int = 0, brief: bool = False) -> None:
        """Every DM loopbot sent since the last look, by person."""
        calls = [c for c in self.sb.emulator.calls_to("chat.postMessage") if c.status == 200]
        start = getattr(self, "_seen", 0)
        self._seen = len(calls)
        shown = 0
        for call in calls[start:]:
            channel = call.args["channel"]
            if not channel.startswith("D"):
                continue
            person = self.name("U" + channel[1:])
            blocks = call.args.get("blocks") or []
            reader = self.reader("U" + channel[1:])
            text = mrkdwn_to_text(call.args["text"], reader)
            lines = blocks_as_text(blocks, reader) if blocks else text.splitlines()
            guide = call.args["text"].startswith("Round guide")
            if brief or (guide and shown >= full_guides):
                count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
                self.say(f"   → DM to {person}: {text.splitlines()[0]} ({count})")
                continue
            shown += guide
            self.show(f"→ DM to {person} (times in {reader.tz}):", lines)
        files = [c for c in self.sb.emulator.calls_to("files.completeUploadExternal") if c.ok]
        for call in files[getattr(self, "_files", 0) :]:
            who, name = self.name("U" + call.args["channel_id"][1:]), call.args["files"][0]["title"]
            self.say(f"   📎 to {who}: {name} ({call.args.get('initial_comment', '')})")
        self._files = len(files)

    def home(self, user_id: str) -> None:
        view = self.sb.emulator.home_of(user_id) or {}
        reader = self.reader(user_id)
        self.show(f"Home tab (times in {reader.tz}):", view_as_text(view, reader))
