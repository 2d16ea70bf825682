"""Every field loopbot parses from the team's documents reaches the person it was written for.

The table below names, for each parsed field, the surfaces that must show it. The test writes a
marker into that one field and renders each surface: a field that loses its reader fails, and a
field added to a document model without a row here fails too (wire it to its reader, or do not
parse it).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.authz import Standing
from bot.debrief.summary import summarize
from bot.documents import Library, load_library
from bot.documents.models import (
    CalibrationTopic,
    CandidateContext,
    GuideSection,
    InterviewGuide,
    LoopNote,
    LoopTemplate,
    PrepGuide,
    Risk,
    Role,
    Round,
    RoundType,
    RubricLevel,
    ValueFocus,
    ValueMapping,
    Variant,
    VariantRound,
)
from bot.emulator.transcript import blocks_as_text
from bot.reminders.messages import Situation, compose
from bot.reminders.plan import Kind
from bot.reminders.round_lines import round_lines
from bot.render import render
from bot.scorecards.service import Subject, values_under_probe
from bot.settings import SEEDS_DIR
from bot.slack.blocks.loops import build_modal_loop_step1
from bot.slack.blocks.scorecards import build_modal_scorecard
from bot.store.models import Loop
from bot.store.models import Round as StoredRound

GUIDE, HM_BRIEF, LEAD_BRIEF = "round guide", "hiring manager's brief", "lead's brief"
ITINERARY, SCORECARD, CREATE, DEBRIEF = "itinerary", "scorecard", "create modal", "debrief"
STATUS = "status card"

# Which document each model sits in, and the path to its first instance there.
LOCATIONS: dict[type[BaseModel], tuple[str, tuple[str, ...]]] = {
    InterviewGuide: ("guide", ()),
    ValueFocus: ("guide", ("values",)),
    CalibrationTopic: ("guide", ("calibration_topics",)),
    CandidateContext: ("context", ()),
    ValueMapping: ("context", ("values",)),
    Risk: ("context", ("risks",)),
    PrepGuide: ("prep", ()),
    GuideSection: ("prep", ("sections",)),
    LoopTemplate: ("loop", ()),
    Role: ("loop", ("roles",)),
    Round: ("loop", ("rounds",)),
    RubricLevel: ("loop", ("rubric",)),
    Variant: ("loop", ("variants",)),
    VariantRound: ("loop", ("variants", "rounds")),
    LoopNote: ("loop", ("notes",)),
    RoundType: ("round_type", ()),
}

READERS: dict[tuple[type[BaseModel], str], set[str]] = {
    (InterviewGuide, "structure"): {GUIDE, LEAD_BRIEF},
    (InterviewGuide, "guidance"): {GUIDE, HM_BRIEF, LEAD_BRIEF},
    (InterviewGuide, "calibration_depth"): {GUIDE, LEAD_BRIEF},
    (InterviewGuide, "success_indicators"): {GUIDE, LEAD_BRIEF},
    (ValueFocus, "value"): {GUIDE, SCORECARD, LEAD_BRIEF},
    (ValueFocus, "what_to_verify"): {GUIDE},
    (ValueFocus, "evidence_to_probe"): {GUIDE},
    (ValueFocus, "star_questions"): {GUIDE},
    (CalibrationTopic, "name"): {GUIDE, LEAD_BRIEF},
    (CalibrationTopic, "detail"): {GUIDE, LEAD_BRIEF},
    (CandidateContext, "repository"): {GUIDE, HM_BRIEF, LEAD_BRIEF},
    (CandidateContext, "summary"): {HM_BRIEF, LEAD_BRIEF},
    (CandidateContext, "role_fit"): {HM_BRIEF, LEAD_BRIEF},
    (CandidateContext, "highlights"): {HM_BRIEF, LEAD_BRIEF},
    (CandidateContext, "priorities"): {GUIDE, LEAD_BRIEF},
    (CandidateContext, "time_allocation"): {GUIDE, LEAD_BRIEF},
    (Risk, "name"): {GUIDE, LEAD_BRIEF},
    (Risk, "detail"): {GUIDE, LEAD_BRIEF},
    (ValueMapping, "value"): {GUIDE, HM_BRIEF, DEBRIEF},
    (ValueMapping, "evidence"): {GUIDE, HM_BRIEF},
    (PrepGuide, "title"): {ITINERARY, GUIDE},
    (PrepGuide, "intro"): {ITINERARY},
    (PrepGuide, "prompts"): {ITINERARY, GUIDE},
    # Written about the candidate ("This question evaluates a candidate's ..."): the interviewer's.
    (PrepGuide, "prompts_note"): {GUIDE},
    # Its "Solution" line heads the coaching that follows it: the candidate's, not the note.
    (PrepGuide, "answers_heading"): {ITINERARY},
    (GuideSection, "title"): {ITINERARY},
    (GuideSection, "body"): {ITINERARY},
    (LoopTemplate, "title"): {GUIDE, HM_BRIEF, LEAD_BRIEF, ITINERARY, CREATE},
    (LoopTemplate, "rating_scale"): {SCORECARD},
    (LoopTemplate, "default_variant"): {CREATE},
    (Role, "name"): {CREATE},
    (Role, "description"): {CREATE},
    (Round, "name"): {GUIDE, ITINERARY, SCORECARD, CREATE},
    (Round, "primary_output"): {GUIDE},
    (Round, "artifacts"): {ITINERARY},
    (Round, "focus"): {GUIDE, SCORECARD},
    (Round, "why"): {GUIDE},
    (Round, "measure"): {GUIDE, SCORECARD},
    (Round, "observe"): {GUIDE},
    (Round, "example_prompt"): {GUIDE},
    (Round, "core_questions"): {GUIDE, SCORECARD},
    (RubricLevel, "name"): {GUIDE, LEAD_BRIEF, SCORECARD},
    (RubricLevel, "meaning"): {GUIDE, LEAD_BRIEF, SCORECARD},
    (Variant, "name"): {GUIDE, LEAD_BRIEF, ITINERARY, SCORECARD, CREATE},
    (Variant, "evidence_requirements"): {GUIDE, LEAD_BRIEF, ITINERARY, SCORECARD},
    (Variant, "scoring_adjustments"): {GUIDE, LEAD_BRIEF, SCORECARD},
    (VariantRound, "description"): {GUIDE, ITINERARY},
    (Variant, "calibration"): {LEAD_BRIEF},
    # The document's first note is its "Alignment To Hiring Philosophy": the loop's owners'.
    # Who reads each kind of note is tested through the real handlers in test_loop_notes.py.
    (LoopNote, "title"): {HM_BRIEF, LEAD_BRIEF},
    (LoopNote, "text"): {HM_BRIEF, LEAD_BRIEF},
    (RoundType, "name"): {GUIDE},
    (RoundType, "interviewers"): {GUIDE},
    (RoundType, "summary"): {GUIDE},
    (RoundType, "how_to_prepare"): {ITINERARY},
    (RoundType, "before_the_interview"): {GUIDE},
    (RoundType, "during_the_interview"): {GUIDE},
}

# Fields that steer loopbot rather than being read by a person, with where they act.
LOGIC: dict[tuple[type[BaseModel], str], str] = {
    **{
        (model, name): "identifies the document (`loopbot docs list/show`)"
        for model in (InterviewGuide, CandidateContext, PrepGuide, LoopTemplate, RoundType)
        for name in ("id", "version", "source")
    },
    (LoopTemplate, "sha256"): "which text of the document a loop was created from (stored)",
    (LoopTemplate, "warnings"): "printed by `loopbot docs check`",
    (LoopTemplate, "defaulted"): "marked by `loopbot docs show` (not read from the document)",
    (LoopTemplate, "reminder_offsets"): "when reminders are due",
    (LoopTemplate, "places"): "each live round's place, proposed in step 2 (bot/loops/places.py)",
    (LoopTemplate, "submission_days"): "an asynchronous round's deadline (bot/loops/places.py)",
    (LoopTemplate, "raci_definitions"): "checked below, letter by letter",
    (Round, "examples"): "checked below: the guide and scorecard label them",
    (RoundType, "examples"): "marks the fields a round takes as Round.examples (parser)",
    (LoopTemplate, "roles"): "container, rows of its own",
    (LoopTemplate, "rounds"): "container, rows of its own",
    (LoopTemplate, "rubric"): "container, rows of its own",
    (LoopTemplate, "variants"): "container, rows of its own",
    (LoopTemplate, "notes"): "container, rows of its own",
    (Variant, "notes"): "container; a variant's notes read as the loop's (test_loop_notes.py)",
    (LoopNote, "audience"): "who reads it (bot/documents/notes.py; test_loop_notes.py)",
    (InterviewGuide, "values"): "container, rows of its own",
    (InterviewGuide, "calibration_topics"): "container, rows of its own",
    (CandidateContext, "values"): "container, rows of its own; the debrief's baseline",
    (CandidateContext, "risks"): "container, rows of its own",
    (PrepGuide, "sections"): "container, rows of its own",
    (Variant, "rounds"): "container, rows of its own",
    (InterviewGuide, "candidate_key"): "links the document to a loop's candidate key",
    (CandidateContext, "candidate_key"): "links the document to a loop's candidate key",
    (InterviewGuide, "candidate_name"): "checked against the key when the document is read",
    (CandidateContext, "candidate_name"): "checked against the key when the document is read",
    (InterviewGuide, "rounds"): "the rounds it briefs (bot/loops/briefing.py)",
    (CandidateContext, "rounds"): "the rounds it briefs (bot/loops/briefing.py)",
    (ValueMapping, "status"): "the debrief's baseline (tests/e2e/test_debrief.py)",
    (PrepGuide, "applies_to"): "which rounds it prepares for (bot/loops/briefing.py)",
    (Role, "code"): "the RACI matrix's cells",
    (Role, "pool"): "the assignment engine draws the round's interviewer from it",
    (Role, "optional"): "may be left empty in `/loop create`",
    (Role, "finalists_only"): "told only once the candidate is a finalist",
    (RubricLevel, "advances"): "the debrief's split-panel flag",
    (Round, "number"): "orders the rounds",
    (Round, "responsible"): "assignments",
    (Round, "accountable"): "assignments",
    (Round, "consulted"): "assignments",
    (Round, "informed"): "assignments",
    (Round, "round_type"): "looks up the catalogue entry shown in the guide",
    (Round, "duration_minutes"): "the schedule",
    (Round, "line"): "`file:line` in document errors",
    (Round, "panel"): "how many interviewers the engine books (shown per round in step 2)",
    (Round, "panel_min"): "the fewest interviewers the engine books (bot/loops/panels.py)",
    (Round, "observers"): "observers the engine books (shown per round in step 2)",
    (Round, "pinned"): "people the engine books first (step 2 names any not free)",
    (LoopTemplate, "trainees"): "who trains on its rounds (bot/loops/training.py; App Home)",
    (RoundType, "panel"): "pins people to a round of a loop (Round.pinned, parser)",
    (Variant, "id"): "the variant picked in `/loop create`",
    (VariantRound, "round_number"): "which round it describes",
    (VariantRound, "format"): "the round's format in the schedule",
    (VariantRound, "minutes_min"): "the round's length in the schedule",
    (VariantRound, "minutes_max"): "the round's length in the schedule",
    (RoundType, "aliases"): "lets a loop's `Type:` name the entry",
    (RoundType, "duration_minutes"): "the round's length when the loop gives none",
    (RoundType, "duration_range"): "shown with the round type in the guide",
    (RoundType, "focus"): "fills a round's Focus when the loop gives none (parser)",
    (RoundType, "measure"): "fills a round's Measure when the loop gives none (parser)",
    (RoundType, "look_for"): "fills a round's Observe when the loop gives none (parser)",
    (RoundType, "core_questions"): "fills a round's questions when the loop gives none (parser)",
}

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeds_library() -> Library:
    return load_library(Path(SEEDS_DIR))


def _documents(library: Library) -> dict[str, BaseModel]:
    template = library.loops["ai-first-engineering"]
    kind = library.round_types["take-home-walkthrough"]
    first = template.rounds[0].model_copy(update={"round_type": kind.name})
    return {
        "loop": template.model_copy(update={"rounds": [first, *template.rounds[1:]]}),
        "guide": next(iter(library.guides.values())),
        "context": next(iter(library.contexts.values())),
        "prep": next(iter(library.prep_guides.values())),
        "round_type": kind,
    }


def _with(model: BaseModel, path: tuple[str, ...], value: object) -> BaseModel:
    head, *rest = path
    if not rest:
        return model.model_copy(update={head: value})
    current = getattr(model, head)
    if isinstance(current, list):
        return model.model_copy(
            update={head: [_with(current[0], tuple(rest), value), *current[1:]]}
        )
    return model.model_copy(update={head: _with(current, tuple(rest), value)})


def _library(docs: dict[str, BaseModel]) -> Library:
    return Library(
        loops={docs["loop"].id: docs["loop"]},  # type: ignore[attr-defined]
        guides={docs["guide"].id: docs["guide"]},  # type: ignore[attr-defined]
        contexts={docs["context"].id: docs["context"]},  # type: ignore[attr-defined]
        prep_guides={docs["prep"].id: docs["prep"]},  # type: ignore[attr-defined]
        round_types={docs["round_type"].id: docs["round_type"]},  # type: ignore[attr-defined]
    )


def surfaces(library: Library) -> dict[str, str]:
    """What each reader receives for a Remote-First loop whose round 1 the recruiter picked."""
    template = next(iter(library.loops.values()))
    guide = next(iter(library.guides.values()))
    loop = Loop(
        id=1,
        short_id="LTEST",
        candidate_name="Juyoung Park",
        candidate_key=guide.candidate_key,
        template_version_id=1,
        variant=template.variants[0].id,
        briefed_round=1,
        candidate_tz="Asia/Seoul",
        created_by="U0REC",
    )
    rounds = [
        StoredRound(
            id=r.number,
            loop_id=1,
            number=r.number,
            name=r.name,
            starts_at=NOW + timedelta(days=1, hours=r.number),
            format="live",
        )
        for r in template.rounds
    ]
    base = Situation(
        kind=Kind.SUMMARY,
        loop=loop,
        template=template,
        rounds=round_lines(rounds, {}, loop.candidate_tz),
        channel="#loop",
    )

    def text(kind: Kind, letters: str, number: int | None = None) -> str:
        rnd = rounds[number - 1] if number else None
        spec = template.round(number) if number else None
        s = replace(
            base,
            kind=kind,
            rnd=rnd,
            spec=spec,
            reader=Standing(
                "U0",
                letters=frozenset(letters),
                round_letters={number: frozenset(letters)} if number else {},
            ),
        )
        return "\n".join(line for m in compose(s, library) for line in blocks_as_text(m.blocks))

    spec = template.round(1)
    subject = Subject(
        loop, rounds[0], spec, template, values_under_probe(library, loop, template, spec)
    )
    context = next(iter(library.contexts.values()))
    summary = summarize([], template=template, missing=[], baseline=context.values)
    return {
        GUIDE: text(Kind.GUIDE, "R", 1),
        HM_BRIEF: text(Kind.SUMMARY, "A"),
        LEAD_BRIEF: text(Kind.CALIBRATE, "C"),
        ITINERARY: text(Kind.ITINERARY, "I"),
        STATUS: text(Kind.STATUS, "I"),
        SCORECARD: json.dumps(build_modal_scorecard(subject=subject, answers=None)),
        CREATE: json.dumps(
            build_modal_loop_step1(
                hours="Mon–Fri 09:00–17:30",
                library=library,
                template=template,
                tz="UTC",
                first_day=date(2026, 11, 24),
            )
        ),
        DEBRIEF: render("debrief_values", values=summary.values),
    }


def test_every_parsed_field_is_either_read_or_steers_loopbot() -> None:
    for model in LOCATIONS:
        listed = {name for (m, name) in (*READERS, *LOGIC) if m is model}
        assert listed == set(model.model_fields), (
            f"{model.__name__}: fields without a reader here: "
            f"{sorted(set(model.model_fields) - listed)}; rows for no field: "
            f"{sorted(listed - set(model.model_fields))}"
        )
    assert not set(READERS) & set(LOGIC)


ROWS = sorted(READERS, key=lambda k: (k[0].__name__, k[1]))


@pytest.mark.parametrize(("model", "name"), ROWS, ids=[f"{m.__name__}.{n}" for m, n in ROWS])
def test_each_parsed_field_reaches_its_readers(
    seeds_library: Library, model: type[BaseModel], name: str
) -> None:
    marker = f"MARK{model.__name__}{name.replace('_', '')}"
    docs = _documents(seeds_library)
    where, prefix = LOCATIONS[model]
    current = model.model_fields[name].annotation
    value: object = [marker] if "list" in str(current) else marker
    docs[where] = _with(docs[where], (*prefix, name), value)
    shown = surfaces(_library(docs))
    missing = [surface for surface in READERS[(model, name)] if marker not in shown[surface]]
    assert not missing, f"{model.__name__}.{name} does not reach: {missing}"


def test_each_raci_definition_reaches_the_reader_it_defines(seeds_library: Library) -> None:
    docs = _documents(seeds_library)
    template = docs["loop"]
    marked = {letter: f"MARKRACI{letter}" for letter in "RACI"}
    docs["loop"] = template.model_copy(update={"raci_definitions": marked})
    shown = surfaces(_library(docs))
    assert marked["R"] in shown[GUIDE]
    assert marked["A"] in shown[HM_BRIEF]
    assert marked["C"] in shown[LEAD_BRIEF]
    assert marked["I"] in shown[STATUS]


def test_fields_from_loopbots_examples_are_labelled_as_such(seeds_library: Library) -> None:
    docs = _documents(seeds_library)
    template = docs["loop"]
    first = template.rounds[0].model_copy(update={"examples": ["measure", "core_questions"]})
    docs["loop"] = template.model_copy(update={"rounds": [first, *template.rounds[1:]]})
    shown = surfaces(_library(docs))
    assert "Core questions (loopbot's example for Take-Home Walkthrough, not your team's)" in (
        shown[GUIDE].replace("_", "").replace("*", "")
    )
    assert "Signals (loopbot's example for Take-Home Walkthrough)" in shown[SCORECARD]
    plain = surfaces(_library(_documents(seeds_library)))
    assert "loopbot's example" not in plain[GUIDE] + plain[SCORECARD]
