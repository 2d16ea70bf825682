"""The debrief summary in the loop's channel: posted once when the debrief opens (every
scorecard in, or the hiring manager opening it early), kept current by editing it, and the word
in the channel when the last scorecard of an early debrief is in."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from itertools import zip_longest

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.app.announce import edit_until_current, outgoing, recorded
from bot.debrief.service import (
    Outcome,
    claim_debrief,
    decision_of,
    finalist_audience,
    gather,
)
from bot.loops.queries import assignments_of
from bot.loops.views import loop_card
from bot.outbox import Message
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks.debrief import build_messages_debrief
from bot.slack.format import slack_time
from bot.store.db import rows
from bot.store.models import Loop, OutboxMessage, OutboxState, SlackMessage

SUMMARY = "debrief"
THREAD = "debrief_thread"
ALL_IN = "debrief_all_in"
_POSTED = (
    select(SlackMessage.id)
    .where(SlackMessage.loop_id == bindparam("loop"), SlackMessage.purpose == bindparam("purpose"))
    .limit(1)
)


_REPLY_ON_ITS_WAY = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.loop_id == bindparam("loop"),
        OutboxMessage.purpose == bindparam("purpose"),
        col(OutboxMessage.edits_ts).is_(None),
        col(OutboxMessage.state).in_([OutboxState.PENDING, OutboxState.CLAIMED]),
    )
    .limit(1)
)


def debrief_if_all_in(*, runtime: Runtime, loop_id: int) -> bool:
    """After a submission: open the debrief and post its summary, once, when all are in."""
    with runtime.db.session() as session:
        loop = session.get(Loop, loop_id)
        claimed = loop is not None and claim_debrief(session, loop, runtime.clock())
    if claimed:
        post_summary(runtime=runtime, loop_id=loop_id)
    return claimed


def _summary(runtime: Runtime, loop_id: int) -> tuple[str, list[dict], SlackMessage | None]:
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None and loop.channel_id
        _, summary = gather(session, loop, runtime.library)
        card = loop_card(session, loop)
        mentions = _deciders(session, loop)
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
        posted = next(iter(recorded(session, loop_id, SUMMARY)), None)
        channel = loop.channel_id
        finalist = loop.finalist
        audience = finalist_audience(session, loop)
    messages = build_messages_debrief(
        summary=summary,
        card=card,
        mentions=mentions,
        decision=shown,
        finalist=finalist,
        audience=audience,
    )
    return channel, messages, posted


def _deciders(session: Session, loop: Loop) -> str:
    """The hiring manager and interview lead, mentioned: those the summary calls on."""
    people = assignments_of(session, loop)
    return " ".join(
        f"<@{u}>" for u in dict.fromkeys(a.user_id for a in people if a.letter in ("A", "C"))
    )


def tell_all_in(*, runtime: Runtime, loop_id: int, actor: str) -> None:
    """A debrief opened early keeps its summary current by editing it, and an edit notifies
    nobody: when the last scorecard is in, the hiring manager and interview lead are told so in
    the channel, with what the summary now says (once). A summary Slack has not taken yet says
    it itself when it arrives: it goes out as the loop then stands, mentioning them."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        posted = next(iter(recorded(session, loop_id, SUMMARY)), None)
        if loop is None or posted is None:
            return
        _, summary = gather(session, loop, runtime.library)
        text = render(
            "debrief_all_in",
            card=loop_card(session, loop),
            mentions=_deciders(session, loop),
            summary=summary,
        )
    message = Message(posted.channel_id, text, None, ALL_IN, loop_id=loop_id, actor=actor)
    runtime.outbox.post([message], runtime.clock(), once=True)


def post_summary(*, runtime: Runtime, loop_id: int, actor: str | None = None) -> None:
    """Post the summary (and its continuation in a thread) unless it is already posted or on
    its way; through the outbox, so a refusing Slack delays it and `actor` (else the loop's
    creator) hears if it never arrives. The channel holds only its readers. A scorecard stored
    while it was on its way (its refresh found no summary yet) is then edited in."""
    channel, messages, posted = _summary(runtime, loop_id)
    if posted is not None:
        return
    actor = actor or _creator(runtime, loop_id)
    purposes = [SUMMARY] + [THREAD] * (len(messages) - 1)
    sent = runtime.outbox.post(
        [
            outgoing(m, channel, purpose, loop_id, actor)
            for m, purpose in zip(messages, purposes, strict=True)
        ],
        runtime.clock(),
        once=True,
    )
    if sent and sent[0] is not None:
        shown = replace(outgoing(messages[0], channel, SUMMARY, loop_id, actor), edits=sent[0].ts)
        edit = partial(_summary_edit, runtime, loop_id, actor)
        edit_until_current(runtime, edit, key=_summary_key(loop_id), shown=[shown])


def refresh_summary(*, runtime: Runtime, loop_id: int, actor: str | None = None) -> None:
    """Update the summary in place (after the decision: no more buttons), through the outbox as
    the card is, until it says what the loop does (`edit_until_current`); nothing to do, and
    nothing gathered, while no summary is posted (every submission before the debrief)."""
    edit = partial(_summary_edit, runtime, loop_id, actor)
    edit_until_current(runtime, edit, key=_summary_key(loop_id))


def _summary_key(loop_id: int) -> tuple[str, int]:
    """A summary's edits read again together (`edit_until_current`)."""
    return ("debrief summary", loop_id)


def _summary_edit(runtime: Runtime, loop_id: int, actor: str | None) -> list[Message]:
    """The summary's edits as the loop stands: its first message, and its thread's replies
    (each edited in place, one more posted in the thread when it has grown, a reply it no
    longer needs saying so); none while no summary is posted (one Slack refused for a while
    goes out as the loop stands when it goes)."""
    if not summary_posted(runtime, loop_id):
        runtime.outbox.revise(loop_id, SUMMARY, lambda: _summary(runtime, loop_id)[1][0])
        return []
    _, messages, posted = _summary(runtime, loop_id)
    if posted is None:
        return []
    actor = actor or _creator(runtime, loop_id)
    channel = posted.channel_id
    with runtime.db.read() as session:
        replies = sorted(recorded(session, loop_id, THREAD), key=lambda m: float(m.ts))
        # A reply another replica queued and Slack has not taken yet: none is posted beside it.
        coming = bool(rows(session, _REPLY_ON_ITS_WAY, {"loop": loop_id, "purpose": THREAD}))
    if coming and len(messages) == len(replies) + 2:  # it goes out as the summary stands now
        runtime.outbox.revise(loop_id, THREAD, lambda: messages[-1])
    first = replace(outgoing(messages[0], channel, SUMMARY, loop_id, actor), edits=posted.ts)
    edits = [first]  # a reply posted now goes in the thread of the first (Outbox.edit)
    for reply, message in zip_longest(replies, messages[1:]):
        if message is None:
            spare = render("debrief_thread_spare")
            edits.append(
                Message.text_over(
                    channel, reply.ts, spare, purpose=THREAD, loop_id=loop_id, actor=actor
                )
            )
            continue
        built = outgoing(message, channel, THREAD, loop_id, actor)
        if reply is not None:
            edits.append(replace(built, edits=reply.ts))
        elif not coming:
            edits.append(built)
    return edits


def _creator(runtime: Runtime, loop_id: int) -> str | None:
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        return loop.created_by if loop else None


def summary_posted(runtime: Runtime, loop_id: int) -> bool:
    with runtime.db.read() as session:
        return bool(rows(session, _POSTED, {"loop": loop_id, "purpose": SUMMARY}))
