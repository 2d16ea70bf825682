"""Loop documents other teams write: other rounds, roles, heading order, and pure YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.documents import load_library
from bot.documents.library import Library

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def library(tmp_path: Path, seeds: Path) -> Library:
    shutil.copytree(seeds / "round_types", tmp_path / "round_types")
    for name in ("platform-loop.md", "structured-loop.md"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return load_library(tmp_path)


def test_reordered_four_round_loop_with_other_roles(library: Library) -> None:
    loop = library.loops["platform-engineering"]
    assert loop.version == "2.1"
    assert [(r.number, r.name) for r in loop.rounds] == [
        (1, "Operations Deep Dive"),
        (2, "Architecture"),
        (3, "Pairing"),
        (4, "Values Conversation"),
    ]
    assert [(r.code, r.name) for r in loop.roles] == [
        ("HM", "Hiring Manager"),
        ("TL", "Tech Lead"),
        ("INT", "Interviewer"),
        ("RC", "Recruiting Coordinator"),
    ]
    assert [r.code for r in loop.roles if r.pool] == ["INT"]
    pairing = loop.round(3)
    assert pairing.responsible == ["INT", "TL"] and pairing.consulted == []
    assert pairing.duration_minutes == 90
    assert loop.round(4).informed == [] and loop.round(4).duration_minutes == 30
    assert loop.round(1).measure == [
        "incident response",
        "capacity planning",
        "automation instinct",
    ]
    assert [lvl.name for lvl in loop.rubric] == ["Strong Yes", "Yes", "No"]
    assert loop.reminder_offsets == {"guide": -2880}
    assert "round 'Values Conversation' has no core questions" in loop.warnings


def test_round_can_take_its_details_from_the_catalogue(library: Library) -> None:
    architecture = library.loops["platform-engineering"].round(2)
    catalogue = library.round_types["architecture-interview"]
    assert architecture.round_type == "Architecture Interview"
    assert architecture.measure == catalogue.measure
    assert architecture.focus == "design a multi-region job scheduler."
    assert architecture.core_questions[0].startswith("How do you keep two regions")


def test_front_matter_only_loop(library: Library) -> None:
    loop = library.loops["data-science-loop"]
    assert [r.name for r in loop.rounds] == ["Modelling Case", "Technical Deep Dive"]
    assert loop.round(1).measure == ["problem framing", "feature thinking", "evaluation rigour"]
    deep_dive = loop.round(2)
    assert deep_dive.round_type == "ML Technical Deep Dive" and deep_dive.core_questions
    assert [lvl.name for lvl in loop.rubric] == ["Hire", "No Hire"]
    assert loop.variant("remote").round(1).minutes_max == 45


def test_front_matter_only_loop_errors_point_into_the_yaml(tmp_path: Path) -> None:
    text = (
        (FIXTURES / "structured-loop.md")
        .read_text()
        .replace(
            "responsible: DS\n    accountable: HM\n    informed",
            "responsible: QA\n    accountable: HM\n    informed",
            1,
        )
    )
    (tmp_path / "loop.md").write_text(text)
    from bot.documents import DocumentErrors

    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    line = next(
        i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("  - name: Modelling")
    )
    assert any(
        e.line == line and "unknown role code 'QA'" in e.message for e in caught.value.errors
    )
