"""`loopbot demo`, continued: the loop's rounds, its card, an asynchronous round's submission."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.loops.queries import find_loop, rounds_of
from bot.loops.status import round_statuses
from bot.reminders.plan import Kind
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Reminder, ReminderState


def submission_received(sb: Sandbox, n: Any, short_id: str, recruiter: str, when: datetime) -> None:
    """The Async Build has a deadline, not a slot; the candidate's submission comes in and the
    recruiter marks it received on the card, which starts the reviewer's window."""
    with sb.db.session() as session:
        rnd = next(r for r in rounds_of(session, find_loop(session, short_id)) if r.number == 1)
    if rnd.deadline is None:
        return
    n.clock("the candidate sends the Async Build submission, well before its deadline", when)
    # The copy of the card in the recruiter's DMs, with its button (a card refresh may be on
    # its way: wait for it rather than read a copy mid-update).
    wait_until(lambda: _received_button(sb, short_id, recruiter))
    card, button = _received_button(sb, short_id, recruiter) or (None, None)
    if card is None:
        raise RuntimeError(f"the recruiter's copy of loop {short_id}'s card never came")
    n.step(recruiter, f"presses {button['text']['text']!r} on his copy of the card")
    before = len(sb.emulator.all_responses())
    sb.slack.click(recruiter, button["action_id"], button["value"], message=card)
    wait_until(lambda: len(sb.emulator.all_responses()) > before)
    responses = sb.emulator.all_responses()[before:]
    if responses:
        n.reply(responses[-1], recruiter)
    n.deliveries(sb.dispatch(), brief=True)


def receipt_arrived(sb: Sandbox, owner: str, number: int) -> bool:
    """Whether the scorecard's receipt is in the interviewer's DM, the dispatcher following
    Slack's pacing meanwhile (a receipt right behind a reminder on one DM waits its slot)."""
    sb.dispatch()
    return any(f"Your scorecard for {number}." in (m.text or "") for m in sb.emulator.dms_to(owner))


def next_escalation(sb: Sandbox, short_id: str, after: datetime) -> datetime:
    """When the next late scorecard of the loop reaches its escalation day (its interviewer's
    second working day): the hiring manager and the recruiter hear of every late one then."""
    with sb.db.read() as session:
        loop = find_loop(session, short_id)
        due = session.exec(
            select(func.min(Reminder.due_at)).where(
                Reminder.loop_id == loop.id,
                Reminder.kind == Kind.ESCALATION,
                Reminder.state == ReminderState.PENDING,
                Reminder.due_at > after,
            )
        ).one()
    assert due is not None, "no escalation to come"
    return due


def late_message_sent(sb: Sandbox, short_id: str, user_id: str) -> datetime | None:
    """When the person's latest late-scorecards message for the loop went out."""
    with sb.db.read() as session:
        loop = find_loop(session, short_id)
        return session.exec(
            select(func.max(Reminder.due_at))
            .join(Assignment, col(Assignment.id) == Reminder.assignment_id)
            .where(
                Reminder.loop_id == loop.id,
                Reminder.kind == Kind.LATE_SCORECARDS,
                Reminder.state == ReminderState.SENT,
                Assignment.user_id == user_id,
            )
        ).one()


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def _received_button(sb: Sandbox, short_id: str, recruiter: str) -> tuple[Any, dict] | None:
    """(the recruiter's DM copy of the card, its *Submission received* button)."""
    for m in reversed(sb.emulator.dms_to(recruiter)):
        blocks = json.loads(json.dumps(m.blocks or []))
        if f"loop `{short_id}`" not in json.dumps(blocks):
            continue
        for b in blocks:
            for e in b.get("elements", []) if b["type"] == "actions" else []:
                if e["action_id"] == "loop_card_received":
                    return m, e
    return None


def _card(sb: Sandbox, short_id: str):  # noqa: ANN201
    for channel in sb.emulator.channels():
        if channel.is_im:
            continue
        for message in sb.emulator.messages_in(channel.id):
            if f"loop `{short_id}`" in json.dumps(message.blocks or []):
                return channel, message
    return None


def _first_round_start(sb: Sandbox, short_id: str) -> datetime:
    with sb.db.session() as session:
        loop = find_loop(session, short_id)
        return min(r.starts_at for r in rounds_of(session, loop) if r.starts_at)


def _owner_of_round(sb: Sandbox, short_id: str, number: int) -> str:
    with sb.db.session() as session:
        loop = find_loop(session, short_id)
        statuses = round_statuses(session, loop)
    return next(s.responsible[0] for s in statuses if s.round.number == number)
