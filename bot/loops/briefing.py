"""Which rounds a candidate's own documents brief.

A candidate's interview guide or context is written for the interview(s) it names; loopbot
never spreads it across other rounds. When a document names none, the round the recruiter
picked in `/loop create` is the one; with neither, only the hiring manager and the interview
lead read it (their loop briefs carry it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.documents import Library
from bot.documents.models import CandidateContext, InterviewGuide, LoopTemplate, PrepGuide
from bot.render import render
from bot.slack.format import minutes
from bot.store.models import Loop


@dataclass(frozen=True)
class Briefing:
    """A loop's candidate documents and the round numbers each one briefs."""

    guide: InterviewGuide | None = None
    context: CandidateContext | None = None
    guide_rounds: frozenset[int] = frozenset()
    context_rounds: frozenset[int] = frozenset()
    named: bool = False  # a document names its rounds itself
    unknown: tuple[str, ...] = ()
    """Rounds the documents name that the loop does not have (a typo, another loop's round)."""

    @property
    def rounds(self) -> frozenset[int]:
        return self.guide_rounds | self.context_rounds

    @property
    def exists(self) -> bool:
        return self.guide is not None or self.context is not None


_TOTAL = re.compile(r"^\s*total\s*[:\-–]?\s*(\d+)\s*min", re.I)


def planned_minutes(guide: InterviewGuide | None) -> int | None:
    """How long the candidate's guide plans its interview to run ("Total: 90 minutes")."""
    for line in guide.structure if guide else []:
        if match := _TOTAL.match(line):
            return int(match.group(1))
    return None


def length_note(guide: InterviewGuide | None, round_label: str, booked: int) -> str:
    """What to say when the round a guide briefs is booked for less (or more) than it plans."""
    planned = planned_minutes(guide)
    if planned is None or planned == booked:
        return ""
    return render(
        "guide_length", round=round_label, booked=minutes(booked), planned=minutes(planned)
    )


def guide_rounds_at_creation(
    library: Library, template: LoopTemplate, candidate_key: str | None, picked: int | None
) -> tuple[InterviewGuide | None, set[int]]:
    """Before the loop exists: the candidate's guide and the rounds it will brief."""
    guide = library.guide_for(candidate_key) if candidate_key else None
    if guide is None:
        return None, set()
    return guide, template.rounds_named(guide.rounds) or ({picked} - {None})


def scope_note(brief: Briefing, template: LoopTemplate) -> str:
    """Which rounds the candidate's documents brief, and why, for the loop's owners."""
    rounds = [f"{n}. {template.round(n).name}" for n in sorted(brief.rounds)]
    return render("briefing_scope", rounds=rounds, named=brief.named, unknown=brief.unknown)


def briefing_for(library: Library, loop: Loop, template: LoopTemplate) -> Briefing:
    """The candidate's documents for this loop, each scoped to the round(s) it briefs."""
    key = loop.candidate_key
    guide = library.guide_for(key) if key else None
    context = library.context_for(key) if key else None
    picked = {loop.briefed_round} if loop.briefed_round else set()

    # A name the loop has no round for (a typo) briefs no one: the pick stands in for it.
    named = [n for d in (guide, context) if d for n in d.rounds]
    found = {n: template.rounds_named([n]) for n in named}

    def scope(names: list[str]) -> frozenset[int]:
        return frozenset(set().union(*(found[n] for n in names)) or picked)

    return Briefing(
        guide=guide,
        context=context,
        guide_rounds=scope(guide.rounds) if guide else frozenset(),
        context_rounds=scope(context.rounds) if context else frozenset(),
        named=any(found.values()),
        unknown=tuple(dict.fromkeys(n for n in named if not found[n])),
    )


def prep_guides_for(
    library: Library, template: LoopTemplate, briefing: Briefing
) -> list[tuple[PrepGuide, list[int]]]:
    """Preparation guides for this loop and the rounds they prepare for: a guide applies to a
    round its `applies_to` names (by round name or type), and to the briefed round when the
    candidate's interview guide describes that kind of interview."""
    described = " ".join(briefing.guide.structure) if briefing.guide else ""
    out = []
    for prep in library.prep_guides.values():
        rounds = [
            r.number
            for r in template.rounds
            if prep.applies(r.name, r.round_type)
            or (r.number in briefing.guide_rounds and prep.applies(described))
        ]
        # None briefed: no interviewer asks its prompts, so the candidate is not sent it.
        if rounds:
            out.append((prep, rounds))
    return out
