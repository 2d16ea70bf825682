"""What each reminder or notice says: templates for the text, builders for the blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.documents import Library
from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.reminders.plan import DEFAULT_OFFSETS, Kind
from bot.reminders.relevance import risks_for_round, values_for_round
from bot.render import render
from bot.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    actions,
    context,
    divider,
    header,
    sections_for,
)
from bot.slack.blocks.scorecards import open_button
from bot.slack.format import mention, minutes, slack_time, zone_time
from bot.store.models import Loop, Round

GUIDE_BLOCKS_PER_MESSAGE = MESSAGE_BLOCK_LIMIT - 5


@dataclass(frozen=True)
class Outgoing:
    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class RoundLine:
    number: int
    name: str
    when: str
    length: str
    owner: str
    cancelled: bool


@dataclass(frozen=True)
class Situation:
    """Everything a message may mention, gathered by the dispatcher at send time."""

    kind: Kind
    loop: Loop
    template: LoopTemplate
    rounds: list[RoundLine]
    channel: str
    rnd: Round | None = None
    spec: TemplateRound | None = None
    owner: str | None = None
    new_owner: str | None = None
    status: str = "scheduled"
    decision: str = ""


def round_lines(rounds: list[Round], owners: dict[int, list[str]]) -> list[RoundLine]:
    return [
        RoundLine(
            r.number,
            r.name,
            slack_time(r.starts_at) if r.starts_at else "unscheduled",
            minutes(r.duration_minutes),
            ", ".join(mention(u) for u in owners.get(r.id or 0, [])) or mention(None),
            r.cancelled,
        )
        for r in rounds
    ]


def _common(s: Situation) -> dict:
    loop = s.loop
    out = {
        "candidate": loop.candidate_name,
        "short_id": loop.short_id,
        "title": s.template.title,
        "rounds": s.rounds,
        "candidate_tz": loop.candidate_tz,
        "variant": _variant_name(s),
        "channel": s.channel,
        "rubric": s.template.rubric,
        "status": s.status,
        "changed": s.kind is Kind.CHANGED,
        "owner": mention(s.owner),
        "new_owner": mention(s.new_owner) if s.new_owner else "",
        "decision": s.decision,
    }
    if s.rnd is not None and s.rnd.starts_at is not None:
        end = s.rnd.starts_at + timedelta(minutes=s.rnd.duration_minutes)
        out.update(
            round=s.spec or s.rnd,
            when=slack_time(s.rnd.starts_at),
            candidate_time=zone_time(s.rnd.starts_at, loop.candidate_tz),
            length=minutes(s.rnd.duration_minutes),
            format=s.rnd.format,
            ended=slack_time(end),
            lead=minutes(-DEFAULT_OFFSETS[Kind.HEADS_UP]),
            guide_lead=minutes(-DEFAULT_OFFSETS[Kind.GUIDE]),
        )
    return out


def _variant_name(s: Situation) -> str:
    variant = s.template.variant(s.loop.variant) if s.loop.variant else None
    return variant.name if variant else ""


TEMPLATE_BY_KIND = {
    Kind.ASSIGNED: "assigned",
    Kind.UNASSIGNED: "unassigned",
    Kind.MOVED: "moved",
    Kind.CANCELLED: "cancelled",
    Kind.SUMMARY: "summary",
    Kind.CALIBRATE: "calibrate",
    Kind.STATUS: "status",
    Kind.HEADS_UP: "heads_up",
    Kind.DUE: "due",
    Kind.NUDGE: "nudge",
    Kind.ESCALATION: "escalation",
    Kind.DECIDED: "decided",
    Kind.FINALIST: "finalist",
}


def compose(s: Situation, library: Library) -> list[Outgoing]:
    """One or more messages (long guides are split, never cut)."""
    if s.kind is Kind.GUIDE:
        return compose_guide(s, library)
    name = TEMPLATE_BY_KIND.get(s.kind, "status" if s.kind is Kind.CHANGED else "")
    if s.kind is Kind.CHANGED and s.owner is None:
        name = "status"
    text = render(name, **_common(s))
    blocks = sections_for(text)
    if s.kind in (Kind.DUE, Kind.NUDGE) and s.spec is not None:
        blocks.append(actions(open_button(s.loop.short_id, s.spec.number)))
    return [Outgoing(text=text, blocks=blocks)]


def compose_guide(s: Situation, library: Library) -> list[Outgoing]:
    """The round guide: the round's own page of the loop document, the candidate's own guide
    and context for this round, and preparation material for deep dives."""
    assert s.spec is not None
    values = dict(_common(s))
    parts: list[list[dict]] = [
        [header(f"Round guide: {s.spec.name}"), *sections_for(render("guide", **values))],
        sections_for(render("guide_questions", **values)),
        sections_for(render("guide_rubric", **values)),
    ]
    key = s.loop.candidate_key
    guide = library.guide_for(key) if key else None
    ctx = library.context_for(key) if key else None
    if guide or ctx:
        text = render(
            "guide_candidate",
            **values,
            guidance=guide.guidance if guide else "",
            values=values_for_round(guide, s.spec) if guide else [],
            risks=risks_for_round(ctx, s.spec) if ctx else [],
        )
        parts.append([divider(), *sections_for(text)])
    prep = library.prep_guide_for(s.spec.name, s.spec.round_type)
    if prep is not None:
        parts.append([divider(), *sections_for(render("guide_prep", **values, guide=prep))])
    parts.append(
        [
            actions(open_button(s.loop.short_id, s.spec.number)),
            context(f"Loop `{s.loop.short_id}` · {s.template.title} v{s.template.version}"),
        ]
    )
    fallback = f"Round guide: {s.spec.name} with {s.loop.candidate_name}"
    return [
        Outgoing(text=fallback if i == 0 else f"{fallback} (continued)", blocks=blocks)
        for i, blocks in enumerate(_pack(parts))
    ]


def _pack(parts: list[list[dict]]) -> list[list[dict]]:
    messages: list[list[dict]] = [[]]
    for part in parts:
        for block in part:
            if len(messages[-1]) >= GUIDE_BLOCKS_PER_MESSAGE:
                messages.append([])
            messages[-1].append(block)
    return [m for m in messages if m]
