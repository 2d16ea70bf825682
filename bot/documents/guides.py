"""Reusable material: preparation guides and the round-type catalogue."""

from __future__ import annotations

import re

from bot.documents.markdown import normalize, outside_bullets, parse_bullets, parse_sections
from bot.documents.models import GuideSection, PrepGuide, RoundType
from bot.documents.source import Source


def parse_prep_guide(source: Source) -> PrepGuide | None:
    """A preparation guide: its prompts and its sections, kept as written."""
    root = parse_sections(source.body, source.body_line)
    prompts: list[str] = []
    prompts_note = answers_heading = ""
    sections: list[GuideSection] = []
    for section in root.walk():
        if not section.level:
            continue
        if "prompt" in normalize(section.title) and not prompts:
            prompts = [b.text for b in parse_bullets(section.lines)]
            prompts_note, answers_heading = _lead_in(outside_bullets(section.lines))
        else:
            sections.append(GuideSection(title=section.title, body=section.text()))
    if not prompts and not sections:
        source.error(source.body_line, "a preparation guide needs '### Prompts' or other sections")
        return None
    title = str(source.meta.get("title") or source.meta.get("id"))
    applies = source.meta.get("applies_to") or []
    return PrepGuide(
        id=str(source.meta.get("id")),
        version=str(source.meta.get("version", "1")),
        title=title,
        intro=root.text(),
        prompts=prompts,
        prompts_note=prompts_note,
        answers_heading=answers_heading if sections else "",
        sections=sections,
        applies_to=[str(a) for a in (applies if isinstance(applies, list) else [applies])],
        source=source.path,
    )


_HEADING_LINE = re.compile(r"^[A-Z][A-Za-z ]{0,30}$")


def _lead_in(note: str) -> tuple[str, str]:
    """(note, heading): a last line of a few words, without punctuation ("Solution"), ends the
    prompts section as the heading of the sections after it, not as part of its note."""
    *rest, last = note.splitlines() or [""]
    if rest and _HEADING_LINE.match(last.strip()):
        return "\n".join(rest).strip(), last.strip()
    return note, ""


_EXAMPLE = re.compile(r"\s*\((?:loopbot'?s\s+)?example\)\s*$", re.I)


def parse_round_type(source: Source) -> RoundType | None:
    """One entry of the round-type catalogue that loops may reference by name."""
    meta = source.meta
    name = str(meta.get("name") or "").strip()
    if not name:
        source.error(source.meta_key_line("name"), "a round type needs a `name:`")
        return None
    root = parse_sections(source.body, source.body_line)
    parts, examples = {}, set()
    for section in (s for s in root.walk() if s.level):
        # "## Core questions (loopbot's example)": written for loopbot, not by the catalogue.
        title = _EXAMPLE.sub("", section.title)
        parts[normalize(title)] = section
        if title != section.title:
            examples.add(normalize(title))

    def items(*keys: str) -> list[str]:
        for key in keys:
            if key in parts:
                return [b.text for b in parse_bullets(parts[key].lines)]
        return []

    def text(*keys: str) -> str:
        return next((parts[k].text() for k in keys if k in parts), "")

    measure = items("measure", "signals")
    fields = {"focus": ("focus",), "measure": ("measure", "signals")}
    fields["core_questions"] = ("core questions", "questions")
    fields["look_for"] = ("what to look for", "look for")
    panel = meta.get("panel") or {}
    if not isinstance(panel, dict) or not all(isinstance(v, list) for v in panel.values()):
        source.error(
            source.meta_key_line("panel"),
            "`panel:` maps a loop document id to a list of Slack user ids",
        )
        return None
    span = meta.get("duration_range")
    aliases = meta.get("aliases") or []
    return RoundType(
        id=str(meta.get("id")),
        version=str(meta.get("version", "1")),
        name=name,
        aliases=[str(a) for a in aliases],
        interviewers=str(meta.get("interviewers", "")),
        duration_minutes=int(meta.get("duration_minutes", 60)),
        duration_range=tuple(span) if span else None,
        summary=text("summary"),
        how_to_prepare=text("how the candidate prepares", "preparation"),
        before_the_interview=text("before the interview"),
        during_the_interview=text("during the interview"),
        focus=text("focus") or text("summary"),
        measure=measure,
        look_for=items("what to look for", "look for"),
        core_questions=items("core questions", "questions"),
        examples=sorted(f for f, keys in fields.items() if examples & set(keys)),
        panel={str(k): [str(u).strip() for u in v] for k, v in panel.items()},
        source=source.path,
    )
