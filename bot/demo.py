"""`loopbot demo`: the product's story, played offline against the Slack emulator."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from typing import TextIO

from bot.emulator import SlackEmulator
from bot.emulator.transcript import blocks_as_text, mrkdwn_to_text, view_as_text
from bot.sandbox import AppFactory, Sandbox, WsgiFactory


class Narrator:
    """Prints who did what and what each person saw, in order."""

    def __init__(self, sandbox: Sandbox, out: TextIO, pause: float):
        self.sb = sandbox
        self.out = out
        self.pause = pause

    def name(self, user_id: str) -> str:
        user = self.sb.emulator.workspace.find_user(user_id)
        return user.real_name if user else user_id

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

    def reply(self, body: dict) -> None:
        lines = (
            blocks_as_text(body.get("blocks") or [], self.name)
            or mrkdwn_to_text(body.get("text", ""), self.name).splitlines()
        )
        self.show("loopbot (only visible to you):", lines)

    def home(self, user_id: str) -> None:
        view = self.sb.emulator.home_of(user_id) or {}
        self.show("Home tab:", view_as_text(view, self.name))


def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_demo(
    app_factory: AppFactory,
    wsgi_factory: WsgiFactory,
    *,
    speed: float = 0.0,
    out: TextIO = sys.stdout,
) -> int:
    """Play the story; returns the exit code (non-zero if Slack's rules were broken)."""
    with Sandbox(app_factory, wsgi_factory, emulator=SlackEmulator(rate_limits=True)) as sb:
        n = Narrator(sb, out, speed)
        ws = sb.emulator.workspace
        n.say(
            "loopbot demo: a Slack emulator on loopback, the bot behind the same HTTP server as "
            "`loopbot serve`, and a throwaway SQLite database. Nothing leaves this machine."
        )
        n.say()
        n.say("The team:")
        for user in ws.users.values():
            if not user.is_bot and not user.deleted:
                n.say(f"   {user.real_name:<20} {user.tz}")
        n.say()
        n.say("Loop documents loaded:")
        for template in sb.runtime.library.loops.values():
            n.say(
                f"   {template.title}: {len(template.rounds)} rounds "
                f"({', '.join(r.name for r in template.rounds)})"
            )

        recruiter, interviewer = ws.user("oliver.rec"), ws.user("diego.la")
        n.step(recruiter.id, "types `/loop help`")
        n.reply(sb.slack.command(recruiter, "/loop", "help").json or {})

        n.step(recruiter.id, "types `/loop schedule everything`")
        n.reply(sb.slack.command(recruiter, "/loop", "schedule everything").json or {})

        n.step(interviewer.id, "opens loopbot's Home tab")
        event = {
            "type": "app_home_opened",
            "user": interviewer.id,
            "tab": "home",
            "channel": "D" + interviewer.id[1:],
            "event_ts": f"{time.time():.6f}",
        }
        sb.slack.event(event)
        _wait(lambda: sb.emulator.home_of(interviewer.id) is not None)
        n.home(interviewer.id)

        n.say()
        calls = sb.emulator.calls
        n.say(
            f"Slack saw {len(calls)} Web API calls; Block Kit or Slack rule violations: "
            f"{len(sb.emulator.violations)}."
        )
        if sb.emulator.violations:
            n.say(json.dumps(sb.emulator.violations, indent=2))
            return 1
        return 0
