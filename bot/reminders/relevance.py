"""Which parts of a candidate's own documents belong to which round."""

from __future__ import annotations

import re

from bot.documents.markdown import normalize
from bot.documents.models import CandidateContext, InterviewGuide, Risk, Round, ValueFocus

_STOP = {
    "about",
    "their",
    "there",
    "these",
    "which",
    "would",
    "could",
    "should",
    "where",
    "while",
    "within",
    "without",
    "candidate",
    "project",
    "beyond",
    "basic",
    "think",
    "explain",
    "lack",
    "evidence",
    "understand",
    "does",
    "with",
    "that",
    "this",
    "they",
    "have",
    "from",
    "into",
    "what",
    "when",
    "your",
    "good",
    "start",
    "ability",
    "quality",
    "system",
    "systems",
    "design",
    "strategy",
    "thinking",
    "handling",
    "articulate",
    "plan",
    "role",
    "first",
    "just",
    "full",
    "include",
    "including",
    "real",
    "aspects",
    "demonstrate",
    "sense",
    "through",
    "standard",
    "aware",
    "choices",
    "offs",
}
_SUFFIXES = (
    "abilities",
    "ability",
    "ations",
    "ation",
    "ities",
    "ity",
    "ings",
    "ing",
    "ness",
    "ment",
    "ed",
    "es",
    "s",
    "e",
)
MAX_ITEMS = 3


def _words(text: str) -> set[str]:
    words = set()
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        if word in _STOP:
            continue
        # A light stem, so tests/testing, observe/observability and reliable/reliability meet.
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        words.add(word[:6])
    return words


def _round_words(rnd: Round) -> set[str]:
    return _words(" ".join([rnd.name, rnd.focus, rnd.primary_output, *rnd.measure, *rnd.observe]))


def values_for_round(guide: InterviewGuide, rnd: Round) -> list[ValueFocus]:
    """The guide's values whose wording meets the round's; pinned by the guide's `rounds:`."""
    if guide.rounds:
        wanted = {normalize(r) for r in guide.rounds}
        return list(guide.values) if normalize(rnd.name) in wanted else []
    return _best(guide.values, rnd, lambda v: f"{v.value} {v.what_to_verify}")


def risks_for_round(context: CandidateContext, rnd: Round) -> list[Risk]:
    return _best(context.risks, rnd, lambda r: f"{r.name} {r.detail}")


def _best(items, rnd: Round, text_of):
    words = _round_words(rnd)
    scored = [(len(words & _words(text_of(item))), index, item) for index, item in enumerate(items)]
    ranked = [s for s in sorted(scored, key=lambda s: (-s[0], s[1])) if s[0] > 0]
    return [item for _, _, item in ranked[:MAX_ITEMS]]
