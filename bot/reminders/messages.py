"""What each reminder or notice says (of its `Situation`, bot.reminders.situation): templates
for the text, builders for the blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.authz import Action, can, part_in_round, trains
from bot.documents import Library
from bot.documents.models import RoundType, Variant
from bot.documents.notes import CANDIDATE, HIRING_MANAGER, INTERVIEW_LEAD, INTERVIEWER, notes_for
from bot.loops.briefing import Briefing, briefing_for, length_note, prep_guides_for, scope_note
from bot.loops.queries import OBSERVER, TRAINEE_PARTS
from bot.reminders.cadence import Next, first_due
from bot.reminders.late import how_late
from bot.reminders.panel_notes import may, observing, panel_values, scorecard_button
from bot.reminders.plan import Kind
from bot.reminders.situation import Situation
from bot.render import render
from bot.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    actions,
    context,
    divider,
    header,
    sections_for,
)
from bot.slack.blocks.feedback import late_blocks
from bot.slack.blocks.home import guide_button
from bot.slack.blocks.replacements import cant_make_it_button
from bot.slack.blocks.scorecards import open_button
from bot.slack.format import mention, minutes, slack_time, zone_time
from bot.store.models import Round

LATE_FIRST_REMINDER = timedelta(minutes=15)
"""A first scorecard reminder later than this after the due time (loopbot was down) says when
the scorecard was due, not that it is due now."""

GUIDE_BLOCKS_PER_MESSAGE = MESSAGE_BLOCK_LIMIT - 5


@dataclass(frozen=True)
class Outgoing:
    text: str
    blocks: list[dict]
    file: tuple[str, bytes] | None = None
    """(file name, content) shared with `text` as its comment (an invite's `.ics`)."""


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
        "observed": s.seat_left == OBSERVER,
        "trained": s.seat_left if s.seat_left in TRAINEE_PARTS else "",
        "change": _change(s),
        "decided": bool(s.decision),
        # The outcome itself, only for whom it is meant (`authz`): a cancel after it reaches
        # every interviewer, and an interviewer never reads the decision.
        "decision": s.decision if s.reader and can(Action.KNOW_DECISION, s.reader) else "",
        "debrief_open": bool(s.reader and s.reader.debrief_open),
        "variant_rules": _variant(s),
        "variant_round": None,
        "your_part": _your_part(s),
        "notes": notes_for(s.template, loop.variant, NOTES_READER.get(s.kind, "")),
        "cadence": _cadence(s.cadence),
        "ahead": s.ahead,
        "guide_ahead": s.guide_ahead,
        "may_cancel": bool(s.reader and can(Action.CANCEL, s.reader)),
        # Who made the change, unless it is the reader themselves or the one who took the seat.
        "by": mention(s.by) if s.by and s.by not in (_reader_id(s), s.new_owner) else "",
        "took_over_from": mention(s.took_over_from)
        if s.took_over_from and s.took_over_from != _reader_id(s)
        else "",
    }
    if s.rnd is not None:
        out.update(_round_values(s, s.rnd))
    # A trainee's practice scorecard: the debrief never waits on it (`where_in_cadence` says
    # nobody is told it is late).
    out["practice"] = bool(s.rnd and s.reader and trains(s.reader, s.rnd.number))
    return out


def _reader_id(s: Situation) -> str:
    return s.reader.user_id if s.reader else ""


