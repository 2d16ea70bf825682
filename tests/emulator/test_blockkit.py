"""Block Kit limits as the emulator enforces them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import check_message, check_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str, text: str = "Go", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": value}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": plain("Loop"), "submit": plain("Save"), "blocks": blocks} | (
        extra
    )


def one(problems: list[str], needle: str) -> None:
    assert len(problems) == 1 and needle in problems[0], problems


def test_a_realistic_message_passes() -> None:
    blocks = [
        {"type": "header", "text": plain("Interview loop: Ada Lovelace")},
        section("*When:* Tue 14:00 UTC"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{n}*"} for n in range(10)]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Times in your zone"}]},
        {
            "type": "actions",
            "elements": [
                button("accept", "Accept"),
                button("decline", "Decline"),
                {
                    "type": "static_select",
                    "action_id": "slot",
                    "placeholder": plain("Pick a slot"),
                    "options": [option("Morning", "am"), option("Afternoon", "pm")],
                },
                {"type": "users_select", "action_id": "who"},
                {"type": "datepicker", "action_id": "day"},
            ],
        },
        {
            "type": "rich_text",
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}
            ],
        },
    ]
    assert check_message(blocks, "Interview loop: Ada Lovelace") == []


def test_block_count_limits() -> None:
    one(check_message([{"type": "divider"}] * 51), "maximum of 50")
    assert check_message([{"type": "divider"}] * 50) == []
    one(check_view({"type": "home", "blocks": [{"type": "divider"}] * 101}), "maximum of 100")
    assert check_view({"type": "home", "blocks": [{"type": "divider"}] * 100}) == []


def test_text_length_limits() -> None:
    one(check_message([section("x" * 3001)]), "blocks[0].text.text")
    assert check_message([section("x" * 3000)]) == []
    one(check_message([{"type": "header", "text": plain("x" * 151)}]), "maximum of 150")
    one(check_message(None, "x" * 40001), "text")
    fields = [{"type": "mrkdwn", "text": "x"}] * 11
    one(check_message([{"type": "section", "fields": fields}]), "11 fields")
    long_field = [{"type": "mrkdwn", "text": "x" * 2001}]
    one(check_message([{"type": "section", "fields": long_field}]), "fields[0]")


def test_header_must_be_plain_text() -> None:
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}
    one(check_message([header]), "plain_text")


def test_block_ids_are_unique_and_bounded() -> None:
    twice = [dict(section("a"), block_id="x"), dict(section("b"), block_id="x")]
    one(check_message(twice), "duplicate block_id")
    one(check_message([dict(section("a"), block_id="b" * 256)]), "block_id")


def test_action_ids_unique_within_a_block_only() -> None:
    same_block = {"type": "actions", "elements": [button("go"), button("go")]}
    one(check_message([same_block]), "duplicate action_id")
    separate = [{"type": "actions", "elements": [button("go")]}] * 2
    assert check_message(separate) == []
    one(check_message([{"type": "actions", "elements": [button("a" * 256)]}]), "action_id")


def test_button_and_option_limits() -> None:
    one(check_message([{"type": "actions", "elements": [button("b", "x" * 76)]}]), "maximum of 75")
    value = {"type": "actions", "elements": [button("b", value="v" * 2001)]}
    one(check_message([value]), "value")
    options = [option(f"o{n}", str(n)) for n in range(101)]
    select = {"type": "static_select", "action_id": "s", "options": options}
    one(check_message([{"type": "actions", "elements": [select]}]), "101 options")
    select["options"] = [option("x" * 76, "1")]
    one(check_message([{"type": "actions", "elements": [select]}]), "text.text")
    select["options"] = [option("ok", "v" * 151)]
    one(check_message([{"type": "actions", "elements": [select]}]), "value")


def test_actions_and_context_element_counts() -> None:
    many = {"type": "actions", "elements": [button(f"b{n}") for n in range(26)]}
    one(check_message([many]), "26 elements")
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}
    one(check_message([context]), "11 elements")


def test_unknown_blocks_and_elements() -> None:
    one(check_message([{"type": "carousel_of_dreams"}]), "unknown block type")
    one(check_message([{"text": "no type"}]), "'type'")
    wrong = {"type": "actions", "elements": [{"type": "plain_text_input", "action_id": "x"}]}
    one(check_message([wrong]), "not allowed here")
    assert check_message("not a list") == ["blocks: must be an array of blocks"]


def test_slack_sdk_validation_is_applied() -> None:
    image = {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a" * 2001}
    one(check_message([image]), "blocks[0]: alt_text")
    # The same block again, elsewhere (its verdict is remembered): named where it now stands.
    one(check_message([{"type": "divider"}, image]), "blocks[1]: alt_text")
    assert check_message([image | {"alt_text": "a chart"}]) == []


def input_block(label: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "input", "label": plain(label), "element": element} | extra


def test_a_realistic_modal_passes() -> None:
    view = modal(
        [
            input_block("Candidate name", {"type": "plain_text_input", "action_id": "v"}),
            input_block("Hiring Manager (HM)", {"type": "users_select", "action_id": "v"}),
            input_block("Panel", {"type": "multi_users_select", "action_id": "v"}, optional=True),
            input_block("Start", {"type": "datetimepicker", "action_id": "v"}),
            input_block(
                "Level",
                {"type": "static_select", "action_id": "v", "options": [option("L5", "l5")]},
            ),
        ],
        close=plain("Cancel"),
        callback_id="new_loop",
        private_metadata='{"loop": 1}',
    )
    assert check_view(view) == []


@pytest.mark.parametrize("key", ["title", "submit", "close"])
def test_modal_buttons_and_title_are_short(key: str) -> None:
    view = modal([section("x")]) | {key: plain("x" * 25)}
    one(check_view(view), f"view.{key}")


def test_modal_metadata_and_ids() -> None:
    one(check_view(modal([section("x")], private_metadata="m" * 3001)), "private_metadata")
    one(check_view(modal([section("x")], callback_id="c" * 256)), "callback_id")
    one(check_view({"type": "dialog", "blocks": []}), "view.type")


def test_modal_with_inputs_needs_submit() -> None:
    view = modal([input_block("Name", {"type": "plain_text_input", "action_id": "v"})])
    del view["submit"]
    one(check_view(view), "submit")


def test_input_limits() -> None:
    text_input = {"type": "plain_text_input", "action_id": "v", "max_length": 3001}
    one(check_view(modal([input_block("Notes", text_input)])), "max_length")
    placeholder = {"type": "plain_text_input", "action_id": "v", "placeholder": plain("p" * 151)}
    one(check_view(modal([input_block("Notes", placeholder)])), "placeholder")
    one(
        check_view(modal([input_block("L" * 2001, {"type": "plain_text_input"})])),
        "label",
    )
    hinted = input_block("Notes", {"type": "plain_text_input"}, hint=plain("h" * 2001))
    one(check_view(modal([hinted])), "hint")
