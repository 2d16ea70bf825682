"""A candidate's own documents reach the round they brief, the people who decide, and (for
material written to the candidate) the recruiter who forwards it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator.transcript import blocks_as_text
from bot.sandbox import Sandbox
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    PANEL,
    REC,
    XS,
    create_loop,
    dm_texts,
    mark_submissions_received,
    open_create,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)

ROUNDS = {
    1: "ASYNC BUILD",
    2: "LIVE AI PAIRING",
    3: "PRODUCTION ENGINEERING",
    4: "EVALS AND DATA QUALITY",
    5: "AI-MEDIATED SYSTEM DESIGN",
    6: "COMMUNICATION AND EXECUTION",
}
# Words only the candidate's interview guide and context contain.
CANDIDATE_MATERIAL = (
    "About Juyoung Park",
    "Ownership & Proactivity",
    "Testing Strategy",
    "jyp-on/dunamis",
    "Resilience",
    "take-home",
)
PICK = "Round the candidate's guide briefs"


def guides_by_round(sb: Sandbox) -> dict[int, str]:
    """Every round's guide as its interviewer received it, once every guide has gone out (the
    Async Build's once its submission is received)."""
    assert mark_submissions_received(sb) == 1
    for step in range(0, 10 * 24, 6):
        sb.dispatch(MONDAY + timedelta(hours=step))
    texts = [t for handle in PANEL for t in dm_texts(sb, handle)]
    out = {}
    for number, name in ROUNDS.items():
        found = [t for t in texts if t.startswith(f"ROUND GUIDE: {name}")]
        assert len(found) == 1, (number, len(found))
        out[number] = found[0]
    return out


def carries_candidate_material(text: str) -> list[str]:
    return [words for words in CANDIDATE_MATERIAL if words in text]


def test_unpicked_documents_reach_only_the_hiring_manager_and_lead(sb: Sandbox) -> None:
    create_loop(sb)
    guides = guides_by_round(sb)
    for number, text in guides.items():
        assert carries_candidate_material(text) == [], f"round {number}"
    summary = next(t for t in dm_texts(sb, HM) if "You're accountable for" in t)
    calibrate = next(t for t in dm_texts(sb, IL) if "You calibrate the panel" in t)
    for brief in (summary, calibrate):
        assert carries_candidate_material(brief) == list(CANDIDATE_MATERIAL)
        assert "Executive briefing:" in brief and "8.5/10" in brief
        # Each part of the briefing starts its own line, under the name the document gives it.
        lines = brief.splitlines()
        assert any(line.startswith("*Role fit:* The candidate demonstrates") for line in lines)
        highlights = lines.index("*Experience highlights*")
        assert lines[highlights + 1].startswith("• Initial screening highlighted")
        assert "Mid-level. We are not looking for a perfect answer" in brief
        assert "Success indicators:" in brief
        assert "only the hiring manager and the interview lead read them" in brief
    for handle in (REC, XS):
        assert not any("About Juyoung Park" in t for t in dm_texts(sb, handle))
    # Nobody asks the deep dive's prompts, so the candidate is not asked to prepare them.
    assert not any("Preparation Guide" in t for t in dm_texts(sb, REC))


def test_the_recruiters_pick_briefs_that_round_and_no_other(sb: Sandbox) -> None:
    short_id = create_loop(sb, **{PICK: "1. Async Build"})
    guides = guides_by_round(sb)
    assert carries_candidate_material(guides[1]) == list(CANDIDATE_MATERIAL)
    for words in (
        "Calibrate: Expected depth:",
        "Expected depth: Mid-level",
        "Success indicators: The candidate can articulate",
        "Integrity & Reliability: MISSING",
    ):
        assert words.split(": ", 1)[-1] in guides[1]
    for number in range(2, 7):
        assert carries_candidate_material(guides[number]) == [], f"round {number}"
    # The executive briefing is for the hiring manager and the lead, not the interviewer.
    assert "Executive briefing:" not in guides[1]
    summary = next(t for t in dm_texts(sb, HM) if "You're accountable for" in t)
    assert "Their documents brief 1. Async Build, as picked when the loop was created" in summary
    # The guides opened from App Home are the same: round 1's with them, round 2's without.
    opened = {n: _guide_from_home(sb, HM, short_id, n) for n in (1, 2)}
    assert carries_candidate_material(opened[1]) == list(CANDIDATE_MATERIAL)
    assert carries_candidate_material(opened[2]) == []