def _round_values(s: Situation, rnd: Round) -> dict:
    """When, where and the lead times in force, for a live or an asynchronous round."""
    offsets = s.offsets
    out: dict = {
        "round": s.spec or rnd,
        "length": minutes(rnd.duration_minutes),
        "format": rnd.format,
        "place": rnd.place or "",
        "lead": minutes(-offsets[Kind.HEADS_UP]),
        "guide_lead": minutes(-offsets[Kind.GUIDE]),
        "due_after": minutes(offsets[Kind.DUE]) if offsets[Kind.DUE] else "",
        "asynchronous": rnd.starts_at is None,
        "review_days": s.review_days,
        "deadline": slack_time(rnd.deadline) if rnd.deadline else "",
        "candidate_deadline": zone_time(rnd.deadline, s.loop.candidate_tz) if rnd.deadline else "",
        "received": slack_time(rnd.received_at) if rnd.received_at else "",
        "written_due": slack_time(rnd.written_due) if rnd.written_due else "",
        "review_due": slack_time(rnd.review_due) if rnd.review_due else "",
        **panel_values(s.panel, s.observers, s.trainee, s.spec, s.reader, s.owner),
    }
    due = first_due(rnd, offsets[Kind.DUE])
    late = due is not None and s.now is not None and s.now - due > LATE_FIRST_REMINDER
    out["was_due"] = slack_time(due) if due is not None and late else ""  # loopbot was down
    if rnd.starts_at is not None:
        end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
        guide_at = rnd.starts_at + timedelta(minutes=offsets[Kind.GUIDE])
        heads_up_at = rnd.starts_at + timedelta(minutes=offsets[Kind.HEADS_UP])
        now = s.now or datetime.min.replace(tzinfo=UTC)  # no clock: before everything
        out.update(
            guide_now=guide_at <= now,
            # A round taken over once it has begun (or nearly): no guide or heads-up comes.
            started=rnd.starts_at <= now,
            heads_up_gone=heads_up_at <= now,
            due_now=due is not None and due <= now,
            when=slack_time(rnd.starts_at),
            candidate_time=zone_time(rnd.starts_at, s.loop.candidate_tz),
            ended=slack_time(end),
            # Sent as it ends (a `due` offset of 0): "has ended", not "(0 min ago)".
            ended_ago=how_late(end, s.now) if s.now and s.now - end >= timedelta(minutes=1) else "",
        )
    else:
        out.update(
            when=f"review by {out['review_due']}" if rnd.review_due else "",
            candidate_time=(
                f"submission due {zone_time(rnd.deadline, s.loop.candidate_tz)}"
                if rnd.deadline
                else ""
            ),
            ended=out["review_due"],
        )
    variant = _variant(s)
    if variant is not None:
        out["variant_round"] = variant.round(rnd.number)
    return out


def _cadence(where: Next | None) -> dict | None:
    """Which reminder this is, and when the next one and the escalation come (Slack tokens)."""
    if where is None:
        return None
    return {
        "number": where.number,
        "steps": where.steps,
        "next_at": slack_time(where.next_at) if where.next_at else "",
        "hear_at": slack_time(where.hear_at) if where.hear_at else "",
        "told_at": slack_time(where.told_at) if where.told_at else "",
    }


def _change(s: Situation) -> dict | None:
    """What a loop change did, with times as Slack date tokens and people as mentions."""
    c = s.change
    if not c:
        return None
    spec = next((r for r in s.template.rounds if r.number == c.get("round")), None)
    out = dict.fromkeys(("moved_to", "moved_from", "now_run_by", "was_run_by"), "")
    out["observes"] = c.get("seat") == "observer"
    out["round"] = f"{c.get('round')}. {spec.name if spec else ''}".strip()
    if "to" in c:
        out["moved_to"] = slack_time(datetime.fromisoformat(c["to"]))
        out["moved_from"] = slack_time(datetime.fromisoformat(c["from"])) if c.get("from") else ""
    if "to_user" in c:
        out["now_run_by"] = mention(c["to_user"])
        out["was_run_by"] = mention(c["from_user"]) if c.get("from_user") else ""
    return out


def _variant(s: Situation) -> Variant | None:
    return s.template.variant(s.loop.variant) if s.loop.variant else None


def _variant_name(s: Situation) -> str:
    variant = _variant(s)
    return variant.name if variant else ""


# The letter a message speaks to, so it can quote the loop document's RACI definition.
LETTER_BY_KIND = {Kind.GUIDE: "R", Kind.SUMMARY: "A", Kind.CALIBRATE: "C", Kind.STATUS: "I"}


