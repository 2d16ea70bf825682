"""The round-type catalogue says what the team's catalogue says; what loopbot adds is labelled
as loopbot's example, never presented as the team's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.documents import load_library

CATALOGUE = Path(__file__).parents[1] / "reference" / "seeds" / "002_9a30f17d32fd51bb.txt"


def _plain(text: str) -> str:
    """Links to their text, markup and whitespace away: how the catalogue's words compare."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def catalogue() -> str:
    return _plain(CATALOGUE.read_text(encoding="utf-8"))


def test_every_round_type_marks_loopbots_own_questions_and_signals(seeds: Path) -> None:
    library = load_library(seeds)
    assert len(library.round_types) == 25
    for kind in library.round_types.values():
        assert kind.core_questions and "core_questions" in kind.examples, kind.id
        assert kind.measure and "measure" in kind.examples, kind.id


def test_what_a_round_type_does_not_mark_is_the_catalogues_own_words(
    seeds: Path, catalogue: str
) -> None:
    library = load_library(seeds)
    for kind in library.round_types.values():
        claimed = [kind.interviewers, kind.how_to_prepare]
        if "look_for" not in kind.examples:
            claimed += kind.look_for
        for sentence in (s for text in claimed if text for s in re.split(r"(?<=[.?!])\s+", text)):
            assert _plain(sentence) in catalogue, f"{kind.id}: {sentence!r}"
        for sentence in re.split(r"(?<=[.?!)])\s+", kind.summary):
            assert _plain(sentence).rstrip(".") in catalogue, f"{kind.id}: {sentence!r}"


def test_a_round_that_takes_loopbots_example_says_so(seeds: Path, tmp_path: Path) -> None:
    (tmp_path / "round_types").mkdir()
    for path in (seeds / "round_types").glob("*.md"):
        (tmp_path / "round_types" / path.name).write_text(path.read_text())
    (tmp_path / "loop.md").write_text(
        "---\nid: typed\ntype: loop\nversion: 1\n---\n# Typed\n\n## Roles\n"
        "- HM: Hiring Manager, decides.\n- INT: Interviewer, runs a round.\n\n"
        "## RACI Matrix By Round\n| Round | Responsible | Accountable | Type |\n"
        "| --- | --- | --- | --- |\n| 1. Walkthrough | INT | HM | Take-Home Walkthrough |\n\n"
        "## Scoring Rubric\n- Hire: yes.\n- No Hire: no.\n"
    )
    template = load_library(tmp_path).loops["typed"]
    rnd = template.round(1)
    assert set(rnd.examples) == {"focus", "measure", "core_questions", "observe"}
    assert rnd.duration_minutes == 45  # the catalogue's walkthrough length
    assert "rounds.1.duration_minutes" not in template.defaulted
