"""The App Home tab: the person's interviews, scorecards owed, loops they are accountable for."""

from __future__ import annotations

from enum import StrEnum

from bot.render import render
from bot.slack.blocks import actions, button, context, divider, header, section, sections_for
from bot.slack.blocks.replacements import cant_make_it_button

HOME_BLOCK_LIMIT = 100


class HomeIds(StrEnum):
    OPEN_GUIDE = "home_open_guide"
    GUIDE = "home_guide"


def build_home(*, lists: dict, loop_titles: list[str], commands) -> dict:
    blocks: list[dict] = [header("Your interviews")]
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
        blocks.append(actions(cant_make_it_button(item["short_id"], item["number"])))
    blocks += [divider(), header("Scorecards you owe")]
    if not lists["owed"]:
        blocks.append(context("You're all caught up."))
    for item in lists["owed"]:
        blocks.append(section(render("home_owed", item=item)))
    blocks += [divider(), header("Loops you're accountable for")]
    if not lists["accountable"]:
        blocks.append(context("None right now."))
    for card in lists["accountable"]:
        blocks.append(section(render("home_loop", card=card)))
    blocks += [
        divider(),
        *sections_for(render("home_welcome", loop_titles=loop_titles, commands=commands)),
    ]
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


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
