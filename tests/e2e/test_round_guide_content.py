"""Each round's details, as the loop document writes them, reach that round's interviewer in
their round guide, and no other round's guide."""

from __future__ import annotations

import re

from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from tests.e2e.helpers import create_loop
from tests.e2e.test_candidate_documents import guides_by_round

LOOP = SEEDS_DIR / "loops" / "ai-first-engineering.md"


def _written(number: int) -> dict[str, list[str]]:
    """Round `number`'s detail lines, core questions and the loop's rubric, read from the file."""
    text = LOOP.read_text(encoding="utf-8")
    section = re.split(r"^### \d+\. ", text, flags=re.M)[number].split("\n## ", 1)[0]
    written = dict(
        line.split(": ", 1)
        for line in section.splitlines()
        if line.split(":", 1)[0] in ("Focus", "Why", "Measure", "Observe", "Example prompt")
    )
    # Measure and Observe are lists (the signals scorecards rate): each item, in its line.
    listed = {
        key: [item.strip().removeprefix("and ").rstrip(".") for item in written[key].split(",")]
        for key in ("Measure", "Observe")
    }
    questions = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    rubric = text.split("## Scoring Rubric\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return {
        "details": [
            f"*{key}:* {value}"
            for key, value in written.items()
            if key in ("Focus", "Why", "Example prompt")
        ],
        "Measure": listed["Measure"],
        "Observe": listed["Observe"],
        "questions": questions,
        "rubric": [line[2:].split(": ", 1)[1] for line in rubric],
    }


def test_each_round_s_details_reach_its_guide_and_no_other(sb: Sandbox) -> None:
    create_loop(sb)
    guides = guides_by_round(sb)
    for number, guide in guides.items():
        written = _written(number)
        missing = [w for w in written["details"] + written["rubric"] if w not in guide]
        assert not missing, (number, missing)
        lines = guide.splitlines()
        for key in ("Measure", "Observe"):
            line = next(x for x in lines if x.startswith(f"*{key}:* "))
            assert line == f"*{key}:* " + ", ".join(written[key]), (number, line)
        for i, question in enumerate(written["questions"], 1):
            assert f"{i}. {question}" in lines, (number, question)
        for other in set(guides) - {number}:
            theirs = _written(other)
            strays = [w for w in theirs["details"] + theirs["questions"] if w in guide]
            assert not strays, (number, other, strays)
