"""A scorecard's answers, validated the same way whether they come from a modal or a test."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.documents.models import LoopTemplate, ValueStatus
from bot.documents.models import Round as TemplateRound

MAX_LONG = 3000
MAX_LINE = 500


class SignalRating(BaseModel):
    model_config = ConfigDict(frozen=True)
    signal: str
    rating: str | None = None
    evidence: str = ""


class ValueFinding(BaseModel):
    model_config = ConfigDict(frozen=True)
    value: str
    status: ValueStatus | None = None
    evidence: str = ""


class ScorecardAnswers(BaseModel):
    """Everything an interviewer writes; `private_note` is for the hiring manager only."""

    model_config = ConfigDict(frozen=True)
    ratings: list[SignalRating] = []
    question_notes: list[str] = []
    values: list[ValueFinding] = []
    recommendation: str | None = None
    key_evidence: str = ""
    concerns: str = ""
    private_note: str = ""
    artifacts: list[str] = []

    def public(self) -> dict:
        """The answers without the private note: what other readers may see."""
        return self.model_dump(mode="json", exclude={"private_note"})


def problems(
    answers: ScorecardAnswers, *, spec: TemplateRound, template: LoopTemplate
) -> dict[str, str]:
    """What stops a submission, keyed by field ("recommendation", "signal:0", …)."""
    errors: dict[str, str] = {}
    levels = [level.name for level in template.rubric]
    if answers.recommendation is None:
        errors["recommendation"] = "Pick your overall recommendation."
    elif answers.recommendation not in levels:
        errors["recommendation"] = "Pick one of the rubric's levels."
    if not answers.key_evidence.strip():
        errors["key_evidence"] = "Write the key evidence behind your recommendation."
    for field, text, limit in (
        ("key_evidence", answers.key_evidence, MAX_LONG),
        ("concerns", answers.concerns, MAX_LONG),
        ("private_note", answers.private_note, MAX_LONG),
    ):
        if len(text) > limit and field not in errors:
            errors[field] = f"Keep this under {limit:,} characters (it has {len(text):,})."
    rated = {r.signal: i for i, r in enumerate(answers.ratings)}
    for index, signal in enumerate(spec.measure):
        if signal not in rated:
            errors[f"signal:{index}"] = "Rate this signal."
    for index, rating in enumerate(answers.ratings):
        if rating.signal not in spec.measure:
            errors[f"signal:{index}"] = "That signal is not one this round measures."
        elif rating.rating is None:
            errors[f"signal:{index}"] = "Rate this signal."
        elif rating.rating not in template.rating_scale:
            errors[f"signal:{index}"] = "Pick a rating from the scale."
        elif len(rating.evidence) > MAX_LINE:
            errors[f"signal:{index}:evidence"] = f"Keep evidence under {MAX_LINE} characters."
    for index, note in enumerate(answers.question_notes):
        if len(note) > MAX_LONG:
            errors[f"question:{index}"] = f"Keep notes under {MAX_LONG:,} characters."
    unknown = [a for a in answers.artifacts if a not in spec.artifacts]
    if unknown:
        errors["artifacts"] = "Pick from the round's artifacts."
    return errors
