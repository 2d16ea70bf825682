"""What the debrief says, computed from the loop's scorecards. Pure, so it is easy to test."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.documents.models import LoopTemplate, ValueStatus

SHORT_EVIDENCE = 280
STATUS_ORDER = (ValueStatus.PROVEN, ValueStatus.SUGGESTED, ValueStatus.MISSING)


@dataclass(frozen=True)
class CardIn:
    """One submitted scorecard, as the summary needs it."""

    round_number: int
    round_name: str
    author: str
    recommendation: str
    ratings: list[tuple[str, str | None]]
    key_evidence: str
    values: list[tuple[str, ValueStatus, str]]


@dataclass(frozen=True)
class RoundLine:
    number: int
    name: str
    author: str
    recommendation: str
    ratings: str
    evidence: str


@dataclass(frozen=True)
class ValueLine:
    value: str
    status: ValueStatus
    evidence: list[str]


@dataclass
class Summary:
    rounds: list[RoundLine] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    split: bool = False
    talk_first: list[str] = field(default_factory=list)
    values: list[ValueLine] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)


def shorten(text: str, limit: int = SHORT_EVIDENCE) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def summarize(
    cards: list[CardIn], *, template: LoopTemplate, missing: list[tuple[str, str]]
) -> Summary:
    """Per-round lines, the spread, a disagreement flag, values across rounds, what is missing."""
    advancing = {level.name for level in template.rubric if level.advances}
    summary = Summary(missing=missing)
    for card in sorted(cards, key=lambda c: c.round_number):
        ratings = " · ".join(f"{signal} {rating}" for signal, rating in card.ratings if rating)
        summary.rounds.append(
            RoundLine(
                card.round_number,
                card.round_name,
                card.author,
                card.recommendation,
                ratings,
                shorten(card.key_evidence),
            )
        )
    counts = Counter(c.recommendation for c in cards)
    summary.counts = [
        (level.name, counts[level.name]) for level in template.rubric if counts[level.name]
    ]
    ups = [c for c in cards if c.recommendation in advancing]
    downs = [c for c in cards if c.recommendation not in advancing]
    summary.split = bool(ups) and bool(downs)
    if summary.split:
        # Talk through the rounds on the smaller side first: they carry the disagreement.
        minority = downs if len(downs) <= len(ups) else ups
        summary.talk_first = [
            f"{c.round_number}. {c.round_name}"
            for c in sorted(minority, key=lambda c: c.round_number)
        ]
    summary.values = _values(cards)
    return summary


def _values(cards: list[CardIn]) -> list[ValueLine]:
    """Each value's strongest finding across rounds, with every round's evidence for it."""
    found: dict[str, list[tuple[ValueStatus, str]]] = {}
    for card in sorted(cards, key=lambda c: c.round_number):
        for value, status, evidence in card.values:
            line = f"{card.round_name}: {evidence}" if evidence else card.round_name
            found.setdefault(value, []).append((status, line))
    out = []
    for value, findings in found.items():
        best = min((s for s, _ in findings), key=STATUS_ORDER.index)
        out.append(ValueLine(value, best, [line for _, line in findings]))
    return out
