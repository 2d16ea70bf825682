"""What the debrief says, computed from the loop's scorecards. Pure, so it is easy to test."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.documents.models import LoopTemplate, ValueMapping, ValueStatus

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
    trainee_part: str = ""
    """"shadow" or "reverse_shadow" for a trainee's scorecard: shown apart, never counted."""


@dataclass(frozen=True)
class RoundLine:
    number: int
    name: str
    author: str
    recommendation: str
    ratings: str
    evidence: str
    trainee_part: str = ""


@dataclass(frozen=True)
class Finding:
    """What one round's interviewer found for one value."""

    round: str
    status: ValueStatus
    evidence: str


@dataclass(frozen=True)
class ValueLine:
    """One value: each round's finding, whether they disagree, and the candidate's baseline.
    `status` is the rounds' common finding, the most cautious one when they disagree, and the
    baseline's when no round assessed the value."""

    value: str
    status: ValueStatus
    findings: list[Finding]
    baseline: ValueMapping | None = None

    @property
    def disagree(self) -> bool:
        return len({f.status for f in self.findings}) > 1

    @property
    def movement(self) -> str:
        """'MISSING before the loop → PROVEN in 2. Live AI Pairing, MISSING in 3. …'"""
        found = ", ".join(f"{f.status.value} in {f.round}" for f in self.findings)
        if self.baseline is None:
            return f"No baseline → {found}" if found else ""
        before = f"{self.baseline.status.value} before the loop"
        return f"{before} → {found}" if found else f"{before}; not assessed in this loop"


@dataclass
class Summary:
    rounds: list[RoundLine] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    split: bool = False
    talk_first: list[str] = field(default_factory=list)
    values: list[ValueLine] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    trainees: list[RoundLine] = field(default_factory=list)
    """Trainees' scorecards, shown apart: never in the counts, the split or the values."""


def shorten(text: str, limit: int = SHORT_EVIDENCE) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def summarize(
    cards: list[CardIn],
    *,
    template: LoopTemplate,
    missing: list[tuple[str, str]],
    baseline: list[ValueMapping] | None = None,
) -> Summary:
    """Per-round lines, the spread, a disagreement flag, values across rounds, what is missing;
    trainees' scorecards apart, counted nowhere."""
    advancing = {level.name for level in template.rubric if level.advances}
    summary = Summary(missing=missing)
    for card in sorted(cards, key=lambda c: c.round_number):
        ratings = " · ".join(f"{signal} {rating}" for signal, rating in card.ratings if rating)
        line = RoundLine(
            card.round_number,
            card.round_name,
            card.author,
            card.recommendation,
            ratings,
            shorten(card.key_evidence),
            card.trainee_part,
        )
        (summary.trainees if card.trainee_part else summary.rounds).append(line)
    cards = [c for c in cards if not c.trainee_part]
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
    summary.values = _values(cards, baseline or [])
    return summary


def _values(cards: list[CardIn], baseline: list[ValueMapping]) -> list[ValueLine]:
    """Every value of the baseline, then any other a round assessed, each with its findings
    round by round. Rounds that disagree show the most cautious status, never the best."""
    found: dict[str, list[Finding]] = {v.value: [] for v in baseline}
    for card in sorted(cards, key=lambda c: c.round_number):
        label = f"{card.round_number}. {card.round_name}"
        for value, status, evidence in card.values:
            found.setdefault(value, []).append(Finding(label, status, evidence))
    before = {v.value: v for v in baseline}
    out = []
    for value, findings in found.items():
        if findings:
            status = max((f.status for f in findings), key=STATUS_ORDER.index)
        else:
            status = before[value].status
        out.append(ValueLine(value, status, findings, before.get(value)))
    return out
