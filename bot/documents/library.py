"""Loading a folder of documents into one validated, all-or-nothing Library."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.documents import schedule_meta
from bot.documents.candidates import (
    parse_candidate_context,
    parse_debrief_summary,
    parse_interview_guide,
)
from bot.documents.guides import parse_prep_guide, parse_round_type
from bot.documents.loops import parse_loop
from bot.documents.markdown import normalize, parse_sections
from bot.documents.models import (
    CandidateContext,
    DebriefSummary,
    DocumentType,
    InterviewGuide,
    LoopTemplate,
    PrepGuide,
    RoundType,
)
from bot.documents.source import DocumentError, DocumentErrors, Source, read_source
from bot.documents.structured import parse_structured_loop

if TYPE_CHECKING:
    from bot.settings import Settings

SUFFIXES = (".md", ".markdown")


@dataclass
class Library:
    loops: dict[str, LoopTemplate] = field(default_factory=dict)
    round_types: dict[str, RoundType] = field(default_factory=dict)
    guides: dict[str, InterviewGuide] = field(default_factory=dict)
    contexts: dict[str, CandidateContext] = field(default_factory=dict)
    prep_guides: dict[str, PrepGuide] = field(default_factory=dict)
    debriefs: dict[str, DebriefSummary] = field(default_factory=dict)

    def documents(self) -> list[tuple[str, str, str]]:
        """(type, id, source) for every document, in a stable order."""
        rows = [(DocumentType.LOOP.value, t.id, t.source) for t in self.loops.values()]
        rows += [(DocumentType.ROUND_TYPE.value, t.id, t.source) for t in self.round_types.values()]
        rows += [(DocumentType.INTERVIEW_GUIDE.value, g.id, g.source) for g in self.guides.values()]
        rows += [
            (DocumentType.CANDIDATE_CONTEXT.value, c.id, c.source) for c in self.contexts.values()
        ]
        rows += [(DocumentType.PREP_GUIDE.value, p.id, p.source) for p in self.prep_guides.values()]
        rows += [
            (DocumentType.DEBRIEF_SUMMARY.value, d.id, d.source) for d in self.debriefs.values()
        ]
        return sorted(rows, key=lambda r: (r[2], r[1]))

    def guide_for(self, candidate_key: str) -> InterviewGuide | None:
        return next((g for g in self.guides.values() if g.candidate_key == candidate_key), None)

    def context_for(self, candidate_key: str) -> CandidateContext | None:
        return next((c for c in self.contexts.values() if c.candidate_key == candidate_key), None)

    def round_type_named(self, name: str | None) -> RoundType | None:
        """The catalogue entry a round's `Type:` names (by name, id or alias)."""
        wanted = normalize(name or "")
        return next(
            (
                t
                for t in self.round_types.values()
                if wanted and wanted in {normalize(n) for n in (t.name, t.id, *t.aliases)}
            ),
            None,
        )

    def prep_guide_for(self, round_name: str, round_type: str | None = None) -> PrepGuide | None:
        """The preparation guide whose `applies_to` names this round or its type."""
        return next(
            (g for g in self.prep_guides.values() if g.applies(round_name, round_type)), None
        )


def document_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.parent if base.is_dir() else base.parent))
    except ValueError:
        return str(path)


def _document_type(source: Source) -> DocumentType | None:
    raw = source.meta.get("type")
    if raw is None:
        # A loop written without front matter is still recognisable by its RACI matrix.
        root = parse_sections(source.body, source.body_line)
        if any("matrix" in normalize(s.title) for s in root.walk() if s.level):
            return DocumentType.LOOP
        source.error(
            1, f"no `type:` in front matter (one of: {', '.join(t.value for t in DocumentType)})"
        )
        return None
    try:
        return DocumentType(str(raw))
    except ValueError:
        source.error(
            source.meta_key_line("type"),
            f"unknown document type '{raw}' (one of: {', '.join(t.value for t in DocumentType)})",
        )
        return None


def _load(path: Path, reminders: dict[str, int] | None) -> tuple[Library, list[Source]]:
    if not path.exists():
        missing = Source(str(path), "", {}, "", 1, "", 1, "")
        missing.error(0, "no such file or folder")
        return Library(), [missing]
    files = document_files(path)
    contents = hashlib.sha256()
    for file in files:
        try:
            contents.update(f"{_display(file, path)}\0{file.stat().st_size}\0".encode())
            contents.update(file.read_bytes())
        except OSError as exc:
            unreadable = Source(_display(file, path), "", {}, "", 1, "", 1, "")
            unreadable.error(0, f"cannot be read ({exc.strerror or exc})")
            return Library(), [unreadable]
    return _parsed(path, tuple(files), tuple(sorted((reminders or {}).items())), contents.digest())


