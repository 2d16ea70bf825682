"""Step 2's fields for one round: a live round's start and place, an asynchronous round's
submission deadline."""

from __future__ import annotations

from bot.loops.requests import ProposedRound
from bot.slack.blocks import button, input_block, plain, section
from bot.slack.blocks.home import HomeIds
from bot.slack.format import minutes, zone_time


def round_time_field(number: int) -> str:
    return f"round:{number}:time"


def round_owner_field(number: int) -> str:
    return f"round:{number}:owner"


def round_place_field(number: int) -> str:
    return f"round:{number}:place"


def round_deadline_field(number: int) -> str:
    return f"round:{number}:deadline"


def _text(initial: str | None, *, max_length: int, placeholder: str) -> dict:
    element: dict = {"type": "plain_text_input", "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    element["placeholder"] = plain(placeholder, 150)
    return element


def round_when_where(proposed: ProposedRound, name: str, candidate_tz: str) -> list[dict]:
    """A live round's start and place; an asynchronous round's submission deadline, no slot."""
    number = proposed.number
    if proposed.starts_at is None:
        deadline = proposed.deadline
        picker: dict = {"type": "datetimepicker"}
        if deadline is not None:
            picker["initial_date_time"] = int(deadline.timestamp())
        due = f"due {zone_time(deadline, candidate_tz)} for the candidate" if deadline else ""
        return [
            section(
                f"*{number}. {name}* · asynchronous (a submission, no meeting) · {due}".rstrip(" ·")
            ),
            input_block(round_deadline_field(number), "Submission deadline", picker),
        ]
    return [
        section(
            f"*{number}. {name}* · {minutes(proposed.minutes)} · "
            f"{proposed.format} · {zone_time(proposed.starts_at, candidate_tz)} "
            "for the candidate"
        ),
        input_block(
            round_time_field(number),
            "Starts at",
            {"type": "datetimepicker", "initial_date_time": int(proposed.starts_at.timestamp())},
        ),
        input_block(
            round_place_field(number),
            "Place (a room or a meeting link)",
            _text(proposed.place, max_length=500, placeholder="Room 4.1 or https://…"),
            optional=True,
        ),
    ]


def guide_button(short_id: str, number: int) -> dict:
    """The heads-up's button: the round guide again, in a modal (as from App Home)."""
    return button("Open the round guide", HomeIds.OPEN_GUIDE, f"{short_id}:{number}")
