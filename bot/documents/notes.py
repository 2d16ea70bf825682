"""What a loop document says beyond its structure, and who reads it.

loopbot reads a loop document's roles, RACI matrix, round details, rubric and variants into the
loop itself. Every other section (the loop's goals, how its rounds hang together, what the
candidate may do, a variant's rationale and risks) is kept as written, as a note. The hiring
manager and the interview lead, who own the loop, read every note in their briefs, and nobody
else does unless the document says so in its front matter, by the section's heading:

    notes:
      Notes On Candidate AI Usage: candidate   # also the candidate (the itinerary to forward)
      Loop Structure Options: panel            # also every interviewer (their round guide)

`candidate` reaches every interviewer too. A section is never sent further than the team said:
a new heading ("Candidate Red Flags", "Compensation Information") stays with the loop's owners.
A variant's notes reach the same people when a loop runs in that variant.
"""

from __future__ import annotations

from bot.documents.markdown import Section, normalize, outside_bullets
from bot.documents.models import CANDIDATE_NOTE, LEADS_NOTE, PANEL_NOTE, LoopNote, LoopTemplate
from bot.documents.source import Source

HIRING_MANAGER, INTERVIEW_LEAD, INTERVIEWER, CANDIDATE = (
    "hiring manager",
    "interview lead",
    "interviewer",
    "candidate",
)
_READ_BY = {
    HIRING_MANAGER: {CANDIDATE_NOTE, PANEL_NOTE, LEADS_NOTE},
    INTERVIEW_LEAD: {CANDIDATE_NOTE, PANEL_NOTE, LEADS_NOTE},
    INTERVIEWER: {CANDIDATE_NOTE, PANEL_NOTE},
    CANDIDATE: {CANDIDATE_NOTE},
}
Audiences = dict[str, str]
"""A section's heading (normalized) → who reads it beyond the loop's owners."""


def readers_of(note: LoopNote) -> list[str]:
    """Who reads a note, as `loopbot docs show` names them."""
    return [reader for reader, kinds in _READ_BY.items() if note.audience in kinds]


def audiences(source: Source) -> Audiences:
    """The front matter's `notes:`, checked: a mapping of headings, each once, to `candidate`
    or `panel`."""
    if "notes" not in source.meta:
        return {}
    value = source.meta["notes"]
    line = source.meta_key_line("notes")
    if not isinstance(value, dict):
        source.error(
            line,
            "front matter 'notes': map a section's heading to `candidate` or "
            "`panel`, e.g. `Notes On Candidate AI Usage: candidate`",
        )
        return {}
    chosen: Audiences = {}
    for heading, reader in value.items():
        said = str(reader).strip().lower()
        if not isinstance(heading, str) or said not in (CANDIDATE_NOTE, PANEL_NOTE):
            source.error(
                line,
                f"front matter 'notes': '{heading}: {reader}' should map a "
                "section's heading to `candidate` or `panel`",
            )
        elif normalize(heading) in chosen:
            source.error(line, f"front matter 'notes': '{heading}' is named twice")
        else:
            chosen[normalize(heading)] = said
    return chosen


def check_named(source: Source, chosen: Audiences, notes: list[LoopNote]) -> None:
    """Every heading `notes:` names is one section kept as a note: a typo would send nothing,
    and a heading two sections share (the loop's "Rationale" and a variant's) would send both."""
    kept = [normalize(n.title) for n in notes]
    for heading in chosen:
        if heading not in kept:
            source.error(
                source.meta_key_line("notes"),
                f"front matter 'notes': no section titled '{heading}' is kept as a note "
                f"(those kept: {', '.join(sorted(set(kept))) or 'none'})",
            )
        elif kept.count(heading) > 1:
            source.error(
                source.meta_key_line("notes"),
                f"front matter 'notes': {kept.count(heading)} sections are titled '{heading}'; "
                "rename one so each goes where it should",
            )


def note_of(
    section: Section, chosen: Audiences, *, whole: bool, prose_only: bool = False
) -> LoopNote | None:
    """A section as a note: with its subsections (`whole`), or its own lines only (`prose_only`:
    those that are not its bullets)."""
    if prose_only:
        text = outside_bullets(section.lines)
    else:
        lines = section.all_lines() if whole else section.lines
        text = "\n".join(line.text for line in lines).strip()
    if not text:
        return None
    heard_by = chosen.get(normalize(section.title), LEADS_NOTE)
    return LoopNote(title=section.title, text=text, audience=heard_by)


def loose_notes(root: Section, read: list[Section | None], chosen: Audiences) -> list[LoopNote]:
    """Every part of the document outside the sections loopbot read (`read`), as notes in the
    document's order: a section holding none of them whole, else its own lines."""
    taken = {id(s) for s in read if s is not None}
    notes: list[LoopNote] = []

    def visit(section: Section) -> None:
        if id(section) in taken:
            return
        holds_read = any(id(s) in taken for s in section.walk())
        if section.level and not holds_read:
            if (note := note_of(section, chosen, whole=True)) is not None:
                notes.append(note)
            return
        if section.level and (note := note_of(section, chosen, whole=False)) is not None:
            notes.append(note)
        for child in section.children:
            visit(child)

    visit(root)
    return notes


def notes_for(template: LoopTemplate, variant_id: str | None, reader: str) -> list[LoopNote]:
    """The notes one reader gets (none for a reader not named here): the loop's, then its
    variant's when the loop runs in one."""
    variant = template.variant(variant_id) if variant_id else None
    every = [*template.notes, *(variant.notes if variant else [])]
    return [n for n in every if n.audience in _READ_BY.get(reader, set())]
