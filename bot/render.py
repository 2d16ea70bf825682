"""Message text from Jinja2 templates: one environment, strict, Slack-escaped."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.resources import shipped


def slack_escape(value: Any) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ITALIC = re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])")
_BOLD = re.compile(r"(\*\*|__)(?!\s)(.+?)(?<!\s)\1")
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$\n?", re.M)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def mrkdwn(value: Any) -> str:
    """A team's Markdown as Slack shows it: `**bold**` → `*bold*`, `*italic*` → `_italic_`,
    `- item` → `• item`, headings bold, `[text](url)` a link, rules dropped; escaped like `e`."""
    text = _RULE.sub("", slack_escape(value))
    text = _HEADING.sub(lambda m: f"**{m.group(1)}**", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(r"*\2*", text)
    return _LINK.sub(r"<\2|\1>", text).strip("\n")


def sentence(text: str) -> str:
    """The text as a sentence: its own closing stop kept, a full stop added when it has none."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(shipped("templates"))),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates never change under a running process: no stat per render
    )
    env.filters["e"] = slack_escape
    env.filters["slack"] = slack_escape
    env.filters["md"] = mrkdwn
    env.filters["sentence"] = sentence
    return env


def render(name: str, **context: Any) -> str:
    """Render `templates/<name>.j2` (installed as `bot/templates/`) to mrkdwn text."""
    return environment().get_template(f"{name}.j2").render(**context).strip()
