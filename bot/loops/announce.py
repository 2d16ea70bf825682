"""Telling Slack about a loop: its debrief channel and the loop card kept up to date."""

from __future__ import annotations

import logging
import re

from sqlmodel import select

from bot.errors import LoopbotError
from bot.loops.queries import LOOP_ROLE, assignments_of, template_of
from bot.loops.views import loop_card
from bot.outbox import Message, OutboxFailed
from bot.runtime import Runtime
from bot.slack.blocks.loops import build_message_loop_card
from bot.slack.messenger import SlackCallFailed
from bot.store.models import Loop, SlackMessage

log = logging.getLogger(__name__)
CARD = "loop_card"


def channel_name(candidate: str, title: str, short_id: str) -> str:
    """Slack's channel name rules: lower case, digits, - and _, at most 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"loop {candidate} {title}".lower()).strip("-")
    return f"{slug[:70].rstrip('-')}-{short_id.lower()}"


def announce_loop(*, runtime: Runtime, loop_id: int) -> str:
    """Create the debrief channel if none was picked, invite the loop's people, post the card.
    Returns the channel id."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None
        template = template_of(session, loop)
        finalists_only = {r.code for r in template.roles if r.finalists_only}
        people = sorted(
            {
                a.user_id
                for a in assignments_of(session, loop)
                if a.letter == LOOP_ROLE and a.role_code not in finalists_only
            }
            | {loop.created_by}
        )
        channel = loop.channel_id
        name = channel_name(loop.candidate_name, template.title, loop.short_id)
    messenger = runtime.messenger
    if channel is None:
        channel = messenger.create_private_channel(name)
        with runtime.db.session() as session:
            loop = session.get(Loop, loop_id)
            assert loop is not None
            loop.channel_id = channel
            session.add(loop)
        for person in people:
            try:
                messenger.invite(channel, [person])
            except SlackCallFailed as exc:
                if exc.error not in ("already_in_channel", "cant_invite_self"):
                    raise
    post_card(runtime=runtime, loop_id=loop_id)
    return channel


def post_card(*, runtime: Runtime, loop_id: int) -> None:
    """Post the loop card through the outbox: if Slack refuses for a while it arrives later,
    once; if Slack refuses for good, the person who acted is told."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None and loop.channel_id
        message = build_message_loop_card(card=loop_card(session, loop))
        channel, short_id, creator = loop.channel_id, loop.short_id, loop.created_by
    card = Message(
        channel=channel,
        text=message["text"],
        blocks=message["blocks"],
        purpose=CARD,
        loop_id=loop_id,
        actor=creator,
    )
    try:
        runtime.outbox.post([card], runtime.clock())
    except OutboxFailed as exc:
        if exc.error not in ("not_in_channel", "channel_not_found", "is_archived"):
            raise
        raise LoopbotError(
            f"I couldn't post loop `{short_id}`'s card in <#{channel}> (Slack "
            f"said `{exc.error}`). Invite @loopbot to that channel, then use "
            f"`/loop show {short_id}`."
        ) from None


def refresh_card_soon(*, runtime: Runtime, loop_id: int) -> None:
    """Refresh the card shortly, once for every change made meanwhile: a burst of submissions
    costs one chat.update, which Slack limits per channel."""
    runtime.coalesced.submit(
        ("loop card", loop_id), lambda: refresh_card(runtime=runtime, loop_id=loop_id)
    )


def refresh_card(*, runtime: Runtime, loop_id: int) -> None:
    """Update the loop card in place after a change."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        record = session.exec(
            select(SlackMessage).where(
                SlackMessage.loop_id == loop_id, SlackMessage.purpose == CARD
            )
        ).first()
        if loop is None or record is None:
            return
        message = build_message_loop_card(card=loop_card(session, loop))
        channel, ts = record.channel_id, record.ts
    runtime.messenger.update(channel, ts, text=message["text"], blocks=message["blocks"])
