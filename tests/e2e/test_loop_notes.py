"""What the loop document says beyond its structure reaches the people it speaks to: its goals
and a variant's rationale and risks the hiring manager and the interview lead; how the loop runs
every interviewer; what the candidate may do the candidate (through the recruiter) as well."""

from __future__ import annotations

import json

import pytest

from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from tests.e2e.helpers import HM, IL, PANEL, REC, create_loop, dm_texts, top_view, uid, wait_for
from tests.e2e.test_candidate_documents import guides_by_round
from tests.e2e.test_scorecards import owner

# A phrase of each part of the shipped loop document that loopbot reads no structure from.
GOALS = "Test AI leverage, engineering rigor, and communication together"
ALIGNMENT = "Each round reinforces one or more principles from the hiring philosophy"
HOW_IT_RUNS = "Provide a short reset summary at the start of each round."
MULTI_PROBLEM = "Keep it to two scenarios max to preserve signal clarity."
AI_USAGE = "Candidates may use their preferred AI tools in all technical rounds."
RATIONALE = "This loop is artifact-driven and adapts well to remote hiring."
RISKS = "Risk: over-polished submissions. Mitigation: short time boxes and live follow-ups."
CALIBRATE = "Calibrate interviewers using 2-3 example submissions to reduce bias."
EVERY_PART = (GOALS, ALIGNMENT, HOW_IT_RUNS, MULTI_PROBLEM, AI_USAGE, RATIONALE, RISKS)
# The Remote-First variant's evidence requirements, each as the document writes it.
_WRITTEN = (SEEDS_DIR / "loops" / "ai-first-engineering.md").read_text(encoding="utf-8")
EVIDENCE = tuple(
    line[2:].rstrip(".")
    for line in _WRITTEN.split("### Remote Evidence Requirements\n", 1)[1]
    .split("\n\n")[0]
    .splitlines()
)


def _all_dms(sb: Sandbox, handle: str) -> str:
    return "\n".join(dm_texts(sb, handle))


def _in(text: str, parts: tuple[str, ...]) -> list[str]:
    return [p for p in parts if p in text]


def test_each_part_of_the_loop_document_reaches_the_people_it_speaks_to(sb: Sandbox) -> None:
    short_id = create_loop(sb, Variant="Remote-First")
    guides = guides_by_round(sb)
    # The hiring manager and the interview lead own the loop: every part, in their briefs.
    for lead in (HM, IL):
        assert _in(_all_dms(sb, lead), EVERY_PART) == list(EVERY_PART), lead
    assert "*Goals* _(from the loop document)_" in _all_dms(sb, HM)
    # Calibrating the panel with example submissions is the lead's work, not the panel's.
    assert CALIBRATE in _all_dms(sb, IL)
    # Every interviewer: how the loop runs and what the candidate may do, in their guide.
    for number, guide in guides.items():
        assert _in(guide, EVERY_PART) == [HOW_IT_RUNS, MULTI_PROBLEM, AI_USAGE], number
        assert CALIBRATE not in guide, number
    for handle in PANEL:
        assert not _in(_all_dms(sb, handle), (GOALS, ALIGNMENT, RATIONALE, RISKS)), handle
    # The candidate, through the itinerary the recruiter forwards: what they may do, no more.
    itinerary = _all_dms(sb, REC)
    assert "The itinerary for *Juyoung Park*, to forward" in itinerary
    assert _in(itinerary, EVERY_PART) == [AI_USAGE]
    # Nor does the scorecard form hand an interviewer the lead's calibration.
    who = owner(sb, short_id, 2)
    sb.slack.command(who, "/loop", f"scorecard {short_id} 2")
    form = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    assert "Explicitly score verification habits" in json.dumps(form)
    assert CALIBRATE not in json.dumps(form)
    # The variant's evidence requirements, as written: every guide, the lead's brief, the
    # itinerary the candidate gets, and the scorecard that asks for them.
    for number, guide in guides.items():
        assert _in(guide, EVIDENCE) == list(EVIDENCE), number
    for text in (_all_dms(sb, IL), itinerary, json.dumps(form, ensure_ascii=False)):
        assert _in(text, EVIDENCE) == list(EVIDENCE)


def test_docs_show_names_who_reads_each_part_kept_as_written(capsys) -> None:
    from bot.cli import main

    assert main(["docs", "show", "ai-first-engineering"]) == 0
    shown = capsys.readouterr().out
    kept = shown.split("Kept as written, and who reads it:\n", 1)[1].split("\n\n", 1)[0]
    assert kept.splitlines() == [
        "  Alignment To Hiring Philosophy: hiring manager, interview lead",
        "  Goals: hiring manager, interview lead",
        "  Loop Structure Options: hiring manager, interview lead, interviewer",
        "  Notes On Candidate AI Usage: hiring manager, interview lead, interviewer, candidate",
        "  Rationale (Remote-First): hiring manager, interview lead",
        "  Remote Risks And Mitigations (Remote-First): hiring manager, interview lead",
    ]


def _docs_with(tmp_path, seeds, front: str = "", section: str = "", variant_prose: str = ""):
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text()
    if front:  # in place of the shipped `notes:`
        shipped = text.split("notes:\n", 1)[1].split("---\n", 1)[0]
        text = text.replace("notes:\n" + shipped, front, 1)
    text = text.replace("## Round Details\n", section + "## Round Details\n", 1)
    heading = "## Appendix: Remote-First Variant\n"
    loop.write_text(text.replace(heading, heading + variant_prose, 1))
    return docs


