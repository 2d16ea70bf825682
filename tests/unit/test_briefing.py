"""Which rounds a candidate's own documents brief: what they say, else the recruiter's pick."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.documents import load_library
from bot.loops.briefing import briefing_for
from bot.store.models import Loop

KEY = "phoenix_005_juyoung_park"


def _loop(picked: int | None) -> Loop:
    return Loop(
        short_id="LTEST",
        candidate_name="Juyoung Park",
        candidate_key=KEY,
        template_version_id=1,
        candidate_tz="Asia/Seoul",
        created_by="U0",
        briefed_round=picked,
    )


def _library(tmp_path: Path, seeds: Path, front_matter: str = ""):
    shutil.copytree(seeds, tmp_path / "docs")
    guide = tmp_path / "docs" / "candidates" / "phoenix_005_interview_guide.md"
    guide.write_text(guide.read_text().replace("version: 1.0\n", f"version: 1.0\n{front_matter}"))
    return load_library(tmp_path / "docs")


@pytest.mark.parametrize(
    ("names", "numbers"),
    [
        (["3"], {3}),
        (["3. Production Engineering"], {3}),
        (["production engineering", "Live AI Pairing"], {2, 3}),
        (["9", "Take-Home Review"], set()),
    ],
)
def test_rounds_are_named_by_number_or_name(seeds: Path, names, numbers) -> None:
    template = load_library(seeds).loops["ai-first-engineering"]
    assert template.rounds_named(names) == numbers


def test_front_matter_rounds_win_over_the_pick(tmp_path: Path, seeds: Path) -> None:
    library = _library(tmp_path, seeds, "rounds: [4]\n")
    template = library.loops["ai-first-engineering"]
    brief = briefing_for(library, _loop(picked=1), template)
    assert brief.guide_rounds == {4} and brief.named
    assert brief.context_rounds == {1}  # the context names none: the pick applies to it


def test_without_a_name_or_a_pick_no_round_is_briefed(seeds: Path) -> None:
    library = load_library(seeds)
    brief = briefing_for(library, _loop(picked=None), library.loops["ai-first-engineering"])
    assert brief.exists and brief.rounds == frozenset() and not brief.named
