"""A loop document's variants (e.g. "Appendix: Remote-First Variant"): how each round runs in
it, the evidence it requires, how scoring shifts, and what else it says (kept as notes)."""

from __future__ import annotations

import re

from bot.documents.markdown import Section, normalize, parse_bullets
from bot.documents.models import Variant, VariantRound
from bot.documents.notes import Audiences, note_of
from bot.documents.raci import MINUTES, ROUND_CELL, RoundDraft
from bot.documents.source import Source


def match_round(drafts: list[RoundDraft], title: str) -> RoundDraft | None:
    """The round a heading or a bullet names ("2. Live AI Pairing", or its name alone)."""
    match = ROUND_CELL.match(title)
    name = match.group(2) if match else title
    return next((d for d in drafts if normalize(d.name) == normalize(name)), None)


def parse_variant(
    source: Source, section: Section, drafts: list[RoundDraft], chosen: Audiences
) -> Variant | None:
    """The variant a section describes, or None when it names no round (then it is prose, and
    reaches its readers as a note of the loop). What it says besides (its own prose, a
    rationale, risks) is kept as its notes (`chosen`: who reads which, bot.documents.notes)."""
    rounds: list[VariantRound] = []
    evidence: list[str] = []
    adjustments: list[str] = []
    read: set[int] = set()
    for sub in [section, *section.children]:
        bullets = parse_bullets(sub.lines)
        title = normalize(sub.title)
        if "evidence" in title:
            evidence = [b.text for b in bullets]
            read.add(id(sub))
        elif "scoring" in title:
            adjustments = [b.text for b in bullets]
            read.add(id(sub))
        labelled = [(b, b.labelled()) for b in bullets]
        if not labelled or not all(lab for _, lab in labelled):
            continue
        if not any(match_round(drafts, lab[0]) for _, lab in labelled if lab):
            continue
        read.add(id(sub))
        for bullet, lab in labelled:
            assert lab is not None
            draft = match_round(drafts, lab[0])
            if draft is None:
                source.error(
                    bullet.line,
                    f"variant '{section.title}' names round '{lab[0]}', "
                    "which is not in the RACI matrix",
                )
                continue
            rounds.append(variant_round(draft.number, lab[1]))
    if not rounds:
        return None
    name = re.sub(r"^appendix\s*:\s*", "", section.title, flags=re.I)
    name = re.sub(r"\s*variant\s*$", "", name, flags=re.I).strip()
    # "Calibrate interviewers using …": addressed to whoever calibrates the panel, the lead.
    calibration = [a for a in adjustments if re.match(r"[\s*_]*calibrate\b", a, re.I)]
    # When its own bullets named the rounds, what it says besides them.
    notes = [note_of(section, chosen, whole=False, prose_only=id(section) in read)]
    for sub in section.children:
        if id(sub) not in read:
            notes.append(note_of(sub, chosen, whole=True))
        else:  # read for its rounds, evidence or scoring: what it says besides is still kept
            notes.append(note_of(sub, chosen, whole=False, prose_only=True))
            notes += [note_of(deeper, chosen, whole=True) for deeper in sub.children]
    return Variant(
        id=normalize(name).replace(" ", "-"),
        name=name,
        rounds=rounds,
        evidence_requirements=evidence,
        scoring_adjustments=[a for a in adjustments if a not in calibration],
        calibration=calibration,
        notes=[n for n in notes if n is not None],
    )


def variant_round(number: int, text: str) -> VariantRound:
    lowered = text.lower()
    is_async = "async" in lowered or "submission" in lowered
    is_live = "live" in lowered
    fmt = "hybrid" if is_async and is_live else "async" if is_async else "live"
    matches = list(MINUTES.finditer(text))
    # The duration that schedules a slot is the live part's, when there is one.
    live = [m for m in matches if "live" in text[m.end() : m.end() + 20].lower()]
    chosen = (live or matches or [None])[0]
    low = int(chosen.group(1)) if chosen else None
    high = int(chosen.group(2)) if chosen and chosen.group(2) else low
    return VariantRound(
        round_number=number,
        description=text.rstrip("."),
        format=fmt,
        minutes_min=low,
        minutes_max=high,
    )
