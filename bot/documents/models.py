"""What loopbot understood from the hiring team's documents: validated, immutable models."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.documents.markdown import normalize


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentType(StrEnum):
    LOOP = "loop"
    ROUND_TYPE = "round_type"
    INTERVIEW_GUIDE = "interview_guide"
    CANDIDATE_CONTEXT = "candidate_context"
    PREP_GUIDE = "prep_guide"
    DEBRIEF_SUMMARY = "debrief_summary"


class RaciLetter(StrEnum):
    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    CONSULTED = "C"
    INFORMED = "I"


class Role(Frozen):
    code: str
    name: str
    description: str = ""
    pool: bool = Field(False, description="several people fill it (the round owners' pool)")
    optional: bool = Field(False, description="may be left empty when a loop is created")
    finalists_only: bool = False


class RubricLevel(Frozen):
    name: str
    meaning: str
    advances: bool = Field(description="counts as a vote to move the candidate forward")


class VariantRound(Frozen):
    round_number: int
    description: str
    format: str = Field(description="live, async or hybrid")
    minutes_min: int | None = None
    minutes_max: int | None = None


CANDIDATE_NOTE, PANEL_NOTE, LEADS_NOTE = "candidate", "panel", "leads"


class LoopNote(Frozen):
    """A section of a loop document loopbot reads no structure from, kept as written."""

    title: str
    text: str
    audience: str = Field(
        description="whom it speaks to: candidate, panel or leads (bot.documents.notes)"
    )


class Variant(Frozen):
    id: str
    name: str
    rounds: list[VariantRound] = []
    evidence_requirements: list[str] = []
    scoring_adjustments: list[str] = []
    calibration: list[str] = Field(
        [], description="scoring adjustments for whoever calibrates the panel (the lead)"
    )
    notes: list[LoopNote] = []

    def round(self, number: int) -> VariantRound | None:
        return next((r for r in self.rounds if r.round_number == number), None)


class Round(Frozen):
    number: int
    name: str
    responsible: list[str]
    accountable: list[str]
    consulted: list[str] = []
    informed: list[str] = []
    primary_output: str = ""
    artifacts: list[str] = []
    focus: str = ""
    why: str = ""
    measure: list[str] = []
    observe: list[str] = []
    example_prompt: str = ""
    core_questions: list[str] = []
    round_type: str | None = None
    examples: list[str] = Field(
        [], description="fields filled from a round type's example, not the team's own words"
    )
    duration_minutes: int = 60
    panel: int = Field(1, description="interviewers wanted, each writing a scorecard")
    panel_min: int = Field(1, description="fewest interviewers the round can run with")
    observers: int = Field(0, description="observers: the guide, no scorecard")
    pinned: list[str] = Field([], description="Slack user ids pinned to the round, in order")
    line: int = 0

    def roles(self, letter: RaciLetter) -> list[str]:
        return {
            RaciLetter.RESPONSIBLE: self.responsible,
            RaciLetter.ACCOUNTABLE: self.accountable,
            RaciLetter.CONSULTED: self.consulted,
            RaciLetter.INFORMED: self.informed,
        }[letter]


DEFAULT_RATING_SCALE = ["Strong", "Solid", "Weak", "No signal"]


class LoopTemplate(Frozen):
    id: str
    version: str
    title: str
    source: str
    sha256: str
    roles: list[Role]
    raci_definitions: dict[str, str] = {}
    rounds: list[Round]
    rubric: list[RubricLevel]
    rating_scale: list[str] = DEFAULT_RATING_SCALE
    variants: list[Variant] = []
    notes: list[LoopNote] = Field(
        [], description="what the document says beyond its structure (bot.documents.notes)"
    )
    default_variant: str = "On-site"
    reminder_offsets: dict[str, int] = Field(
        {}, description="minutes, overriding the global reminder defaults per kind"
    )
    places: dict[str, str] = Field(
        {}, description="a room or a meeting link by variant id (or on-site / remote)"
    )
    submission_days: int | None = Field(
        None, description="working days the candidate has for an asynchronous round"
    )
    trainees: list[str] = Field(
        [], description="Slack user ids of pool members in training (shadow, reverse shadow)"
    )
    defaulted: dict[str, str] = Field(
        {}, description="fields the document leaves out, by path, with the value loopbot assumes"
    )
    warnings: list[str] = []

    def role(self, code: str) -> Role:
        return next(r for r in self.roles if r.code == code)

    def round(self, number: int) -> Round:
        return next(r for r in self.rounds if r.number == number)

    def variant(self, variant_id: str) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def rounds_named(self, names: list[str]) -> set[int]:
        """Round numbers for `2`, `2. Live AI Pairing` or `Live AI Pairing`."""
        out = set()
        by_name = {normalize(r.name): r.number for r in self.rounds}
        numbers = {r.number for r in self.rounds}
        for name in names:
            head = re.match(r"^\s*(\d+)\b", name)
            if head and int(head.group(1)) in numbers:
                out.add(int(head.group(1)))
            elif normalize(name) in by_name:
                out.add(by_name[normalize(name)])
        return out


class RoundType(Frozen):
    id: str
    version: str
    name: str
    aliases: list[str] = []
    interviewers: str = ""
    duration_minutes: int = 60
    duration_range: tuple[int, int] | None = None
    summary: str = ""
    how_to_prepare: str = ""
    before_the_interview: str = Field("", description="what its interviewers do beforehand")
    during_the_interview: str = Field("", description="how its interviewers run it")
    focus: str = ""
    measure: list[str] = []
    look_for: list[str] = []
    core_questions: list[str] = []
    examples: list[str] = Field(
        [], description="fields written as loopbot's example, not taken from the catalogue"
    )
    panel: dict[str, list[str]] = Field(
        {}, description="people pinned to the round, by loop document id"
    )
    source: str = ""


class ValueFocus(Frozen):
    value: str
    what_to_verify: str = ""
    evidence_to_probe: str = ""
    star_questions: str = ""


class CalibrationTopic(Frozen):
    name: str
    detail: str = ""


class InterviewGuide(Frozen):
    id: str
    version: str
    candidate_key: str
    candidate_name: str = ""
    structure: list[str] = []
    guidance: str = ""
    values: list[ValueFocus] = []
    calibration_topics: list[CalibrationTopic] = []
    calibration_depth: str = ""
    success_indicators: str = ""
    rounds: list[str] = Field(
        [], description="round numbers or names it briefs; empty: the recruiter picks one"
    )
    source: str = ""


class ValueStatus(StrEnum):
    PROVEN = "PROVEN"
    SUGGESTED = "SUGGESTED"
    MISSING = "MISSING"


class ValueMapping(Frozen):
    value: str
    status: ValueStatus
    evidence: str = ""


class Risk(Frozen):
    name: str
    detail: str = ""


class CandidateContext(Frozen):
    id: str
    version: str
    candidate_key: str
    candidate_name: str = ""
    repository: str = ""
    summary: str = ""
    role_fit: str = ""
    highlights: list[str] = []
    risks: list[Risk] = []
    values: list[ValueMapping] = []
    priorities: str = ""
    time_allocation: str = ""
    rounds: list[str] = Field(
        [], description="round numbers or names it briefs; empty: the recruiter picks one"
    )
    source: str = ""


class GuideSection(Frozen):
    title: str
    body: str


class PrepGuide(Frozen):
    id: str
    version: str
    title: str
    intro: str = ""
    prompts: list[str] = []
    prompts_note: str = Field("", description="the prompts section's text that is not a prompt")
    answers_heading: str = Field(
        "", description="a heading line written before the sections (the seed's 'Solution')"
    )
    sections: list[GuideSection] = []
    applies_to: list[str] = Field([], description="round names or round types it prepares for")
    source: str = ""

    def applies(self, *names: str | None) -> bool:
        """Whether `applies_to` names one of these rounds, round types or descriptions."""
        texts = [normalize(n) for n in names if n]
        return any(w and any(w in t for t in texts) for w in map(normalize, self.applies_to))


class RoundOutcome(Frozen):
    number: int
    name: str
    recommendation: str
    interviewer: str = ""
    evidence: str = ""


class DebriefSummary(Frozen):
    """A loop's outcome, exported by `loopbot export` and read back like any document."""

    id: str
    version: str
    candidate_key: str
    candidate_name: str = ""
    loop: str
    decision: str
    rounds: list[RoundOutcome] = []
    values: list[ValueMapping] = []
    source: str = ""
