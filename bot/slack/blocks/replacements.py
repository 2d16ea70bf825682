"""Block Kit for "can't make it": the interviewer's modal, the ask, the recruiter's hand-over."""

from __future__ import annotations

from enum import StrEnum

from bot.render import render
from bot.slack.blocks import actions, button, input_block, plain, section, sections_for
from bot.slack.blocks.loops import LoopIds

REASON = "reason"
MAX_REASON = 500


class ReplacementIds(StrEnum):
    OPEN = "round_decline"
    SUBMIT = "round_decline_submit"
    ACCEPT = "replacement_accept"
    DECLINE = "replacement_decline"


def cant_make_it_button(short_id: str, number: int, *, missed: bool = False) -> dict:
    """ "Can't make it"; on a trainee's reminder after the round, "I missed it" (same modal)."""
    label = "I missed it" if missed else "Can't make it"
    return button(label, ReplacementIds.OPEN, f"{short_id}:{number}")


def build_modal_decline(
    *,
    short_id: str,
    number: int,
    round_name: str,
    when: str,
    part: str | None = None,
    interviewers: str = "",
    lead: str = "",
    begun: bool = False,
) -> dict:
    """The interviewer's reason, before loopbot looks for someone; a trainee's (`part`), before
    they leave the round to `interviewers`, `lead` leading."""
    intro = render(
        "replacement_modal",
        round=f"{number}. {round_name}",
        when=when,
        part=part,
        interviewers=interviewers,
        lead=lead,
        begun=begun,
    )
    hint = (
        "The recruiter reads this; the interviewers do not."
        if part
        else "The recruiter and the hiring manager read this; the person asked does not."
    )
    return {
        "type": "modal",
        "callback_id": ReplacementIds.SUBMIT,
        "title": plain("Can't make it", 24),
        "submit": plain("Take me off" if part else "Find a replacement", 24),
        "close": plain("Cancel", 24),
        "private_metadata": f"{short_id}:{number}",
        "blocks": [
            section(intro),
            input_block(
                REASON,
                "Why not?",
                {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": MAX_REASON,
                },
                hint=hint,
            ),
        ],
    }


def ask_blocks(text: str, ask_id: int) -> list[dict]:
    return [
        *sections_for(text),
        actions(
            button("Accept", ReplacementIds.ACCEPT, str(ask_id), style="primary"),
            button("Decline", ReplacementIds.DECLINE, str(ask_id)),
        ),
    ]


def handover_blocks(text: str, short_id: str, *, movable: bool) -> list[dict]:
    """The recruiter's hand-over: swap the interviewer, or move the round (`movable`: one with a
    meeting; an asynchronous round has none to move)."""
    buttons = [button("Swap interviewer", LoopIds.CARD_SWAP, short_id, style="primary")]
    if movable:
        buttons.append(button("Reschedule", LoopIds.CARD_RESCHEDULE, short_id))
    return [*sections_for(text), actions(*buttons)]
