"""Block Kit as a person would read it, for the demo's transcript and for readable test output."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_MENTION = re.compile(r"<([@#!])([^|>]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")


@dataclass(frozen=True)
class Reader:
    """Who is reading: names people and channels, and sees times in their own zone."""

    name_of: Callable[[str], str] | None = None
    channel_of: Callable[[str], str] | None = None
    tz: str = "UTC"


def mrkdwn_to_text(text: str, name_of: Callable[[str], str] | Reader | None = None) -> str:
    """Resolve mentions and date tokens (in the reader's zone); unescape &amp; &lt; &gt;."""
    reader = name_of if isinstance(name_of, Reader) else Reader(name_of=name_of)

    def date(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(ZoneInfo(reader.tz))
        # The zone's abbreviation where it has letters (PST, AEDT), else its name: "+08" says
        # less than Asia/Singapore.
        short = when.tzname() or ""
        return when.strftime("%a %d %b %H:%M ") + (short if short[:1].isalpha() else reader.tz)

    def mention(match: re.Match[str]) -> str:
        kind, ident, label = match.groups()
        if kind == "@":
            return "@" + (reader.name_of(ident) if reader.name_of else (label or ident))
        if kind == "#":
            return "#" + (label or (reader.channel_of(ident) if reader.channel_of else ident))
        return "@" + (label or ident)

    text = _MENTION.sub(mention, _DATE.sub(date, text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict[str, Any] | None, name_of) -> str:
    if not obj:
        return ""
    return mrkdwn_to_text(obj.get("text", ""), name_of)


def _element(element: dict[str, Any], name_of) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return f"[{_text(element.get('text'), name_of)}]"
    if kind in ("mrkdwn", "plain_text"):
        return mrkdwn_to_text(element.get("text", ""), name_of)
    if "placeholder" in element:
        return f"<{_text(element['placeholder'], name_of)}>"
    return f"<{kind}>"


def blocks_as_text(blocks: list[dict[str, Any]], name_of=None) -> list[str]:
    """One or more lines per block, in order."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(_text(block.get("text"), name_of).upper())
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text(block["text"], name_of).splitlines())
            for field in block.get("fields", []):
                lines.append("  " + _text(field, name_of))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"], name_of))
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e, name_of) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e, name_of) for e in block.get("elements", [])))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            label = _text(block.get("label"), name_of)
            lines.append(f"  {label}{optional}: {_element(block.get('element', {}), name_of)}")
        elif kind == "divider":
            lines.append("  ---")
        elif kind == "rich_text":
            lines.append("  (rich text)")
    return lines


def view_as_text(view: dict[str, Any], name_of=None) -> list[str]:
    title = _text(view.get("title"), name_of)
    head = [f"[{title}]"] if title else []
    buttons = [f"[{_text(view[k], name_of)}]" for k in ("close", "submit") if view.get(k)]
    return (
        head
        + blocks_as_text(view.get("blocks", []), name_of)
        + (["  " + " ".join(buttons)] if buttons else [])
    )
