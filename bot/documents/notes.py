"""What a loop document says beyond its structure, and who reads it.

loopbot reads a loop document's roles, RACI matrix, round details, rubric and variants into the
loop itself. Every other section (the loop's goals, how its rounds hang together, what the
candidate may do, a variant's rationale and risks) is kept as written, as a note, and reaches
people by what its heading speaks of:
- the candidate ("Notes On Candidate AI Usage"): the candidate, in the itinerary the recruiter
  forwards, and every interviewer, in their round guide;
- how the loop runs ("Loop Structure Options"): every interviewer, in their round guide;
- anything else (goals, alignment, rationale, risks): the hiring manager and the interview lead.
The hiring manager and the interview lead, who own the loop, read every note in their briefs.
A variant's notes reach the same people when a loop runs in that variant.
"""

from __future__ import annotations

from bot.documents.markdown import Section, normalize
from bot.documents.models import CANDIDATE_NOTE, LEADS_NOTE, PANEL_NOTE, LoopNote, LoopTemplate

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
_HOW_THE_LOOP_RUNS = ("structure", "across rounds", "format", "how the loop runs")


def readers_of(note: LoopNote) -> list[str]:
    """Who reads a note, as `loopbot docs show` names them."""
    return [reader for reader, kinds in _READ_BY.items() if note.audience in kinds]


def audience(title: str) -> str:
    """Whom a section speaks to, by its heading."""
    words = normalize(title)
    if "candidate" in words.split() or "candidates" in words.split():
        return CANDIDATE_NOTE
    if any(w in words for w in _HOW_THE_LOOP_RUNS):
        return PANEL_NOTE
    return LEADS_NOTE


def note_of(section: Section, *, whole: bool) -> LoopNote | None:
    """A section as a note: with its subsections (`whole`), or its own lines only."""
    lines = section.all_lines() if whole else section.lines
    text = "\n".join(line.text for line in lines).strip()
    if not text:
        return None
    return LoopNote(title=section.title, text=text, audience=audience(section.title))


def loose_notes(root: Section, read: list[Section | None]) -> list[LoopNote]:
    """Every part of the document outside the sections loopbot read (`read`), as notes in the
    document's order: a section holding none of them whole, else its own lines."""
    taken = {id(s) for s in read if s is not None}
    notes: list[LoopNote] = []

    def visit(section: Section) -> None:
        if id(section) in taken:
            return
        holds_read = any(id(s) in taken for s in section.walk())
        if section.level and not holds_read:
            if (note := note_of(section, whole=True)) is not None:
                notes.append(note)
            return
        if section.level and (note := note_of(section, whole=False)) is not None:
            notes.append(note)
        for child in section.children:
            visit(child)

    visit(root)
    return notes


def notes_for(template: LoopTemplate, variant_id: str | None, reader: str) -> list[LoopNote]:
    """The notes one reader gets: the loop's, then its variant's when the loop runs in one."""
    variant = template.variant(variant_id) if variant_id else None
    every = [*template.notes, *(variant.notes if variant else [])]
    return [n for n in every if n.audience in _READ_BY[reader]]
