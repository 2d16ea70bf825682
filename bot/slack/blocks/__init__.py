"""Pure Block Kit builders. Text comes from templates; these functions only shape blocks."""

from __future__ import annotations

from bot.render import render

SECTION_TEXT_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50


def section(text: str, *, accessory: dict | None = None, block_id: str | None = None) -> dict:
    block: dict = {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_LIMIT]}}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> dict:
    return {"type": "divider"}


def plain(text: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


INPUT_ACTION = "value"  # every input's action id; its block id names the field


def input_block(
    block_id: str,
    label: str,
    element: dict,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict:
    """An input block; the element keeps its own action id or gets INPUT_ACTION."""
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {**element, "action_id": element.get("action_id", INPUT_ACTION)},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def option(text: str, value: str, description: str | None = None) -> dict:
    """A select or radio option (text ≤ 75, value ≤ 150, description ≤ 75)."""
    out = {"text": plain(text), "value": value[:150]}
    if description:
        out["description"] = plain(description, 75)
    return out


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm: dict | None = None
) -> dict:
    element: dict = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block: dict = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def sections_for(text: str) -> list[dict]:
    """Long text as several sections, split at paragraph or line ends, never mid-word."""
    blocks = []
    for chunk in split_text(text, SECTION_TEXT_LIMIT):
        blocks.append(section(chunk))
    return blocks


def split_text(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        while len(paragraph) > limit:
            cut = paragraph.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            chunks.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current.strip():
        chunks.append(current)
    return chunks


def build_message_help(commands, *, problem: str | None = None) -> dict:
    """The `/loop help` answer: every command loopbot understands, with its usage."""
    text = render("help", commands=commands, problem=problem)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def build_home_welcome(*, loop_titles: list[str], commands) -> dict:
    """The App Home tab for someone with nothing on their plate yet."""
    text = render("home_welcome", loop_titles=loop_titles, commands=commands)
    return {"type": "home", "blocks": [header("loopbot"), section(text)]}


def build_message_document(document: str) -> dict:
    """A Markdown document, verbatim, as a private reply: code blocks within Slack's limits."""
    chunks = split_text(document, SECTION_TEXT_LIMIT - 8)
    blocks = [section(f"```{chunk}```") for chunk in chunks][:MESSAGE_BLOCK_LIMIT]
    return {"response_type": "ephemeral", "text": document[:3000], "blocks": blocks}
