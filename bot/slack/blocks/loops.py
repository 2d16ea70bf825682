"""Block Kit for loops: the two-step create modal, the loop card, list and show."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum

from bot.documents import Library
from bot.documents.models import LoopTemplate
from bot.loops.validate import role_label
from bot.render import render
from bot.slack.blocks import (
    INPUT_ACTION,
    actions,
    button,
    header,
    input_block,
    option,
    plain,
    section,
    sections_for,
)
from bot.slack.blocks.scorecards import ScorecardIds
from bot.slack.blocks.zones import zone_select
from bot.slack.format import slack_time, zone_time

VALUE = INPUT_ACTION
ON_SITE = "on-site"


class LoopIds(StrEnum):
    CREATE_STEP1 = "loop_create_step1"
    CREATE_STEP2 = "loop_create_step2"
    CREATE_DONE = "loop_create_done"
    PICK_TEMPLATE = "loop_pick_template"
    CARD_RESCHEDULE = "loop_card_reschedule"
    CARD_SWAP = "loop_card_swap"
    CARD_CANCEL = "loop_card_cancel"
    CARD_DEBRIEF = "loop_card_debrief"
    CARD_RECEIVED = "loop_card_received"
    RESCHEDULE = "loop_reschedule"
    SWAP = "loop_swap"


class Field(StrEnum):
    CANDIDATE_NAME = "candidate_name"
    CANDIDATE_KEY = "candidate_key"
    TEMPLATE = "template"
    VARIANT = "variant"
    BRIEFED_ROUND = "briefed_round"
    CANDIDATE_TZ = "candidate_tz"
    CANDIDATE_HOURS = "candidate_hours"
    FIRST_DAY = "first_day"
    ROUND = "round"
    WHEN = "when"
    PERSON = "person"
    REPLACED = "replaced"


def role_field(code: str) -> str:
    return f"role:{code}"


def round_time_field(number: int) -> str:
    return f"round:{number}:time"


def round_owner_field(number: int) -> str:
    return f"round:{number}:owner"


def round_place_field(number: int) -> str:
    return f"round:{number}:place"


def round_deadline_field(number: int) -> str:
    return f"round:{number}:deadline"


def round_written_field(number: int) -> str:
    return f"round:{number}:written"


def _textinput_block(
    initial: str | None = None, *, max_length: int = 100, placeholder: str | None = None
) -> dict:
    element: dict = {"type": "plain_text_input", "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict],
    *,
    submit: str | None,
    close: str = "Cancel",
    metadata: str = "",
) -> dict:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks,
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def build_modal_loop_step1(
    *,
    library: Library,
    template: LoopTemplate,
    tz: str,
    first_day: date,
    hours: str,
    values: dict[str, object] | None = None,
) -> dict:
    """Step 1 of `/loop create`: candidate, document, time zone, day, and people per role;
    `hours` is the default working day a candidate is given."""
    values = values or {}
    templates = sorted(library.loops.values(), key=lambda t: t.title)
    template_options = [option(t.title, t.id) for t in templates][:100]
    chosen = next(o for o in template_options if o["value"] == template.id)
    keys = sorted(
        {g.candidate_key for g in library.guides.values()}
        | {c.candidate_key for c in library.contexts.values()}
    )
    blocks = [
        input_block(
            Field.CANDIDATE_NAME,
            "Candidate name",
            _textinput_block(str(values.get(Field.CANDIDATE_NAME) or "")),
        ),
        input_block(
            Field.CANDIDATE_KEY,
            "Candidate key",
            _textinput_block(str(values.get(Field.CANDIDATE_KEY) or ""), max_length=150),
            optional=True,
            hint=(
                "Links the candidate's own guide and context documents"
                + (f", e.g. {keys[0]}" if keys else "")
                + "."
            ),
        ),
        input_block(
            Field.TEMPLATE,
            "Loop document",
            {
                "type": "static_select",
                "action_id": LoopIds.PICK_TEMPLATE,
                "options": template_options,
                "initial_option": chosen,
            },
            dispatch=True,
        ),
    ]
    if template.variants:
        variant_options = [option(template.default_variant, ON_SITE)] + [
            option(v.name, v.id) for v in template.variants
        ]
        blocks.append(
            input_block(
                Field.VARIANT,
                "Variant",
                {
                    "type": "static_select",
                    "options": variant_options,
                    "initial_option": variant_options[0],
                },
            )
        )
    blocks.append(
        input_block(
            Field.BRIEFED_ROUND,
            "Round the candidate's guide briefs",
            {
                "type": "static_select",
                "options": [
                    option(f"{r.number}. {r.name}", str(r.number)) for r in template.rounds
                ][:100],
            },
            optional=True,
            hint=(
                "For a candidate guide or context that doesn't name its round. Left empty, "
                "only the hiring manager and interview lead read them."
            ),
        )
    )
    blocks += [
        input_block(
            Field.CANDIDATE_TZ,
            "Candidate's time zone",
            zone_select(tz, first_day),
            hint=(
                "Interviews are proposed inside the candidate's working day (below) and each "
                "interviewer's own."
            ),
        ),
        input_block(
            Field.CANDIDATE_HOURS,
            "Candidate's working hours",
            _textinput_block(
                str(values.get(Field.CANDIDATE_HOURS) or ""), max_length=40, placeholder=hours
            ),
            optional=True,
            hint=f"When they can interview, in their time zone. Left empty: {hours}.",
        ),
        input_block(
            Field.FIRST_DAY,
            "First interview day",
            {"type": "datepicker", "initial_date": first_day.isoformat()},
        ),
    ]
    for role in template.roles:
        label = role_label(role) + (" pool" if role.pool else "")
        element = (
            {"type": "multi_users_select", "max_selected_items": 20}
            if role.pool
            else {"type": "users_select"}
        )
        hint = role.description[:1].upper() + role.description[1:] if role.description else None
        blocks.append(
            input_block(role_field(role.code), label, element, optional=role.optional, hint=hint)
        )
    return modal(
        LoopIds.CREATE_STEP1,
        "New interview loop",
        blocks,
        submit="Next",
        metadata=json.dumps({"template": template.id}),
    )


def build_modal_loop_created(*, short_id: str, told_if_finalist: list[str]) -> dict:
    """`told_if_finalist`: the roles (with someone in them) that hear of the loop only once the
    candidate is marked a finalist."""
    text = render("loop_created", short_id=short_id, told_if_finalist=told_if_finalist)
    return modal(LoopIds.CREATE_DONE, "Loop created", [section(text)], submit=None, close="Done")


def build_message_loop_card(*, card: dict) -> dict:
    """The loop card in the debrief channel: rounds, times, people. Never any feedback."""
    text = render("loop_card", **card)
    blocks = [header(f"Interview loop: {card['candidate']}"), *sections_for(text)]
    if card["status"] != "cancelled":
        value = card["short_id"]
        for r in card["rounds"]:
            if r.get("waiting"):
                blocks.append(
                    actions(
                        button(
                            f"Submission received: {r['number']}. {r['name']}"[:75],
                            LoopIds.CARD_RECEIVED,
                            f"{value}:{r['number']}",
                        )
                    )
                )
        buttons = [button("Scorecards", ScorecardIds.READ, value)]
        if card["changes"]:  # what the loop's status allows (bot.loops.status)
            buttons += [
                button("Reschedule a round", LoopIds.CARD_RESCHEDULE, value),
                button("Swap an interviewer", LoopIds.CARD_SWAP, value),
            ]
        if card["cancels"]:
            buttons.append(
                button(
                    "Cancel loop",
                    LoopIds.CARD_CANCEL,
                    value,
                    style="danger",
                    confirm={
                        "title": plain("Cancel this loop?", 100),
                        "text": plain("Everyone assigned is told and pending reminders stop.", 300),
                        "confirm": plain("Cancel loop", 30),
                        "deny": plain("Keep it", 30),
                    },
                )
            )
        blocks.append(actions(*buttons))
    return {"text": f"Interview loop {card['short_id']} for {card['candidate']}", "blocks": blocks}


def build_modal_reschedule(
    *, short_id: str, rounds: list[tuple[int, str]], initial: datetime | None
) -> dict:
    options = [option(f"{n}. {name}", str(n)) for n, name in rounds][:100]
    picker: dict = {"type": "datetimepicker"}
    if initial:
        picker["initial_date_time"] = int(initial.timestamp())
    blocks = [
        input_block(Field.ROUND, "Round", {"type": "static_select", "options": options}),
        input_block(Field.WHEN, "New start", picker),
    ]
    return modal(
        LoopIds.RESCHEDULE, "Reschedule a round", blocks, submit="Reschedule", metadata=short_id
    )


def build_modal_swap(*, short_id: str, rounds: list[tuple[int, str]]) -> dict:
    options = [option(f"{n}. {name}", str(n)) for n, name in rounds][:100]
    blocks = [
        input_block(Field.ROUND, "Round", {"type": "static_select", "options": options}),
        input_block(Field.PERSON, "New interviewer or observer", {"type": "users_select"}),
        input_block(
            Field.REPLACED,
            "Replacing (an interviewer or observer; the lead when empty)",
            {"type": "users_select"},
            optional=True,
        ),
    ]
    return modal(LoopIds.SWAP, "Swap an interviewer", blocks, submit="Swap", metadata=short_id)


def build_message_loop_list(*, rows: list[dict]) -> dict:
    text = render("loop_list", rows=rows)
    return {"response_type": "ephemeral", "text": text, "blocks": sections_for(text)[:50]}


def build_message_loop_show(*, card: dict) -> dict:
    text = render("loop_card", **card)
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [header(f"Loop {card['short_id']}: {card['candidate']}"), *sections_for(text)][
            :50
        ],
    }


def when_text(when: datetime | None, tz: str) -> str:
    if when is None:
        return "unscheduled"
    return f"{slack_time(when)} ({zone_time(when, tz)} for the candidate)"
