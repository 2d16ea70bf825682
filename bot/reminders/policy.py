"""The reminder policy: which lead times are in force, and which ones cannot work.

Defaults, then the deployment's `LOOPBOT_REMINDERS`, then a loop document's `reminders:` front
matter, merged here and nowhere else. Each layer is checked where it was written (a setting at
start-up, a document when it is read, over the deployment's setting) so a mistake is refused
there.
"""

from __future__ import annotations

from collections.abc import Mapping

KINDS = ("guide", "heads_up", "due")
"""The kinds an offset may move, in the order they go out. After `due` (the first scorecard
reminder) the feedback cadence takes over: bot.reminders.cadence."""
RETIRED = {
    "nudge": "the daily reminders after `due` follow LOOPBOT_FEEDBACK_DAYS",
    "escalation": "the hiring manager and recruiter hear on LOOPBOT_FEEDBACK_ESCALATE_DAY",
}
BEFORE_START = ("guide", "heads_up")
"""Minutes relative to the interview's start (negative: before); the rest count from its end."""

DEFAULT_OFFSETS: dict[str, int] = {
    "guide": -24 * 60,
    "heads_up": -15,
    "due": 60,
}


def problems(offsets: Mapping[str, object]) -> list[tuple[str | None, str]]:
    """What is wrong with one layer of offsets: (the kind it is about, one line) each."""
    out: list[tuple[str | None, str]] = []
    valid: dict[str, int] = {}
    for kind, value in offsets.items():
        if kind in RETIRED:
            out.append((kind, f"{kind}: no longer an offset, {RETIRED[kind]}"))
        elif kind not in KINDS:
            out.append((kind, f"unknown reminder kind '{kind}' (known: {', '.join(KINDS)})"))
        elif isinstance(value, bool) or not isinstance(value, int):
            out.append((kind, f"{kind}: give whole minutes, not '{value}'"))
        elif kind in BEFORE_START and value >= 0:
            out.append((kind, f"{kind} must come before the start: negative minutes (got {value})"))
        elif kind not in BEFORE_START and value < 0:
            out.append((kind, f"{kind} must come at or after the end: 0 or more (got {value})"))
        else:
            valid[kind] = value
    return out + out_of_order({**DEFAULT_OFFSETS, **valid}, valid)


def out_of_order(merged: Mapping[str, int], moved: Mapping[str, int]) -> list[tuple[str, str]]:
    """Kinds that go out in the wrong order once the layers are `merged`, blamed on the layer
    that `moved` them: (the kind, one line) each."""
    out: list[tuple[str, str]] = []
    for first, then in (("guide", "heads_up"),):
        if (first in moved or then in moved) and merged[first] >= merged[then]:
            kind = then if then in moved else first
            line = f"{first} ({merged[first]} min) must come before {then} ({merged[then]} min)"
            out.append((kind, line))
    return out


def in_force(settings: Mapping[str, int], document: Mapping[str, int]) -> dict[str, int]:
    """The offsets a loop's reminders use: defaults, then settings, then its document."""
    return {**DEFAULT_OFFSETS, **settings, **document}