@lru_cache(maxsize=8)
def _parsed(
    path: Path, files: tuple[Path, ...], reminders: tuple[tuple[str, int], ...], contents: bytes
) -> tuple[Library, list[Source]]:
    """The documents parsed, once per process for the same contents (`contents`, a digest of
    every file's name and bytes): a reload that changed nothing, and each sandbox of a test run,
    take the same Library. What it holds is never changed once loaded (frozen models)."""
    sources = [read_source(p, _display(p, path)) for p in files]
    typed: list[tuple[Source, DocumentType]] = []
    for source in sources:
        kind = None if source.errors else _document_type(source)
        if kind is not None:
            typed.append((source, kind))
    library = Library()
    catalogue: dict[str, RoundType] = {}
    for source, kind in typed:
        if kind is DocumentType.ROUND_TYPE and (rt := parse_round_type(source)):
            library.round_types[rt.id] = rt
            for name in (rt.name, rt.id, *rt.aliases):
                catalogue[normalize(name)] = rt
    seen: dict[str, Source] = {}
    for source, kind in typed:
        doc_id = str(source.meta.get("id") or "")
        if doc_id and doc_id in seen:
            source.error(
                source.meta_key_line("id"),
                f"document id '{doc_id}' is also used by {seen[doc_id].path}",
            )
            continue
        seen[doc_id] = source
        if kind is DocumentType.LOOP:
            structured = isinstance(source.meta.get("rounds"), list)
            parse = parse_structured_loop if structured else parse_loop
            if template := parse(source, catalogue):
                library.loops[template.id] = template
                if reminders and template.reminder_offsets:
                    schedule_meta.check_over(source, template.reminder_offsets, dict(reminders))
        elif kind is DocumentType.INTERVIEW_GUIDE and (guide := parse_interview_guide(source)):
            if _one_per_candidate(source, guide, library.guides.values(), "an interview guide"):
                library.guides[guide.id] = guide
        elif kind is DocumentType.CANDIDATE_CONTEXT and (ctx := parse_candidate_context(source)):
            if _one_per_candidate(source, ctx, library.contexts.values(), "a context"):
                library.contexts[ctx.id] = ctx
        elif kind is DocumentType.PREP_GUIDE and (prep := parse_prep_guide(source)):
            library.prep_guides[prep.id] = prep
        elif kind is DocumentType.DEBRIEF_SUMMARY and (done := parse_debrief_summary(source)):
            library.debriefs[done.id] = done
    return library, sources


def _one_per_candidate(
    source: Source,
    document: InterviewGuide | CandidateContext,
    loaded: Iterable[InterviewGuide | CandidateContext],
    what: str,
) -> bool:
    """A candidate has one interview guide and one context, each written for one interview
    (`rounds:` names it): a second would be left unread, so it is refused where it is."""
    first = next((d for d in loaded if d.candidate_key == document.candidate_key), None)
    if first is None:
        return True
    key_line = "candidate_key" if "candidate_key" in source.meta else "tags"
    source.error(
        source.meta_key_line(key_line),
        f"candidate '{document.candidate_key}' already has {what}, {first.source}: loopbot reads "
        "one per candidate (write both interviews' parts in that one, its `rounds:` naming each)",
    )
    return False


def load_library(path: Path, reminders: dict[str, int] | None = None) -> Library:
    """Read every document under `path`, a loop's reminders over the deployment's `reminders`
    (LOOPBOT_REMINDERS); raise DocumentErrors listing every problem found."""
    library, sources = _load(path, reminders)
    errors = [e for s in sources for e in s.errors]
    if errors:
        raise DocumentErrors(errors)
    return library


def load_deployed(settings: Settings) -> Library:
    """The documents as this deployment serves them: its folder (LOOPBOT_DOCS), each loop's
    reminders checked over its LOOPBOT_REMINDERS. Every process that serves loads them here, and
    a reload: a set with no loop document (a wrong or emptied folder) can run no loop, and is
    refused like a broken one."""
    library = load_library(settings.docs_dir, settings.loopbot_reminders)
    if not library.loops:
        raise DocumentErrors(
            [DocumentError(str(settings.docs_dir), 0, "no loop document here (LOOPBOT_DOCS)")]
        )
    return library


def check_documents(
    path: Path, reminders: dict[str, int] | None = None
) -> list[tuple[str, list[DocumentError], list[str]]]:
    """Every file under `path` with the problems found in it (empty when it is fine) and the
    warnings about what it leaves to loopbot's defaults."""
    library, sources = _load(path, reminders)
    warnings: dict[str, list[str]] = {}
    for template in library.loops.values():
        warnings.setdefault(template.source, []).extend(template.warnings)
    for guide in library.guides.values():
        warnings.setdefault(guide.source, []).extend(_files_pointed_to(guide))
    for document in [*library.guides.values(), *library.contexts.values()]:
        warnings.setdefault(document.source, []).extend(_rounds_nobody_has(document, library))
    return [(s.path, s.errors, warnings.get(s.path, [])) for s in sources]


def _rounds_nobody_has(document: InterviewGuide | CandidateContext, library: Library) -> list[str]:
    """A round the candidate's document names that no loop has (a typo): it briefs the round
    picked in `/loop create` instead, so the team should know."""
    return [
        f"names round '{name}', which no loop here has: the round picked in `/loop create` "
        "is briefed instead"
        for name in document.rounds
        if not any(t.rounds_named([name]) for t in library.loops.values())
    ]


_FILE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w.-]+\.(?:md|txt|pdf|docx?))\b")


def _strings(value: object) -> list[str]:
    """Every string in a dumped document, in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for item in value for s in _strings(item)] if isinstance(value, list) else []


def _files_pointed_to(guide: InterviewGuide) -> list[str]:
    """The files a candidate's guide points interviewers to ("See `interview_script.md`"):
    loopbot sends its words, never another file, so the team should know."""
    said = "\n".join(_strings(guide.model_dump(exclude={"source", "id"})))
    return [
        f"points interviewers to `{name}`: loopbot sends them the pointer, never the file (put "
        "what it holds in this guide, or make sure they have it)"
        for name in dict.fromkeys(_FILE.findall(said))
    ]
