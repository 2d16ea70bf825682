"""Pure Block Kit builders shared by several features."""

from __future__ import annotations

from bot.render import render

SECTION_TEXT_LIMIT = 3000


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_LIMIT]}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def build_message_help(commands, *, problem: str | None = None) -> dict:
    """The `/loop help` answer: every command loopbot understands, with its usage."""
    text = render("help", commands=commands, problem=problem)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def build_home_welcome(*, loop_titles: list[str], commands) -> dict:
    """The App Home tab for someone with nothing on their plate yet."""
    text = render("home_welcome", loop_titles=loop_titles, commands=commands)
    return {"type": "home", "blocks": [header("loopbot"), section(text)]}