def _guide_from_home(sb: Sandbox, handle: str, short_id: str, number: int) -> str:
    """A round's guide as *Open a round guide* on App Home shows it to `handle`."""
    user = uid(sb, handle)
    channel = sb.emulator.workspace.im_for(user).id
    sb.slack.click(handle, "home_open_guide", f"{short_id}:{number}", channel_id=channel)
    view = wait_for(lambda: sb.emulator.open_views(user) and top_view(sb, handle))
    sb.emulator.close_view(user)
    return "\n".join(blocks_as_text(view["blocks"]))


def _docs_naming_round(tmp_path: Path, seeds: Path, line: str) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    guide = docs / "candidates" / "phoenix_005_interview_guide.md"
    text = guide.read_text()
    guide.write_text(text.replace("Candidate: Juyoung Park", f"{line}\nCandidate: Juyoung Park"))
    return docs


@pytest.fixture
def named_sb(tmp_path: Path, seeds: Path) -> Iterator[Sandbox]:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = _docs_naming_round(tmp_path, seeds, "Round: 3. Production Engineering")
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        sb.now = MONDAY
        yield sb


def test_a_round_the_guide_names_wins_over_the_pick(named_sb: Sandbox) -> None:
    sb = named_sb
    create_loop(sb, **{PICK: "1. Async Build"})
    guides = guides_by_round(sb)
    # The guide names round 3; the context names none, so it follows the pick (round 1).
    assert "Testing Strategy" in guides[3] and "Ownership & Proactivity" in guides[3]
    assert "jyp-on/dunamis" not in guides[3]
    assert "jyp-on/dunamis" in guides[1] and "Testing Strategy" not in guides[1]
    for number in (2, 4, 5, 6):
        assert carries_candidate_material(guides[number]) == [], f"round {number}"


