"""Block Kit for the debrief: the channel summary (split into a thread when long), decisions."""

from __future__ import annotations

from enum import StrEnum

from bot.debrief.service import FinalistAudience, Outcome
from bot.debrief.summary import Summary
from bot.render import render
from bot.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    actions,
    button,
    context,
    divider,
    header,
    plain,
    section,
    sections_for,
)
from bot.slack.blocks.scorecards import ScorecardIds

FIRST_MESSAGE_BLOCKS = MESSAGE_BLOCK_LIMIT - 6
FIELD_LIMIT, MAX_FIELDS = 2000, 10
"""Slack's limits on a section's fields: characters each, and how many."""


class DebriefIds(StrEnum):
    DECIDE = "debrief_decide"
    DECISION = "debrief_decision"
    OPEN_EARLY = "debrief_open_early"
    FINALIST = "debrief_finalist"
    REASON = "reason"


def decide_value(short_id: str, outcome: Outcome) -> str:
    return f"{short_id}:{outcome.value}"


def decide_action(outcome: Outcome) -> str:
    """One action id per outcome: Slack requires them unique within a block."""
    return f"{DebriefIds.DECIDE}:{outcome.value}"


def build_messages_debrief(
    *,
    summary: Summary,
    card: dict,
    mentions: str,
    decision: dict | None,
    finalist: bool,
    audience: FinalistAudience,
) -> list[dict]:
    """The summary as one message, plus thread replies when it would pass Slack's limits."""
    head = [
        header(f"Debrief: {card['candidate']}"),
        section(
            render("debrief_head", card=card, mentions=mentions, summary=summary, decision=decision)
        ),
    ]
    body: list[dict] = []
    by_round: dict[int, list] = {}
    for line in summary.rounds:
        by_round.setdefault(line.number, []).append(line)
    for lines in by_round.values():
        if len(lines) == 1:
            body += sections_for(render("debrief_round", line=lines[0]))
        else:
            body.append(_side_by_side(lines))
    if summary.trainees:
        body.append(divider())
        body += sections_for(render("debrief_trainees", lines=summary.trainees))
    if summary.values:
        body.append(divider())
        body += sections_for(render("debrief_values", values=summary.values))
    if summary.missing:
        body += sections_for(render("debrief_missing", missing=summary.missing))
    tail = [actions(button("Read full scorecards", ScorecardIds.READ, card["short_id"]))]
    if decision is None:
        tail.append(
            actions(
                *(
                    button(
                        o.label,
                        decide_action(o),
                        decide_value(card["short_id"], o),
                        style={"hire": "primary", "no_hire": "danger"}.get(o.value),
                    )
                    for o in Outcome
                ),
                block_id="decision",
            )
        )
        said = render(
            "debrief_finalist", finalist=finalist, roles=audience.roles, told=audience.told
        )
        if finalist:
            tail.append(context(said))
        else:
            tail.append(
                actions(
                    button("Mark finalist", DebriefIds.FINALIST, card["short_id"]),
                    block_id="finalist",
                )
            )
        tail.append(
            context("Only the hiring manager can record the decision." if finalist else said)
        )
    room = FIRST_MESSAGE_BLOCKS - len(head) - len(tail)
    first = head + body[:room] + tail
    rest = body[room:]
    fallback = f"Debrief for {card['candidate']} (loop {card['short_id']})"
    messages = [{"text": fallback, "blocks": first}]
    for start in range(0, len(rest), MESSAGE_BLOCK_LIMIT):
        messages.append(
            {"text": f"{fallback}, continued", "blocks": rest[start : start + MESSAGE_BLOCK_LIMIT]}
        )
    return messages


def _side_by_side(lines: list) -> dict:
    """A panel's scorecards as the fields of one section: Slack shows them in two columns."""
    head = render(
        "debrief_panel_head", number=lines[0].number, round_name=lines[0].name, count=len(lines)
    )
    block = section(head)
    block["fields"] = [
        {"type": "mrkdwn", "text": render("debrief_panel_card", line=line)[:FIELD_LIMIT]}
        for line in lines[:MAX_FIELDS]
    ]
    return block


def build_modal_decision(*, short_id: str, outcome: Outcome, candidate: str) -> dict:
    return {
        "type": "modal",
        "callback_id": DebriefIds.DECISION,
        "title": plain(f"Decision: {outcome.label}", 24),
        "submit": plain("Record", 24),
        "close": plain("Cancel", 24),
        "private_metadata": decide_value(short_id, outcome),
        "blocks": [
            section(
                f"Record *{outcome.label}* for *{candidate}* (loop `{short_id}`)."
                " Scorecards lock once it is recorded."
            ),
            {
                "type": "input",
                "block_id": DebriefIds.REASON,
                "label": plain("Reason", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }


def build_message_calibration(*, rows, last: int) -> dict:
    text = render("calibration", rows=rows, last=last)
    return {"response_type": "ephemeral", "text": text, "blocks": sections_for(text)[:50]}
