"""Broken documents never take the good set out of service."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.documents import DocumentErrors, load_library
from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from tests.e2e.helpers import wait_for

SEED = (SEEDS_DIR / "loops" / "ai-first-engineering.md").read_text()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("front matter", b"---\nid: [x\ntype: loop\n---\n# X\n", "unreadable front matter"),
        ("unclosed front matter", b"---\nid: x\ntype: loop\n# X\n", "no closing '---'"),
        ("huge", b"x" * 1_100_000, "documents are limited to"),
        ("utf-16", SEED.encode("utf-16"), "not UTF-8"),
        ("latin-1", SEED.replace("Strong Hire", "Très Fort").encode("latin-1"), "not UTF-8"),
        ("binary", b"\x00\x01\x02" * 10, "not a text file"),
        (
            "missing cells",
            SEED.replace(
                "| PI | HM | IL | REC | Code, tests, AI usage log |", "| PI | HM |"
            ).encode(),
            "cells but the header has",
        ),
        ("front matter a list", b"---\n- a\n- b\n---\n", "must be a mapping"),
    ],
)
def test_each_bad_document_gets_a_clear_error(tmp_path: Path, name, content, words) -> None:
    (tmp_path / "doc.md").write_bytes(content)
    with pytest.raises(DocumentErrors) as caught:
        load_library(tmp_path)
    assert any(
        words in e.message and e.path.endswith("doc.md") and e.line >= 1
        for e in caught.value.errors
    ), [str(e) for e in caught.value.errors]


def test_a_broken_reload_keeps_the_previous_set_in_service(tmp_path: Path, seeds: Path) -> None:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        assert sb.runtime.reload_documents() == []
        (docs / "loops" / "ai-first-engineering.md").write_text(
            SEED.replace("| 2. Live AI Pairing | PI |", "| 2. Live AI Pairing | QQ |")
        )
        problems = sb.runtime.reload_documents()
        assert problems and "unknown role code 'QQ'" in problems[0]
        assert "ai-first-engineering" in sb.runtime.library.loops
        reply = sb.slack.command("oliver.rec", "/loop", "create")
        assert reply.status == 200
        assert wait_for(lambda: sb.emulator.open_views("U0RC00001"))
        (docs / "loops" / "ai-first-engineering.md").write_text(
            "---\nid: ai-first-engineering\ntype: loop\nversion: 2\n---\n\n"
            + SEED.replace("### Multi-Problem Variant", "### Multi-Problem Variant (rarely used)")
        )
        assert sb.runtime.reload_documents() == []
        assert sb.runtime.library.loops["ai-first-engineering"].version == "2"
        # A folder emptied (a volume not mounted): nothing to run a loop from, so refused too.
        shutil.rmtree(docs)
        docs.mkdir()
        assert sb.runtime.reload_documents() == [f"{docs}: no loop document here (LOOPBOT_DOCS)"]
        assert sb.runtime.library.loops["ai-first-engineering"].version == "2"
