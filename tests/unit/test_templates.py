"""Message templates: one line per item, Slack-escaped, strict about missing values."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from bot.render import render, slack_escape


def _lines(name: str, **values) -> list[str]:
    return [ln for ln in render(name, **values).splitlines() if ln.strip()]


def test_each_round_is_its_own_line() -> None:
    rounds = [
        {
            "number": n,
            "name": f"R{n}",
            "when": "soon",
            "length": "1 h",
            "owner": "@x",
            "cancelled": n == 2,
            "written_due": "",
        }
        for n in (1, 2, 3)
    ]
    lines = _lines("loop_rounds", rounds=rounds)
    assert lines == [
        "• *1. R1*: soon (1 h), @x",
        "• *2. R2*: soon (1 h), @x _(cancelled)_",
        "• *3. R3*: soon (1 h), @x",
    ]


def test_card_rounds_do_not_run_together() -> None:
    row = {
        "number": 1,
        "name": "Async Build",
        "cancelled": False,
        "when": "W",
        "length": "1 h",
        "format": "on-site",
        "place": "Room 1",
        "asynchronous": False,
        "written_due": "",
        "candidate_time": "C",
        "R": [("@r", False, ""), ("@t", False, "shadow")],
        "A": [("@a", False, "")],
        "C": [],
        "I": [("@i", False, ""), ("@x", True, "")],
        "all_in": False,
    }
    text = render(
        "loop_card",
        title="T",
        variant="",
        short_id="L1",
        status="scheduled",
        candidate_tz="Asia/Seoul",
        candidate_hours="",
        created_by="U1",
        rounds=[row, {**row, "number": 2}],
        show_scorecards=True,
        submitted=0,
        total=2,
    )
    assert "*1. Async Build*\nW · 1 h" in text
    line = "R @r, @t (shadow) · A @a · C - · I @i, @x (if a finalist) · scorecard: pending\n"
    assert line in text


def test_user_text_is_escaped_for_slack() -> None:
    assert slack_escape("<@U1> & <!channel>") == "&lt;@U1&gt; &amp; &lt;!channel&gt;"
    values = {"short_id": "L1", "title": "T", "decided": False, "decision": "", "by": ""}
    text = render("cancelled", candidate="<!channel> Ada", **values)
    assert "<!channel>" not in text and "&lt;!channel&gt; Ada" in text


def test_missing_values_fail_loudly() -> None:
    with pytest.raises(UndefinedError):
        render("cancelled", short_id="L1", title="T")


def test_a_guides_markdown_reads_as_slack_formats_it() -> None:
    body = (
        "**STAR**\n"
        "- **S**ituation: why <it> mattered & how\n"
        "  * a *nested* point; 5 * 3 stays\n"
        "---\n"
        "1. **Clarify requirements**: scope\n"
        "### Then\n"
        "See [the notes](https://example.com/a_b) and `keep*this*`"
    )
    assert render("prep_forward", guide=_guide(body), rounds=[]).splitlines()[3:] == [
        "*STAR*",
        "• *S*ituation: why &lt;it&gt; mattered &amp; how",
        "  • a _nested_ point; 5 * 3 stays",
        "1. *Clarify requirements*: scope",
        "*Then*",
        "See <https://example.com/a_b|the notes> and `keep*this*`",
    ]


def _guide(body: str):
    from bot.documents.models import GuideSection, PrepGuide

    return PrepGuide(id="g", version="1", title="G", sections=[GuideSection(title="S", body=body)])


def test_a_panel_line_counts_its_interviewers() -> None:
    one = render("panel_line", panel="<@U1>", observers="<@U2>")
    assert (
        one == "*Panel:* <@U1> interviews and writes the scorecard; <@U2> observes (no scorecard)."
    )
    two = render("panel_line", panel="<@U1> (lead), <@U3>", observers="")
    assert two == "*Panel:* <@U1> (lead), <@U3> interview, each writing a scorecard."


def test_a_sentence_gets_one_full_stop() -> None:
    from bot.render import sentence

    assert [sentence(t) for t in ("Gaps.", "Gaps", "Why? ", "Gaps…")] == [
        "Gaps.",
        "Gaps.",
        "Why?",
        "Gaps…",
    ]
