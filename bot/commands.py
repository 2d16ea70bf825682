"""Reading `/loop` text: the command line never raises, always yields a subcommand and its
arguments; a round reference is read against the loop's rounds (`parse_round`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.errors import InvalidInput

MAX_TEXT = 4000
# Slack sends mentions escaped: <@U123|name>, <#C123|name>, <!subteam^S1|@team>, <https://…|label>.
_TOKEN = re.compile(r'<[^<>\s][^<>]*>|"[^"]*"|\'[^\']*\'|\S+')


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...]


def clean_text(text: str) -> str:
    """Drop control characters (keeping spaces) and cap the length Slack could send."""
    text = (text or "")[:MAX_TEXT]
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).strip()


def parse_command(text: str) -> ParsedCommand:
    """`create "Ada" <@U1|ada>` → ParsedCommand("create", ('Ada', '<@U1|ada>'))."""
    tokens = [
        t[1:-1] if t[:1] in "\"'" and t[-1:] == t[:1] and len(t) > 1 else t
        for t in _TOKEN.findall(clean_text(text))
    ]
    if not tokens or not tokens[0].strip():  # nothing, or a quoted nothing (`/loop ''`)
        return ParsedCommand("help", ())
    return ParsedCommand(tokens[0].lower(), tuple(tokens[1:]))


def user_mention(token: str) -> str | None:
    """`<@U123|name>` or `<@U123>` → "U123"; anything else → None."""
    match = re.fullmatch(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>", token)
    return match.group(1) if match else None


MAX_ROUND = 999


def round_number(text: str) -> int | None:
    """A round as typed or carried in a button: 1 to 999 in ASCII digits, else None (so "²",
    "٣" or a 21-digit number never reach the database)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ROUND))):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROUND else None


def parse_round(loop_rounds: list[tuple[int, str]], ref: str) -> int:
    """A round of a loop by number ("2") or by the start of its name ("live ai"); when it is
    neither, InvalidInput names the rounds there are."""
    ref = ref.strip().rstrip(".")
    number = round_number(ref)
    if number is not None and any(n == number for n, _ in loop_rounds):
        return number
    matches = [n for n, name in loop_rounds if name.lower().startswith(ref.lower())] if ref else []
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(f"{n}. {name}" for n, name in loop_rounds)
    raise InvalidInput(f"Which round? This loop has: {listed}.")