def _your_part(s: Situation) -> tuple[str, str] | None:
    """The loop document's definition of the reader's RACI part, for the messages that quote
    it; none for a trainee, whose part the training note says (no RACI letter is theirs)."""
    if s.reader is not None and s.spec is not None and trains(s.reader, s.spec.number):
        return None
    letter = None if observing(s.reader, s.spec) else LETTER_BY_KIND.get(s.kind)
    if letter == "R" and s.reader is not None and s.spec is not None:
        # A guide opened by the round's hiring manager or interview lead speaks to their part.
        letter = part_in_round(s.reader, s.spec.number)
    meaning = s.template.raci_definitions.get(letter or "")
    return (letter, meaning) if letter and meaning else None


# Who reads a message, for the loop document's notes it carries (bot.documents.notes).
NOTES_READER = {
    Kind.SUMMARY: HIRING_MANAGER,
    Kind.CALIBRATE: INTERVIEW_LEAD,
    Kind.GUIDE: INTERVIEWER,
    Kind.ITINERARY: CANDIDATE,
}

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
    Kind.DECIDED: "decided",
    Kind.FINALIST: "finalist",
}


def compose(s: Situation, library: Library) -> list[Outgoing]:
    """One or more messages (long guides are split, never cut)."""
    if s.kind is Kind.GUIDE:
        return compose_guide(s, library)
    if s.kind is Kind.ITINERARY:
        return compose_itinerary(s, library)
    if s.kind is Kind.LATE_SCORECARDS:
        text, blocks = late_blocks(
            short_id=s.loop.short_id,
            candidate=s.loop.candidate_name,
            title=s.template.title,
            lines=s.late,
            now=s.now or s.loop.updated_at,
            # Opening the debrief "with the scorecards that are in" needs one to be in.
            debrief=bool(s.scorecards_in and s.reader and can(Action.OPEN_DEBRIEF, s.reader)),
        )
        return [Outgoing(text=text, blocks=blocks)]
    name = TEMPLATE_BY_KIND.get(s.kind, "status" if s.kind is Kind.CHANGED else "")
    if s.kind is Kind.CHANGED and s.owner is None:
        name = "status"
    # What its interviewers do beforehand (a dry run, choosing the task) needs the lead time.
    kind = _round_type(s, library, s.spec.number) if s.kind is Kind.ASSIGNED and s.spec else None
    common = _common(s)
    text = render(name, **common, before=kind.before_the_interview if kind else "")
    blocks = sections_for(text)
    if s.kind in (Kind.DUE, Kind.NUDGE) and s.spec is not None:
        number = s.spec.number
        missed = [cant_make_it_button(s.loop.short_id, number, missed=True)]
        trainee = s.reader is not None and trains(s.reader, number)
        blocks.append(actions(open_button(s.loop.short_id, number), *(missed if trainee else [])))
    if s.kind is Kind.ASSIGNED and s.spec and may(Action.DECLINE_ROUND, s.reader, s.spec):
        # Once it has begun, an interviewer's round is the recruiter's to swap (leaving.py).
        if not common.get("started") or (s.reader is not None and trains(s.reader, s.spec.number)):
            blocks.append(actions(cant_make_it_button(s.loop.short_id, s.spec.number)))
    if s.kind is Kind.HEADS_UP and s.spec is not None:
        blocks.append(actions(guide_button(s.loop.short_id, s.spec.number)))
    if s.kind in (Kind.SUMMARY, Kind.CALIBRATE):
        brief = briefing_for(library, s.loop, s.template)
        if brief.exists and s.reader and can(Action.READ_CANDIDATE_BRIEF, s.reader):
            blocks += [divider(), *sections_for(_candidate_brief(s, brief))]
    if len(blocks) > GUIDE_BLOCKS_PER_MESSAGE:
        return [
            Outgoing(text=text if i == 0 else f"{text[:100]} (continued)", blocks=part)
            for i, part in enumerate(_pack([blocks]))
        ]
    return [Outgoing(text=text, blocks=blocks)]


