"""How many people run a round, read from its round type as the team wrote it.

The catalogue's `interviewers:` line gives the panel: "two members of the team" is two
interviewers, "1-2 members of the team" one at least and two when the pool allows, "the hiring
manager", "one engineer" or "Head of AI" one. A summary that asks for "an observer" adds one
observer, who gets the guide but writes no scorecard. A round type's `panel:` front matter pins
the people, by loop document id, so every candidate for that role meets the same people."""

from __future__ import annotations

import re

from bot.documents.markdown import normalize
from bot.documents.models import Round, RoundType

NUMBERS = {"one": 1, "a": 1, "an": 1, "the": 1, "two": 2, "three": 3, "four": 4}
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-|–|to)\s*(\d+)\b")
_COUNT = re.compile(r"^\s*(\d+|[a-z]+)\b")
_OBSERVER = re.compile(r"\bobserver\b", re.I)
MAX_PANEL = 4


def panel_size(interviewers: str) -> tuple[int, int]:
    """(fewest, wanted) interviewers for a round type's `interviewers:` words."""
    text = interviewers.strip().lower()
    if m := _RANGE.match(text):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return max(1, min(low, MAX_PANEL)), max(1, min(high, MAX_PANEL))
    m = _COUNT.match(text)
    word = m.group(1) if m else ""
    count = int(word) if word.isdigit() else NUMBERS.get(word, 1)
    count = max(1, min(count, MAX_PANEL))
    return count, count


def observers_in(round_type: RoundType) -> int:
    """One observer when the round type's summary asks for one."""
    return 1 if _OBSERVER.search(round_type.summary) else 0


def with_panel(rnd: Round, catalogue: dict[str, RoundType], loop_id: str) -> Round:
    """The round with its panel from its round type (one interviewer when it has none)."""
    kind = catalogue.get(normalize(rnd.round_type)) if rnd.round_type else None
    if kind is None:
        return rnd
    fewest, wanted = panel_size(kind.interviewers)
    return rnd.model_copy(
        update={
            "panel": wanted,
            "panel_min": fewest,
            "observers": observers_in(kind),
            "pinned": list(kind.panel.get(loop_id, [])),
        }
    )
