"""The shipped documents are read exactly as the team wrote them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.documents import load_library
from bot.documents.models import ValueStatus
from tests.conftest import SHARED_SEEDS

AI_FIRST_ROUNDS = [
    (
        "Async Build",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC"],
        "Code, tests, AI usage log",
        ["correctness", "test coverage", "AI usage quality", "design clarity"],
    ),
    (
        "Live AI Pairing",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC"],
        "Live build changes, reasoning notes",
        ["prompt quality", "error correction", "speed with rigor", "tradeoff clarity"],
    ),
    (
        "Production Engineering",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC"],
        "Reliability and ops plan",
        [
            "reliability strategy",
            "observability plan",
            "rate limits",
            "security",
            "failure handling",
        ],
    ),
    (
        "Evals and Data Quality",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC"],
        "Eval plan, dataset design",
        ["dataset coverage", "metric design", "reproducibility", "monitoring"],
    ),
    (
        "AI-Mediated System Design",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC"],
        "Architecture and tradeoff notes",
        ["quality of clarifying questions", "architectural tradeoffs", "constraints"],
    ),
    (
        "Communication and Execution",
        ["PI"],
        ["HM"],
        ["IL"],
        ["REC", "XS"],
        "Narrative, risk summary",
        ["clarity", "concision", "risk articulation", "decision rationale"],
    ),
]


def _show_json(capsys: pytest.CaptureFixture[str], doc_id: str) -> dict:
    assert main(["docs", "show", doc_id, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_docs_check_passes_on_the_shipped_seeds(seeds: Path, capsys) -> None:
    assert main(["docs", "check", str(seeds)]) == 0
    out = capsys.readouterr().out
    assert "ai-first-engineering.md" in out and "0 with errors" in out


def test_ai_first_loop_rounds_match_the_document(capsys) -> None:
    loop = _show_json(capsys, "ai-first-engineering")
    got = [
        (
            r["name"],
            r["responsible"],
            r["accountable"],
            r["consulted"],
            r["informed"],
            r["primary_output"],
            r["measure"],
        )
        for r in loop["rounds"]
    ]
    assert got == [tuple(row) for row in AI_FIRST_ROUNDS]
    assert [r["number"] for r in loop["rounds"]] == [1, 2, 3, 4, 5, 6]


def test_ai_first_core_questions_are_the_documents_own(seeds: Path, capsys) -> None:
    loop = _show_json(capsys, "ai-first-engineering")
    text = (seeds / "loops" / "ai-first-engineering.md").read_text()
    for rnd in loop["rounds"]:
        assert len(rnd["core_questions"]) == 6
        section = text.split(f"### {rnd['number']}. {rnd['name']}\n", 1)[1].split("\n#", 1)[0]
        written = [ln[2:] for ln in section.splitlines() if ln.startswith("- ")]
        assert rnd["core_questions"] == written
    assert loop["rounds"][2]["core_questions"][2] == (
        "What would you log and what would you avoid logging?"
    )


def test_ai_first_roles_rubric_and_remote_variant(capsys) -> None:
    loop = _show_json(capsys, "ai-first-engineering")
    roles = {r["code"]: r for r in loop["roles"]}
    assert list(roles) == ["HM", "REC", "IL", "PI", "XS"]
    assert roles["HM"]["name"] == "Hiring Manager"
    assert roles["PI"]["pool"] and not roles["HM"]["pool"]
    assert roles["XS"]["optional"] and roles["XS"]["finalists_only"]
    assert [(lvl["name"], lvl["advances"]) for lvl in loop["rubric"]] == [
        ("Strong Hire", True),
        ("Hire", True),
        ("Mixed", False),
        ("No Hire", False),
    ]
    assert loop["raci_definitions"]["R"] == "Executes the round and writes the assessment."
    (remote,) = loop["variants"]
    assert remote["id"] == "remote-first"
    durations = [
        (r["round_number"], r["format"], r["minutes_min"], r["minutes_max"])
        for r in remote["rounds"]
    ]
    assert durations == [
        (1, "async", 5, 5),
        (2, "live", 45, 60),
        (3, "hybrid", 20, 20),
        (4, "hybrid", 20, 20),
        (5, "live", 45, 60),
        (6, "live", 30, 30),
    ]
    assert len(remote["evidence_requirements"]) == 4


def test_docs_show_json_is_stable(capsys) -> None:
    first = _show_json(capsys, "ai-first-engineering")
    second = _show_json(capsys, "ai-first-engineering")
    assert first == second
    assert list(first)[:4] == ["id", "version", "title", "source"]


def test_candidate_documents_are_linked_by_key(seeds: Path) -> None:
    library = load_library(seeds)
    guide = library.guide_for("phoenix_005_juyoung_park")
    context = library.context_for("phoenix_005_juyoung_park")
    assert guide and context
    assert guide.candidate_name == "Juyoung Park"
    assert [v.value for v in guide.values] == [
        "Integrity & Reliability",
        "Technical Excellence & Scalable Elegance",
        "Security & Compliance First",
        "Observability & Guardrails",
        "Ownership & Proactivity",
    ]
    assert guide.values[0].evidence_to_probe.startswith("The project only contains a simple unit")
    assert [t.name for t in guide.calibration_topics] == [
        "Testing Strategy",
        "Resilience Patterns",
        "Security",
        "CI/CD",
        "API Design",
    ]
    assert guide.structure[0] == "Total: 90 minutes"
    statuses = {v.value: v.status for v in context.values}
    assert len(statuses) == 10
    assert statuses["Technical Excellence & Scalable Elegance"] is ValueStatus.SUGGESTED
    assert statuses["Innovative Spirit"] is ValueStatus.MISSING
    assert [r.name for r in context.risks] == [
        "Testing Depth",
        "Security Practices",
        "Resilience",
        "Production Readiness",
    ]


def test_prep_guide_and_round_type_catalogue(seeds: Path) -> None:
    library = load_library(seeds)
    prep = library.prep_guides["deep-dive-preparation"]
    assert len(prep.prompts) == 7 and prep.prompts[0].startswith("Describe a project")
    assert any(s.title.startswith("8) System/design review") for s in prep.sections)
    assert library.prep_guide_for("Technical Deep Dive") is prep
    assert len(library.round_types) >= 12
    architecture = library.round_types["architecture-interview"]
    assert architecture.measure and architecture.core_questions and architecture.duration_minutes


@pytest.mark.skipif(
    not SHARED_SEEDS.exists(), reason="the original documents are not beside the project"
)
@pytest.mark.parametrize(
    ("original", "shipped"),
    [
        ("000_1afe20b0e0a80834.txt", "candidates/phoenix_005_interview_guide.md"),
        ("001_eeb40225119340ce.txt", "candidates/phoenix_005_candidate_context.md"),
        ("003_8bcfe48ed034200a.txt", "loops/ai-first-engineering.md"),
        ("004_57903c97f887c5ad.txt", "guides/deep-dive-preparation.md"),
    ],
)
def test_shipped_bodies_are_as_the_team_wrote_them(
    seeds: Path, original: str, shipped: str
) -> None:
    written = (SHARED_SEEDS / original).read_text()
    assert (seeds / shipped).read_text().endswith(written)


def test_docs_show_marks_what_loopbot_assumed_and_check_warns_about_durations(
    seeds: Path, capsys
) -> None:
    loop = _show_json(capsys, "ai-first-engineering")
    # The AI-first loop gives no durations, rating scale or on-site variant name: say so.
    assert loop["defaulted"] == {
        "rating_scale": "Strong / Solid / Weak / No signal",
        "default_variant": "On-site",
        **{f"rounds.{n}.duration_minutes": "60" for n in range(1, 7)},
    }
    assert main(["docs", "show", "ai-first-engineering"]) == 0
    shown = capsys.readouterr().out
    assert "1. Async Build  (60 min, default)" in shown
    assert "Not in the document (loopbot's defaults):" in shown
    assert main(["docs", "check", str(seeds)]) == 0
    checked = capsys.readouterr().out
    assert (
        "warning: round 'Live AI Pairing' gives no duration: loopbot assumes 60 minutes" in checked
    )


def test_a_loop_that_gives_its_durations_has_none_marked(seeds: Path, tmp_path: Path) -> None:
    from bot.documents import load_library

    shutil.copytree(seeds / "round_types", tmp_path / "round_types")
    shutil.copy(Path(__file__).parent / "fixtures" / "platform-loop.md", tmp_path)
    (template,) = load_library(tmp_path).loops.values()
    assert not any(path.endswith("duration_minutes") for path in template.defaulted)
    assert not any("gives no duration" in w for w in template.warnings)


def test_a_guide_pointing_interviewers_to_another_file_is_named(
    seeds: Path, tmp_path: Path, capsys
) -> None:
    """phoenix_005's guide says "STAR questions: See `interview_script.md`" five times: the
    interviewer reads the pointer, never the file, so `docs check` says so (once), whether the
    pointer is quoted or not, with a folder or not."""
    from bot.cli import main

    assert main(["docs", "check", str(seeds)]) == 0
    checked = capsys.readouterr().out
    warning = "warning: points interviewers to `interview_script.md`: loopbot sends them the"
    assert checked.count(warning) == 1
    guide_line = checked.split("phoenix_005_interview_guide.md", 1)[1].splitlines()[1]
    assert guide_line.strip().startswith(warning[:40])
    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    guide = docs / "candidates" / "phoenix_005_interview_guide.md"
    guide.write_text(
        guide.read_text().replace(
            "This interview is critical", "\nscripts/star.md has the questions. This is critical", 1
        )
    )
    assert main(["docs", "check", str(docs)]) == 0
    assert "points interviewers to `scripts/star.md`" in capsys.readouterr().out


def test_a_candidate_document_naming_a_round_no_loop_has_is_named(
    seeds: Path, tmp_path: Path, capsys
) -> None:
    """`Round: Production Engineerin` (a typo): the guide would brief the round picked in
    `/loop create` instead, so `docs check` warns; a round a loop has is no warning."""
    from bot.cli import main

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    guide = docs / "candidates" / "phoenix_005_interview_guide.md"
    text = guide.read_text()
    for line, warned in (
        ("Round: Production Engineering", False),
        ("Round: Production Engineerin", True),
    ):
        guide.write_text(
            text.replace("Candidate: Juyoung Park", f"{line}\nCandidate: Juyoung Park")
        )
        assert main(["docs", "check", str(docs)]) == 0
        said = capsys.readouterr().out
        warning = (
            "warning: names round 'Production Engineerin', which no loop here has: the round "
            "picked in `/loop create` is briefed instead"
        )
        assert (warning in said) is warned
        assert ("which no loop here has" in said) is warned
