"""A person's actions in Slack, in the words of the e2e stories."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text
from bot.sandbox import Sandbox

HM, REC, IL, XS = "maya.hm", "oliver.rec", "lena.lead", "robert.exec"
PANEL = ["diego.la", "grace.chi", "joao.lis", "ananya.blr"]
# Monday 23 Nov 2026, 08:00 UTC: the bot's clock for the stories.
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def wait_for(predicate, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    return predicate()


def uid(sb: Sandbox, handle: str) -> str:
    return sb.emulator.workspace.user(handle).id


def top_view(sb: Sandbox, handle: str) -> dict:
    views = sb.emulator.open_views(uid(sb, handle))
    assert views, f"{handle} has no modal open"
    return views[-1]


def step_one_answers(sb: Sandbox, **changes) -> dict:
    answers = {
        "Candidate name": "Juyoung Park",
        "Candidate key": "phoenix_005_juyoung_park",
        "Candidate's time zone": "Asia/Seoul",
        "First interview day": "2026-11-24",
        "Hiring Manager (HM)": uid(sb, HM),
        "Recruiter or coordinator (REC)": uid(sb, REC),
        "Interview Lead or bar raiser (IL)": uid(sb, IL),
        "Panel Interviewer (PI) pool": [uid(sb, p) for p in PANEL],
        "Executive Sponsor (XS)": uid(sb, XS),
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def open_create(sb: Sandbox, who: str = REC) -> dict:
    reply = sb.slack.command(who, "/loop", "create")
    assert reply.status == 200
    return wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))


def submit(sb: Sandbox, who: str, answers: dict):
    view = top_view(sb, who)
    return sb.slack.submit(who, view, ModalForm(view, sb.emulator.workspace).fill(answers))


def create_loop(sb: Sandbox, who: str = REC, step2: dict | None = None, **changes) -> str:
    """The whole `/loop create` flow; returns the new loop's short id."""
    open_create(sb, who)
    first = submit(sb, who, step_one_answers(sb, **changes))
    assert first.json and first.json.get("response_action") == "update", first.body_text
    second = submit(sb, who, step2 or {})
    assert second.json and second.json.get("response_action") == "update", second.body_text
    text = json.dumps(second.json["view"]["blocks"])
    short_id = text.split("Loop `", 1)[1].split("`", 1)[0]
    sb.slack.close(who, top_view(sb, who))
    sb.emulator.close_view(uid(sb, who))
    found = wait_for(lambda: card_in_channel(sb, short_id))
    if found and uid(sb, who) not in found[0].members:
        wait_for(lambda: card_in_dm(sb, who, short_id))  # the creator's own copy comes after
    return short_id


def card_in_channel(sb: Sandbox, short_id: str):
    """(the loop's channel, its card); DM copies of the card are not looked at."""
    for channel in sb.emulator.channels():
        if channel.is_im:
            continue
        for message in sb.emulator.messages_in(channel.id):
            if f"loop `{short_id}`" in json.dumps(message.blocks or []):
                return channel, message
    return None


def members_of_loop_channel(sb: Sandbox, short_id: str) -> set[str]:
    """The handles of everyone in the loop's channel (the bot aside)."""
    channel, _ = card_in_channel(sb, short_id)
    by_id = {u.id: handle for handle, u in _users(sb).items()}
    return {by_id[m] for m in sb.emulator.workspace.channels[channel.id].members if m in by_id}


def _users(sb: Sandbox) -> dict:
    return {u.name: u for u in sb.emulator.workspace.users.values()}


def dm_texts(sb: Sandbox, handle: str) -> list[str]:
    return [
        "\n".join(blocks_as_text(m.blocks or [])) or m.text
        for m in sb.emulator.dms_to(uid(sb, handle))
    ]


def said(sb: Sandbox, who: str, text: str) -> str:
    """What a person sees after typing `/loop text`: the command's own answer, or the private
    reply that follows it through the response URL."""
    before = len(sb.emulator.all_responses())
    reply = sb.slack.command(who, "/loop", text)
    assert reply.status == 200, reply.body_text
    if reply.json and reply.json.get("text"):
        return reply.json["text"]
    fresh = wait_for(lambda: sb.emulator.all_responses()[before:])
    assert fresh, f"no answer to /loop {text}"
    return "\n".join(
        json.dumps(r, ensure_ascii=False) if r.get("blocks") else r.get("text", "") for r in fresh
    )


def card_in_dm(sb: Sandbox, handle: str, short_id: str):
    """The copy of the loop card in a person's DMs (the recruiter's, the creator's)."""
    for message in reversed(sb.emulator.dms_to(uid(sb, handle))):
        blocks = json.dumps(message.blocks or [])
        if f"loop `{short_id}`" in blocks and "loop_card_" in blocks and "feedback_" not in blocks:
            return message
    return None


def reschedule_by_modal(sb: Sandbox, who: str, short_id: str, number: int, when: datetime):
    """`who` presses Reschedule on their copy of the card, picks the round and the new start."""
    card = wait_for(lambda: card_in_dm(sb, who, short_id))
    sb.slack.click(who, "loop_card_reschedule", short_id, message=card)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    values = ModalForm(modal, sb.emulator.workspace).fill({"Round": str(number), "New start": when})
    return sb.slack.submit(who, modal, values)


def mark_submissions_received(sb: Sandbox, who: str = REC) -> int:
    """`who` presses *Submission received* on every asynchronous round their card copies
    offer; returns how many."""
    pressed = 0
    for message in list(sb.emulator.dms_to(uid(sb, who))):
        for block in message.blocks or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == "loop_card_received":
                    before = len(sb.emulator.all_responses())
                    sb.slack.click(who, element["action_id"], element["value"], message=message)
                    wait_for(lambda b=before: len(sb.emulator.all_responses()) > b)
                    pressed += 1
    return pressed


def impatient_dispatcher(sb: Sandbox):
    """A dispatcher on the sandbox's database whose Slack calls give up after 1 s, unretried:
    a Slack that stalls (`fail_next(..., delay=…)`) is a timeout to it."""
    from bot.reminders.dispatcher import Dispatcher
    from bot.slack.client import make_client
    from bot.slack.messenger import Messenger

    client = make_client(sb.emulator.bot_token, sb.emulator.api_url, retries=0, timeout=1)
    return Dispatcher(
        db=sb.db, messenger=Messenger(client), library=sb.runtime.library, worker="slow"
    )