def test_a_section_the_front_matter_does_not_name_stays_with_the_loops_owners(
    tmp_path, seeds
) -> None:
    """A heading that speaks of the candidate is not a reason to send it to them: only the
    front matter's `notes:` sends a section beyond the hiring manager and the lead."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    flags = "He left his last job after a dispute; probe gently."
    prose = "Budget approval from the VP is needed before a remote loop starts.\n"
    docs = _docs_with(
        tmp_path,
        seeds,
        section=f"## Candidate Red Flags\n{flags}\n\n",
        variant_prose=prose,
    )
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        from tests.e2e.helpers import MONDAY

        sb.now = MONDAY
        create_loop(sb, Variant="Remote-First")
        guides = guides_by_round(sb)
        assert flags in _all_dms(sb, HM) and flags in _all_dms(sb, IL)
        assert prose.strip() in _all_dms(sb, HM)  # the variant's own words, not only its parts
        assert flags not in _all_dms(sb, REC)
        for guide in guides.values():
            assert flags not in guide and prose.strip() not in guide


@pytest.mark.parametrize(
    ("front", "said"),
    [
        (
            "notes:\n  Notes On Candidat AI Usage: candidate\n",
            "front matter 'notes': no section titled 'notes on candidat ai usage' is kept",
        ),
        ("notes:\n  Goals: everyone\n", "'Goals: everyone' should map a section's heading"),
        ("notes: []\n", "front matter 'notes': map a section's heading to `candidate`"),
        ("notes:\n  2024: panel\n", "'2024: panel' should map a section's heading"),
        ("notes:\n  Goals: panel\n  goals: candidate\n", "'goals' is named twice"),
    ],
)
def test_a_notes_front_matter_that_names_no_section_or_no_reader_is_an_error(
    tmp_path, seeds, capsys, front: str, said: str
) -> None:
    from bot.cli import main

    docs = _docs_with(tmp_path, seeds, front=front)
    assert main(["docs", "check", str(docs)]) == 1
    assert said in capsys.readouterr().out


def test_a_document_read_anew_is_not_served_from_an_older_understanding(sb: Sandbox) -> None:
    """A stored version of the same file, as an older loopbot understood it (here: its Goals
    sent to the candidate), does not stand in for what loopbot reads from it now."""
    from bot.store.models import TemplateVersion

    template = sb.runtime.library.loops["ai-first-engineering"]
    body = template.model_dump(mode="json")
    for note in body["notes"]:
        note["audience"] = "candidate"
    with sb.db.session() as session:
        session.add(
            TemplateVersion(
                template_id=template.id,
                version=template.version,
                sha256=template.sha256,
                title=template.title,
                body=body,
            )
        )
    create_loop(sb)
    sb.dispatch()
    itinerary = _all_dms(sb, REC)
    assert "The itinerary for *Juyoung Park*, to forward" in itinerary
    assert _in(itinerary, EVERY_PART) == [AI_USAGE]


def test_a_heading_two_sections_share_cannot_be_routed_blind(tmp_path, seeds, capsys) -> None:
    """The loop's own "Rationale" and the Remote-First variant's: naming it would send both."""
    from bot.cli import main

    docs = _docs_with(
        tmp_path,
        seeds,
        front="notes:\n  Rationale: panel\n",
        section="## Rationale\nWe pay above band for this role.\n\n",
    )
    assert main(["docs", "check", str(docs)]) == 1
    assert "2 sections are titled 'rationale'; rename one" in capsys.readouterr().out


def test_a_loop_written_in_front_matter_has_no_sections_to_route(tmp_path, capsys) -> None:
    from pathlib import Path

    from bot.cli import main

    fixture = Path(__file__).parents[1] / "documents" / "fixtures" / "structured-loop.md"
    loop = tmp_path / "docs" / "loop.md"
    loop.parent.mkdir()
    loop.write_text(fixture.read_text().replace("version: 1\n", "version: 1\nnotes: {}\n", 1))
    assert main(["docs", "check", str(loop.parent)]) == 1
    assert "names sections of a loop written in Markdown" in capsys.readouterr().out


def test_a_variant_s_own_words_beside_its_rounds_and_a_bold_calibrate_are_read(
    tmp_path, seeds
) -> None:
    """A variant whose own bullets name its rounds keeps what it says besides them; an
    adjustment written "**Calibrate** …" is still the lead's alone."""
    from bot.documents import load_library

    docs = _docs_with(tmp_path, seeds)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text()
    text = text.replace(
        "### Remote Loop Structure\n", "Budget approval from the VP comes first.\n", 1
    )
    text = text.replace("- Calibrate interviewers", "- **Calibrate** interviewers", 1)
    loop.write_text(text)
    variant = load_library(docs).loops["ai-first-engineering"].variants[0]
    assert [r.round_number for r in variant.rounds] == [1, 2, 3, 4, 5, 6]
    assert any("Budget approval from the VP comes first." in n.text for n in variant.notes)
    assert not any("Async Build: submission" in n.text for n in variant.notes)
    assert variant.calibration == [
        "**Calibrate** interviewers using 2-3 example submissions to reduce bias."
    ]
