"""The debrief summary's arithmetic: a trainee's practice scorecard is shown apart and counts
nowhere, not in the recommendations, the split-panel flag or the values."""

from __future__ import annotations

from pathlib import Path

from bot.debrief.summary import CardIn, summarize
from bot.documents import load_library
from bot.documents.models import ValueStatus


def _card(author: str, recommendation: str, status: ValueStatus, trainee: str = "") -> CardIn:
    return CardIn(
        round_number=2,
        round_name="Live AI Pairing",
        author=author,
        recommendation=recommendation,
        ratings=[],
        key_evidence=f"{author}'s evidence",
        values=[("Ownership", status, f"{author} saw it")],
        trainee_part=trainee,
    )


def test_a_trainee_s_scorecard_is_shown_apart_and_counts_nowhere(seeds: Path) -> None:
    template = load_library(seeds).loops["ai-first-engineering"]
    interviewer = _card("Ana", "Hire", ValueStatus.PROVEN)
    trainee = _card("Tom", "No Hire", ValueStatus.MISSING, trainee="shadow")
    summary = summarize([interviewer, trainee], template=template, missing=[])
    assert [line.author for line in summary.rounds] == ["Ana"]
    assert [(line.author, line.trainee_part) for line in summary.trainees] == [("Tom", "shadow")]
    assert summary.counts == [("Hire", 1)]
    assert not summary.split  # the trainee's No Hire splits nothing
    (value,) = summary.values
    assert (value.value, value.status) == ("Ownership", ValueStatus.PROVEN)
    assert [f.evidence for f in value.findings] == ["Ana saw it"]
