"""Whatever a team writes, the parser answers with a template or precise errors, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.documents import DocumentErrors, load_library
from bot.documents.markdown import split_list
from bot.settings import SEEDS_DIR

SEED = (SEEDS_DIR / "loops" / "ai-first-engineering.md").read_text()
LINES = SEED.splitlines()

markdownish = st.lists(
    st.one_of(
        st.sampled_from(LINES),
        st.sampled_from(
            [
                "## Roles",
                "## RACI Matrix",
                "## Round Details",
                "## Scoring Rubric",
                "| a | b |",
                "| --- |",
                "---",
                "- X: y",
                "### 1. A",
                "Measure:",
                "",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=60,
)


def _load(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "doc.md").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_library(Path(folder))
        except DocumentErrors as exc:
            assert exc.errors
            # Lines as an editor shows them: \r\n, \n or a lone \r ends one.
            total = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
            assert all(e.message and 0 <= e.line <= total + 1 for e in exc.errors)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
@example(["\x85", "\x85", "## RACI Matrix"])  # a line break only to str.splitlines()
@example(["\r0", "\r0", "## RACI Matrix"])  # a line break to editors (old Mac files), and to us
def test_any_shuffle_of_loop_lines_gets_an_answer(lines: list[str]) -> None:
    _load("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, len(LINES) - 1), max_size=8))
def test_seed_with_lines_removed_gets_an_answer(drop: list[int]) -> None:
    _load("\n".join(ln for i, ln in enumerate(LINES) if i not in set(drop)))


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters=",;"), min_size=1, max_size=15)
        .map(str.strip)
        .filter(bool),
        min_size=1,
        max_size=6,
    )
)
def test_split_list_reads_back_a_comma_list(items: list[str]) -> None:
    items = [i for i in items if not i.lower().startswith(("and ", "or ")) and not i.endswith(".")]
    if items:
        assert split_list(", ".join(items)) == items
