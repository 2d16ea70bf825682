"""Broken documents: a precise file:line error each, and nothing loaded half-way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.documents import DocumentErrors, load_library
from bot.settings import SEEDS_DIR

SEED = (SEEDS_DIR / "loops" / "ai-first-engineering.md").read_text()


def _line(text: str, marker: str, nth: int = 1) -> int:
    """1-based line of the nth line starting with `marker`."""
    hits = [i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(marker)]
    return hits[nth - 1]


def _replace(old: str, new: str, count: int = 1):
    def mutate(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)

    return mutate


def _drop_section(heading: str):
    def mutate(text: str) -> str:
        head, rest = text.split(heading + "\n", 1)
        return head + "### " + rest.split("\n### ", 1)[1]

    return mutate


def _duplicate_line(prefix: str):
    def mutate(text: str) -> str:
        line = next(ln for ln in text.splitlines() if ln.startswith(prefix))
        return text.replace(line + "\n", line + "\n" + line + "\n", 1)

    return mutate


# (case, mutation, marker of the line the error must point at, nth occurrence, words in message)
BROKEN = [
    (
        "unreadable front matter",
        _replace("version: 1\n", "version: [1\n"),
        "version:",
        1,
        "unreadable front matter",
    ),
    (
        "unknown role code",
        _replace(
            "| 3. Production Engineering | PI | HM | IL |",
            "| 3. Production Engineering | PI | HM | QA |",
        ),
        "| 3. Production Engineering",
        1,
        "unknown role code 'QA'",
    ),
    (
        "round without details",
        _drop_section("### 4. Evals and Data Quality"),
        "| 4. Evals and Data Quality",
        1,
        "has no '### 4. Evals and Data Quality' section",
    ),
    (
        "round without Responsible",
        _replace("| 2. Live AI Pairing | PI |", "| 2. Live AI Pairing | - |"),
        "| 2. Live AI Pairing",
        1,
        "no Responsible role",
    ),
    (
        "duplicate round",
        _duplicate_line("| 5. AI-Mediated System Design"),
        "| 5. AI-Mediated System Design",
        2,
        "duplicates round",
    ),
    (
        "duplicate details section",
        _replace(
            "### 2. Live AI Pairing\n",
            "### 2. Live AI Pairing\nMeasure: x\n\n### 2. Live AI Pairing\n",
        ),
        "### 2. Live AI Pairing",
        2,
        "second details section",
    ),
    (
        "details for an unknown round",
        _replace("### 6. Communication and Execution", "### 6. Communication and Delivery"),
        "### 6. Communication and Delivery",
        1,
        "not in the RACI matrix",
    ),
    (
        "a guide after the start",
        _replace("version: 1\n", "version: 1\nreminders:\n  heads_up: -30\n  guide: 2880\n"),
        "  guide:",
        1,
        "front matter 'reminders': guide must come before the start: negative minutes (got 2880)",
    ),
    (
        "an unknown reminder kind",
        _replace("version: 1\n", "version: 1\nreminders: {heads-up: -30}\n"),
        "reminders:",
        1,
        "unknown reminder kind 'heads-up' (known: guide, heads_up, due)",
    ),
    (
        "a nudge offset, now the feedback cadence's",
        _replace("version: 1\n", "version: 1\nreminders:\n  nudge: 3000\n"),
        "  nudge:",
        1,
        "nudge: no longer an offset, the daily reminders after `due` follow LOOPBOT_FEEDBACK_DAYS",
    ),
    (
        "a due before the end",
        _replace("version: 1\n", "version: 1\nreminders:\n  due: -10\n"),
        "  due:",
        1,
        "due must come at or after the end: 0 or more (got -10)",
    ),
    (
        "an empty place",
        _replace("version: 1\n", "version: 1\nplaces:\n  remote: ''\n"),
        "places:",
        1,
        "front matter 'places': give a room or a link per variant",
    ),
    (
        "matrix row with a missing cell",
        _replace("| 1. Async Build | PI | HM | IL | REC |", "| 1. Async Build | PI | HM | IL |"),
        "| 1. Async Build",
        1,
        "has 5 cells but the header has 6",
    ),
    (
        "matrix without a Responsible column",
        _replace("| Round | Responsible |", "| Round | Owner |"),
        "| Round | Owner |",
        1,
        "no Responsible column",
    ),
    (
        "no scoring rubric",
        _replace("## Scoring Rubric", "## Scoring Notes"),
        "# Interview Loop Proposal",
        1,
        "no 'Scoring Rubric' section",
    ),
    (
        "round without signals",
        _replace(
            "Measure: dataset coverage, metric design, reproducibility, and monitoring.\n", ""
        ),
        "### 4. Evals and Data Quality",
        1,
        "no 'Measure:' line",
    ),
    (
        "unknown document type",
        _replace("type: loop", "type: loop_plan"),
        "type:",
        1,
        "unknown document type 'loop_plan'",
    ),
    (
        "two accountables",
        _replace(
            "| 6. Communication and Execution | PI | HM |",
            "| 6. Communication and Execution | PI | HM, IL |",
        ),
        "| 6. Communication and Execution",
        1,
        "more than one Accountable",
    ),
    (
        "role listed twice",
        _replace("- XS: Executive Sponsor", "- PI: Executive Sponsor"),
        "- PI: Executive Sponsor",
        1,
        "role code 'PI' is listed twice",
    ),
    (
        "variant names an unknown round",
        _replace("- Evals and Data Quality: async plan", "- Evals and Metrics: async plan"),
        "- Evals and Metrics",
        1,
        "not in the RACI matrix",
    ),
]


@pytest.mark.parametrize(
    ("case", "mutate", "marker", "nth", "message"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_loop_document_names_file_line_and_problem(
    tmp_path: Path, case, mutate, marker, nth, message
) -> None:
    broken = mutate(SEED)
    (tmp_path / "loop.md").write_text(broken)
    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    errors = caught.value.errors
    expected_line = _line(broken, marker, nth)
    assert any(
        e.path.endswith("loop.md") and e.line == expected_line and message in e.message
        for e in errors
    ), [str(e) for e in errors]


def test_not_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "loop.md").write_bytes(
        SEED.encode().replace(b"Async Build", b"Async \xff Build", 1)
    )
    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    (error,) = caught.value.errors
    assert error.line == _line(SEED, "| 1. Async Build") and "not UTF-8" in error.message


def test_duplicate_document_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(SEED)
    (tmp_path / "b.md").write_text(SEED)
    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    (error,) = caught.value.errors
    assert error.path.endswith("b.md") and error.line == 2 and "also used by" in error.message


def test_one_broken_document_loads_nothing(tmp_path: Path, seeds: Path, capsys) -> None:
    shutil.copytree(seeds, tmp_path / "docs")
    good = load_library(tmp_path / "docs")
    assert "ai-first-engineering" in good.loops
    broken = tmp_path / "docs" / "loops" / "broken.md"
    broken.write_text(
        SEED.replace("id: ai-first-engineering", "id: broken").replace(
            "| 2. Live AI Pairing | PI |", "| 2. Live AI Pairing | ZZ |"
        )
    )
    with pytest.raises(DocumentErrors):
        load_library(tmp_path / "docs")
    assert main(["docs", "check", str(tmp_path / "docs")]) == 1
    out = capsys.readouterr().out
    assert "FAIL docs/loops/broken.md" in out and "ok   docs/loops/ai-first-engineering.md" in out
    assert "unknown role code 'ZZ'" in out


def test_docs_check_refuses_a_reminder_after_the_start(tmp_path: Path, seeds: Path, capsys) -> None:
    shutil.copytree(seeds, tmp_path / "docs")
    loop = tmp_path / "docs" / "loops" / "ai-first-engineering.md"
    loop.write_text(SEED.replace("version: 1\n", "version: 1\nreminders:\n  heads_up: 15\n"))
    assert main(["docs", "check", str(tmp_path / "docs")]) == 1
    out = capsys.readouterr().out
    line = _line(loop.read_text(), "  heads_up:")
    assert (
        f"docs/loops/ai-first-engineering.md:{line}: front matter 'reminders': heads_up must "
        "come before the start: negative minutes (got 15)"
    ) in out


@pytest.mark.parametrize(
    ("written", "what"),
    [("interview_guide", "an interview guide"), ("candidate_context", "a context")],
)
def test_a_second_guide_for_one_candidate_is_refused_where_it_is(
    tmp_path: Path, seeds: Path, capsys, written: str, what: str
) -> None:
    """Two interview guides (or contexts) for one candidate: the second would never reach
    anyone, so `docs check` names it, its line and the document it repeats, and exits 1."""
    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    text = (docs / "candidates" / f"phoenix_005_{written}.md").read_text(encoding="utf-8")
    second = docs / "candidates" / f"phoenix_005_round_3_{written}.md"
    second.write_text(text.replace(_id_line(text), "id: phoenix-005-round-3", 1), encoding="utf-8")
    with pytest.raises(DocumentErrors) as caught:
        load_library(docs)
    (error,) = caught.value.errors
    assert error.path.endswith(second.name)
    assert error.line == _line(text, "tags:") and "'phoenix_005_juyoung_park'" in error.message
    assert f"already has {what}, docs/candidates/phoenix_005_{written}.md" in error.message
    assert main(["docs", "check", str(docs)]) == 1
    assert second.name in capsys.readouterr().out


def _id_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("id:"))


@pytest.mark.parametrize("key", ["pools", "optional_roles"])
def test_a_role_the_loop_does_not_have_in_its_front_matter_is_refused(
    tmp_path: Path, seeds: Path, capsys, key: str
) -> None:
    """`optional_roles: [XP]` for the loop's XS: silently ignored, the sponsor would stay
    required; so it is a `file:line` error naming the roles the loop has."""
    shutil.copytree(seeds, tmp_path / "docs")
    loop = tmp_path / "docs" / "loops" / "ai-first-engineering.md"
    loop.write_text(SEED.replace("version: 1\n", f"version: 1\n{key}: [XP]\n"))
    assert main(["docs", "check", str(tmp_path / "docs")]) == 1
    line = _line(loop.read_text(), f"{key}:")
    assert (
        f"docs/loops/ai-first-engineering.md:{line}: `{key}` names role 'XP', which the loop "
        "does not have (its roles: HM, REC, IL, PI, XS)"
    ) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "loads"), [("0", False), ("1", True), ("60", True), ("61", False), ("two", False)]
)
def test_submission_days_run_from_1_to_60(tmp_path: Path, value: str, loads: bool) -> None:
    (tmp_path / "loop.md").write_text(
        SEED.replace("version: 1\n", f"version: 1\nsubmission_days: {value}\n")
    )
    if loads:
        (template,) = load_library(tmp_path).loops.values()
        assert template.submission_days == int(value)
        return
    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    (error,) = caught.value.errors
    assert error.line == _line((tmp_path / "loop.md").read_text(), "submission_days:")
    assert error.message == (
        "front matter 'submission_days': give a whole number of working days from 1 to 60"
    )


def test_docs_list_prints_each_document_loaded_with_its_type_and_file(
    tmp_path: Path, seeds: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import get_settings

    shutil.copytree(seeds, tmp_path / "docs")
    monkeypatch.setenv("LOOPBOT_DOCS", str(tmp_path / "docs"))
    get_settings.cache_clear()
    try:
        assert main(["docs", "list"]) == 0
    finally:
        get_settings.cache_clear()
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    files = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "docs").rglob("*.md"))
    assert sorted(row[2] for row in rows) == files
    assert ["loop", "ai-first-engineering", "docs/loops/ai-first-engineering.md"] in rows