def _round_type(s: Situation, library: Library, number: int) -> RoundType | None:
    spec = next((r for r in s.template.rounds if r.number == number), None)
    return library.round_type_named(spec.round_type) if spec else None


def _candidate_brief(s: Situation, brief: Briefing, number: int | None = None) -> str:
    """The candidate's own documents: whole (with the executive briefing) for the hiring
    manager's and the lead's loop briefs, or the parts that brief round `number`."""
    guide = brief.guide if number is None or number in brief.guide_rounds else None
    context = brief.context if number is None or number in brief.context_rounds else None
    rnd, spec = s.rnd, s.spec
    return render(
        "candidate_brief",
        length=length_note(guide, f"{spec.number}. {spec.name}", rnd.duration_minutes)
        if rnd and spec and rnd.format != "async" and brief.guide_rounds == {number}
        else "",
        candidate=s.loop.candidate_name,
        guide=guide,
        context=context,
        executive=number is None,
        scope_note=scope_note(brief, s.template) if number is None else "",
    )


def compose_itinerary(s: Situation, library: Library) -> list[Outgoing]:
    """The recruiter's copy of the candidate's side: the schedule in the candidate's time
    zone, what to collect, and the preparation guides to forward."""
    variant = _variant(s)
    itinerary = [
        {
            "number": r.number,
            "name": r.name,
            "candidate_when": r.candidate_when or r.when,
            "length": r.length,
            "format": r.format,
            "place": r.place,
            "written_due": r.candidate_written_due,
            "description": (vr.description if variant and (vr := variant.round(r.number)) else ""),
            "prepare": (kind.how_to_prepare if (kind := _round_type(s, library, r.number)) else ""),
        }
        for r in s.rounds
        if not r.cancelled
    ]
    due = {r.number: r.candidate_written_due for r in s.rounds}  # a hybrid round's written part
    collect = [
        (f"{r.number}. {r.name}", r.artifacts, due.get(r.number))
        for r in s.template.rounds
        if r.artifacts
    ]
    brief = briefing_for(library, s.loop, s.template)
    preps = prep_guides_for(library, s.template, brief)
    text = render("itinerary", **_common(s), itinerary=itinerary, collect=collect, preps=preps)
    parts = [sections_for(text)]
    for prep, numbers in preps:
        names = [f"{n}. {s.template.round(n).name}" for n in numbers]
        body = render("prep_forward", guide=prep, rounds=names)
        parts.append([divider(), *sections_for(body)])
    fallback = f"Itinerary for {s.loop.candidate_name} (loop {s.loop.short_id})"
    return [
        Outgoing(text=fallback if i == 0 else f"{fallback} (continued)", blocks=blocks)
        for i, blocks in enumerate(_pack(parts))
    ]


def compose_guide(s: Situation, library: Library) -> list[Outgoing]:
    """The round guide: the round's own page of the loop document, the candidate's own guide
    and context when they brief this round, and what the candidate was asked to prepare."""
    assert s.spec is not None
    values = dict(_common(s), round_type=library.round_type_named(s.spec.round_type))
    parts: list[list[dict]] = [
        [header(f"Round guide: {s.spec.name}"), *sections_for(render("guide", **values))],
        sections_for(render("guide_questions", **values)),
        sections_for(render("guide_rubric", **values)),
    ]
    brief = briefing_for(library, s.loop, s.template)
    number = s.spec.number
    if s.reader and can(
        Action.READ_CANDIDATE_BRIEF, s.reader, round=number, briefed=number in brief.rounds
    ):
        parts.append([divider(), *sections_for(_candidate_brief(s, brief, number))])
    for prep, numbers in prep_guides_for(library, s.template, brief):
        if number in numbers:
            parts.append([divider(), *sections_for(render("guide_prep", guide=prep))])
    buttons = scorecard_button(s.reader, s.spec, s.loop.short_id)
    if s.reader and can(Action.DECLINE_ROUND, s.reader, round=number):
        buttons.append(cant_make_it_button(s.loop.short_id, number))
    parts.append(
        [
            *([actions(*buttons)] if buttons else []),
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
