"""Posting the debrief summary to the loop's channel, and keeping it current."""

from __future__ import annotations

from sqlmodel import select

from bot.debrief.service import Outcome, claim_debrief, decision_of, gather
from bot.loops.queries import assignments_of
from bot.loops.views import loop_card
from bot.outbox import Message
from bot.runtime import Runtime
from bot.slack.blocks.debrief import build_messages_debrief
from bot.slack.format import slack_time
from bot.store.models import Loop, OutboxMessage, OutboxState, SlackMessage

SUMMARY = "debrief"
THREAD = "debrief_thread"


def debrief_if_all_in(*, runtime: Runtime, loop_id: int) -> bool:
    """After a submission: open the debrief and post its summary, once, when all are in."""
    with runtime.db.session() as session:
        loop = session.get(Loop, loop_id)
        claimed = loop is not None and claim_debrief(session, loop, runtime.clock())
    if claimed:
        post_summary(runtime=runtime, loop_id=loop_id)
    return claimed


def _messages(runtime: Runtime, loop_id: int) -> tuple[str, list[dict], SlackMessage | None]:
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None and loop.channel_id
        _, summary = gather(session, loop)
        card = loop_card(session, loop)
        people = assignments_of(session, loop)
        mentions = " ".join(
            f"<@{u}>" for u in dict.fromkeys(a.user_id for a in people if a.letter in ("A", "C"))
        )
        decision = decision_of(session, loop)
        shown = (
            None
            if decision is None
            else {
                "label": Outcome(decision.outcome).label,
                "by": decision.decided_by,
                "when": slack_time(decision.decided_at),
            }
        )
        posted = session.exec(
            select(SlackMessage).where(
                SlackMessage.loop_id == loop_id, SlackMessage.purpose == SUMMARY
            )
        ).first()
        channel = loop.channel_id
    return (
        channel,
        build_messages_debrief(summary=summary, card=card, mentions=mentions, decision=shown),
        posted,
    )


def post_summary(*, runtime: Runtime, loop_id: int, actor: str | None = None) -> None:
    """Post the summary (and its continuation in a thread) unless it is already posted; through
    the outbox, so a refusing Slack delays it and `actor` (else the loop's creator) hears if it
    never arrives."""
    channel, messages, posted = _messages(runtime, loop_id)
    with runtime.db.read() as session:
        queued = session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.loop_id == loop_id,
                OutboxMessage.purpose == SUMMARY,
                OutboxMessage.state != OutboxState.FAILED,
            )
        ).first()
        loop = session.get(Loop, loop_id)
        actor = actor or (loop.created_by if loop else None)
    if posted is not None or queued is not None:
        return
    purposes = [SUMMARY] + [THREAD] * (len(messages) - 1)
    runtime.outbox.post(
        [
            Message(
                channel=channel,
                text=m["text"],
                blocks=m["blocks"],
                purpose=purpose,
                loop_id=loop_id,
                actor=actor,
            )
            for m, purpose in zip(messages, purposes, strict=True)
        ],
        runtime.clock(),
    )


def refresh_summary(*, runtime: Runtime, loop_id: int) -> None:
    """Update the summary in place (after the decision: no more buttons)."""
    _, messages, posted = _messages(runtime, loop_id)
    if posted is None:
        return
    runtime.messenger.update(
        posted.channel_id, posted.ts, text=messages[0]["text"], blocks=messages[0]["blocks"]
    )


def summary_posted(runtime: Runtime, loop_id: int) -> bool:
    with runtime.db.read() as session:
        return (
            session.exec(
                select(SlackMessage.id).where(
                    SlackMessage.loop_id == loop_id, SlackMessage.purpose == SUMMARY
                )
            ).first()
            is not None
        )