def test_a_round_the_guide_misnames_leaves_the_pick_to_brief_and_is_named_to_the_owners(
    tmp_path: Path, seeds: Path
) -> None:
    """`Round: Production Engineerin`: no round of the loop is called that. The guide is not
    lost: the recruiter's pick briefs, and the hiring manager is told of the name."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = _docs_naming_round(tmp_path, seeds, "Round: Production Engineerin")
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        sb.now = MONDAY
        create_loop(sb, **{PICK: "3. Production Engineering"})
        guides = guides_by_round(sb)
        assert carries_candidate_material(guides[3]) == list(CANDIDATE_MATERIAL)
        for number in (1, 2, 4, 5, 6):
            assert carries_candidate_material(guides[number]) == [], f"round {number}"
        summary = next(t for t in dm_texts(sb, HM) if "You're accountable for" in t)
        calibrate = next(t for t in dm_texts(sb, IL) if "You calibrate the panel" in t)
        for brief in (summary, calibrate):
            assert (
                "Their documents name “Production Engineerin”, which this loop has no round for. "
                "Their documents brief 3. Production Engineering, as picked when the loop was "
                "created."
            ) in brief


def test_the_prep_guide_goes_to_the_recruiter_to_forward(sb: Sandbox) -> None:
    short_id = create_loop(sb, **{PICK: "1. Async Build"})
    guides = guides_by_round(sb)
    itinerary = next(t for t in dm_texts(sb, REC) if "The itinerary for" in t)
    assert short_id in itinerary and "Asia/Seoul" in itinerary
    for number, name in ROUNDS.items():
        assert f"{number}. {name.lower()}" in itinerary.lower()
    assert "1. Async Build: Code, tests, AI usage log" in itinerary
    forwarded = "\n".join(dm_texts(sb, REC))
    assert "*To forward: Deep-Dive Preparation Guide* (prepares for 1. Async Build)" in forwarded
    assert "1) Structure: use STAR/CARE with technical depth" in forwarded
    assert "8) System/design review process: a crisp rubric" in forwarded
    # Every part of the guide written to the candidate, in Slack's own formatting: bold,
    # bullets, no stray markers. What it says of the prompts to an evaluator ("This question
    # evaluates a candidate's ...") goes to the interviewer of the round it prepares for.
    assert "This question evaluates a candidate's" not in forwarded
    assert "Quick Answer: This question evaluates a candidate's ownership" in guides[1]
    # The guide's "Solution" line heads the coaching, for the candidate: not the note's end.
    assert "software engineering.\nSolution" not in guides[1]
    assert "\n*Solution*\n\n*1) Structure: use STAR/CARE with technical depth*" in forwarded
    assert "\n1. *Clarify requirements*: functional + non-functional" in forwarded
    assert "\n• *S*ituation: context and why it mattered" in forwarded
    assert "**" not in forwarded and "\n---" not in forwarded
    # The interviewer of the briefed round sees what the candidate was asked to prepare,
    # not the coaching written to the candidate; no other round mentions it.
    assert "What the candidate was asked to prepare" in guides[1]
    assert "Describe a project you worked on in depth" in guides[1]
    for text in guides.values():
        assert "STAR/CARE" not in text and "crisp rubric" not in text
    for number in range(2, 7):
        assert "What the candidate was asked to prepare" not in guides[number]
    for handle in (HM, IL, *PANEL):
        assert not any("To forward:" in t for t in dm_texts(sb, handle))


def _step_two(sb: Sandbox, **changes) -> str:
    """Step 2 of `/loop create` as the recruiter sees it, then closed."""
    open_create(sb, REC)
    view = submit(sb, REC, step_one_answers(sb, **changes)).json["view"]
    sb.emulator.close_view(uid(sb, REC))
    return json.dumps(view, ensure_ascii=False)


def test_a_briefed_round_shorter_than_the_guide_plans_is_said_before_and_in_its_guide(
    sb: Sandbox,
) -> None:
    # phoenix_005's guide plans "Total: 90 minutes"; the loop gives Live AI Pairing 1 h.
    warning = (
        ":warning: 2. Live AI Pairing is booked for 1 h; the candidate's guide plans 90 min for it."
    )
    assert warning in _step_two(sb, **{PICK: "2. Live AI Pairing"})
    assert "the candidate's guide plans" not in _step_two(sb)  # it briefs no round
    create_loop(sb, **{PICK: "2. Live AI Pairing"})
    guides = guides_by_round(sb)
    assert "• Candidate Q&A: 10 minutes\n" + warning in guides[2]  # under the guide's plan
    assert "the candidate's guide plans" not in guides[3]


def test_no_length_is_compared_for_an_asynchronous_round_or_a_guide_briefing_several(
    sb: Sandbox, tmp_path: Path, seeds: Path
) -> None:
    # The Async Build has no meeting: nothing to weigh against the guide's 90 minutes.
    assert "the candidate's guide plans" not in _step_two(sb, **{PICK: "1. Async Build"})
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = _docs_naming_round(tmp_path, seeds, "Rounds: 2, 3")
    with Sandbox(create_app, make_wsgi_app, docs=docs) as named:
        named.now = MONDAY
        assert "the candidate's guide plans" not in _step_two(named)
        create_loop(named)
        guides = guides_by_round(named)
        assert not [n for n, g in guides.items() if "the candidate's guide plans" in g]


def test_the_debrief_channel_carries_the_baseline_s_statuses_and_nothing_else_of_them(
    sb: Sandbox,
) -> None:
    """Interviewers read the loop's channel once theirs are in: the summary there measures each
    value against the candidate's baseline by its status alone (PROVEN / SUGGESTED / MISSING);
    the documents' evidence, briefing and repository stay with the hiring manager and lead."""
    from tests.e2e.test_debrief import all_in, summaries

    short_id = create_loop(sb)
    all_in(sb, short_id, ["Hire"] * 6)
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    channel = next(c for c in sb.emulator.channels() if short_id.lower() in c.name)
    interviewers = {uid(sb, h) for h in PANEL} & channel.members
    assert len(interviewers) >= 3  # not only the one whose round the documents brief
    seen = json.dumps([m.blocks or m.text for m in sb.emulator.messages_in(channel.id)])
    assert "MISSING before the loop" in seen and "SUGGESTED before the loop" in seen
    for words in ("abstract base class", "Not directly testable", "8.5/10", "jyp-on/dunamis"):
        assert words not in seen, words
    # What is kept out is in the documents, not missing from them.
    documents = "".join(p.read_text() for p in (sb.docs / "candidates").glob("phoenix_005_*"))
    for words in ("abstract base class", "Not directly testable", "8.5/10", "jyp-on/dunamis"):
        assert words in documents, words
