"""Block Kit for late scorecards: the hiring manager's and recruiter's message per loop, and the
same lines on App Home, each with its actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from bot.reminders.late import Late, how_late
from bot.render import render
from bot.slack.blocks import actions, button, section, sections_for
from bot.slack.blocks.loops import LoopIds
from bot.slack.format import mention, slack_time

MOST_LINES = 20
HOME_LINES = 10


class FeedbackIds(StrEnum):
    NUDGE = "feedback_nudge"
    REASSIGN = "feedback_reassign"


def line_values(line: Late, now: datetime) -> dict:
    return {
        "round": f"{line.number}. {line.round_name}",
        "who": mention(line.user_id),
        "due": slack_time(line.due),
        "late": how_late(line.due, now),
        "candidate": line.candidate,
        "short_id": line.short_id,
    }


def line_actions(line: Late, *, nudge: bool, reassign: bool) -> list[dict]:
    """Nudge now (that interviewer, that round) and Reassign (the swap form for that round)."""
    ref = f"{line.short_id}:{line.number}"
    out = []
    if nudge:
        out.append(button("Nudge now", FeedbackIds.NUDGE, f"{ref}:{line.user_id}"))
    if reassign:
        out.append(button("Reassign", FeedbackIds.REASSIGN, ref))
    return [actions(*out)] if out else []


def home_late_blocks(lines: Sequence[Late], now: datetime) -> list[dict]:
    """App Home's late scorecards, every loop's, each with Nudge now and Reassign."""
    blocks: list[dict] = []
    for line in list(lines)[:HOME_LINES]:
        blocks.append(section(render("home_late", more=0, **line_values(line, now))))
        blocks += line_actions(line, nudge=True, reassign=True)
    if len(lines) > HOME_LINES:
        blocks += sections_for(render("home_late", more=len(lines) - HOME_LINES))
    return blocks


def late_blocks(
    *,
    short_id: str,
    candidate: str,
    title: str,
    lines: Sequence[Late],
    now: datetime,
    debrief: bool,
) -> tuple[str, list[dict]]:
    """(text, blocks) of one loop's late-scorecards message: every line with its actions, and
    "Open the debrief without them" for whoever may open it early."""
    shown = list(lines)[:MOST_LINES]
    values = [line_values(line, now) for line in shown]
    text = render(
        "late_scorecards",
        candidate=candidate,
        short_id=short_id,
        title=title,
        lines=values,
        total=len(lines),
        debrief=debrief,
    )
    head, _, foot = text.partition("\n\n")
    # The list itself: a section per line (with its actions), then how many more.
    first, *_, last = head.splitlines()
    blocks = sections_for(first)
    for line, value in zip(shown, values, strict=True):
        blocks.append(section(render("late_line", line=value)))
        blocks += line_actions(line, nudge=True, reassign=True)
    if len(lines) > len(shown):
        blocks += sections_for(last)
    if debrief:
        blocks.append(
            actions(button("Open the debrief without them", LoopIds.CARD_DEBRIEF, short_id))
        )
    blocks += sections_for(foot)
    return text, blocks
