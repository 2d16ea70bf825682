"""Message text from Jinja2 templates: one environment, strict, Slack-escaped."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def slack_escape(value: Any) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["e"] = slack_escape
    env.filters["slack"] = slack_escape
    return env


def render(name: str, **context: Any) -> str:
    """Render `bot/templates/<name>.j2` to mrkdwn text."""
    return environment().get_template(f"{name}.j2").render(**context).strip()
