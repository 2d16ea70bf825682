"""The App Home tab: the person's interviews, scorecards owed, the loops they decide or lead."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from bot.render import render
from bot.slack.blocks import (
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    option,
    plain,
    section,
    sections_for,
)
from bot.slack.blocks.feedback import home_late_blocks
from bot.slack.blocks.replacements import cant_make_it_button
from bot.slack.blocks.scorecards import open_button

HOME_BLOCK_LIMIT = 100
TRAINEES_SHOWN = 20
"""Trainees listed with their *Take off* (a block each); the rest are counted, so the Home
stays inside Slack's 100 blocks."""


class HomeIds(StrEnum):
    OPEN_GUIDE = "home_open_guide"
    GUIDE = "home_guide"
    EDIT_HOURS = "home_edit_hours"
    HOURS = "home_hours"
    TRAINEE_OFF = "home_trainee_off"


class HoursField(StrEnum):
    DAYS = "hours_days"
    START = "hours_start"
    END = "hours_end"


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def build_home(*, lists: dict, loop_titles: list[str], commands, hours: dict) -> dict:
    blocks: list[dict] = [
        section(
            render("home_hours", **hours),
            accessory=button("Change my hours", HomeIds.EDIT_HOURS, "hours"),
        ),
        header("Your interviews"),
    ]
    if not lists["upcoming"]:
        blocks.append(context("No interviews coming up."))
    for item in lists["upcoming"]:
        blocks.append(
            section(
                render("home_interview", item=item),
                accessory=button(
                    "Open guide", HomeIds.OPEN_GUIDE, f"{item['short_id']}:{item['number']}"
                ),
            )
        )
        if item.get("decline", True):  # its interviewer or trainee (DECLINE_ROUND)
            blocks.append(actions(cant_make_it_button(item["short_id"], item["number"])))
    blocks += [divider(), header("Scorecards you owe")]
    if not lists["owed"]:
        blocks.append(context("You're all caught up."))
    for item in lists["owed"]:
        blocks.append(
            section(
                render("home_owed", item=item),
                accessory=open_button(item["short_id"], item["number"]),
            )
        )
    if lists.get("late"):
        blocks += [divider(), header("Late scorecards in your loops")]
        blocks += home_late_blocks(lists["late"], lists["now"])
    blocks += [divider(), header("Loops you decide or lead")]
    if not lists["accountable"]:
        blocks.append(context("None right now."))
    for card in lists["accountable"]:
        blocks.append(section(render("home_loop", card=card), accessory=_guides(card)))
    if lists.get("following"):
        blocks += [divider(), header("Loops you follow")]
        blocks += [section(render("home_loop", card=card)) for card in lists["following"]]
    training = lists.get("training") or {}
    if training.get("mine") or training.get("recruiting"):
        blocks += [divider(), header("Training")]
        blocks += sections_for(render("home_training", **training))
        recruiting = training.get("recruiting") or []
        blocks += [_trainee(*line) for line in recruiting[:TRAINEES_SHOWN]]
        if len(recruiting) > TRAINEES_SHOWN:
            blocks.append(context(render("home_trainee", more=len(recruiting) - TRAINEES_SHOWN)))
    blocks += [
        divider(),
        *sections_for(render("home_welcome", loop_titles=loop_titles, commands=commands)),
    ]
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def _guides(card: dict) -> dict | None:
    """A menu of the loop's rounds: picking one opens its guide (as *Open guide* does)."""
    rounds = [
        option(f"{r['number']}. {r['name']}"[:75], f"{card['short_id']}:{r['number']}")
        for r in card["rounds"]
        if not r["cancelled"] and r["number"] in card["guides"]  # the guides they may read
    ]
    if not rounds:
        return None
    return {
        "type": "static_select",
        "action_id": HomeIds.OPEN_GUIDE,
        "placeholder": plain("Open a round guide", 150),
        "options": rounds,
    }


def _trainee(progress, short_id: str, number: int, part: str, practised: bool) -> dict:
    """A trainee on a loop the reader recruits for, with *Take off* (after a confirmation) until
    their practice scorecard for the round is in."""
    said = {"p": progress, "short_id": short_id, "number": number, "part": part}
    if practised:
        return section(render("home_trainee", confirm=False, more=0, **said))
    off = button(
        "Take off",
        HomeIds.TRAINEE_OFF,
        f"{short_id}:{number}:{progress.user_id}",
        confirm={
            "title": plain("Take them off the round?", 100),
            "text": plain(render("home_trainee", confirm=True, more=0, **said), 300),
            "confirm": plain("Take off", 30),
            "deny": plain("Keep them", 30),
        },
    )
    return section(render("home_trainee", confirm=False, more=0, **said), accessory=off)


def build_modal_guide(*, title: str, blocks: list[dict]) -> dict:
    """A round guide in a modal (from the Home tab)."""
    body = [b for b in blocks if b.get("type") != "header"][:HOME_BLOCK_LIMIT]
    return {
        "type": "modal",
        "callback_id": HomeIds.GUIDE,
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": body,
    }


def build_modal_hours(*, days: frozenset[int], start: time, end: time, tz: str) -> dict:
    """The days and hours a person interviews, in their own zone (from their Slack profile)."""
    options = [option(name, str(n)) for n, name in enumerate(DAYS)]
    picked = [o for o in options if int(o["value"]) in days]
    checkboxes: dict = {"type": "checkboxes", "options": options}
    if picked:
        checkboxes["initial_options"] = picked
    blocks = [
        section(render("home_hours_intro", tz=tz)),
        input_block(HoursField.DAYS, "Days you interview", checkboxes),
        input_block(
            HoursField.START,
            "From",
            {"type": "timepicker", "initial_time": f"{start:%H:%M}"},
        ),
        input_block(
            HoursField.END,
            "Until",
            {"type": "timepicker", "initial_time": f"{end:%H:%M}"},
        ),
    ]
    return {
        "type": "modal",
        "callback_id": HomeIds.HOURS,
        "title": plain("Your interview hours", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def guide_button(short_id: str, number: int) -> dict:
    """The heads-up's button: the round guide again, in a modal (as from App Home)."""
    return button("Open the round guide", HomeIds.OPEN_GUIDE, f"{short_id}:{number}")
