"""Channel messages go through the outbox: a refusing Slack delays them, never loses or doubles
them, and the person who acted hears when Slack keeps refusing."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import OutboxMessage, SlackMessage
from tests.e2e.helpers import MONDAY, REC, open_create, step_one_answers, submit, top_view, uid

ATTEMPT = 3
"""HTTP calls one attempt makes: the Slack client retries a 5xx twice itself."""


def _create_while_slack_fails(sb: Sandbox) -> str:
    open_create(sb)
    submit(sb, REC, step_one_answers(sb))
    sb.emulator.fail_next("chat.postMessage", status=500, times=ATTEMPT)
    second = submit(sb, REC, {})
    text = json.dumps(second.json["view"]["blocks"])
    short_id = text.split("Loop `", 1)[1].split("`", 1)[0]
    sb.slack.close(REC, top_view(sb, REC))
    return short_id


def _cards(sb: Sandbox, short_id: str) -> list:
    return [
        m
        for channel in sb.emulator.workspace.channels.values()
        if not channel.is_im
        for m in sb.emulator.messages_in(channel.id)
        if f"loop `{short_id}`" in json.dumps(m.blocks or [])
    ]


def _wait_until_settled(sb: Sandbox) -> None:
    from tests.e2e.helpers import wait_for

    def settled() -> bool:
        """The card and its copy in the recruiter's DMs (posted one after the other, after the
        acknowledgement) are both queued, and neither is being sent."""
        with sb.db.read() as session:
            rows = session.exec(select(OutboxMessage)).all()
        places = {r.channel_id.startswith("D") for r in rows}
        return places == {True, False} and all(r.state != "claimed" for r in rows)

    assert wait_for(settled)


def test_a_5xx_window_on_the_loop_card_delays_it_and_it_arrives_once(sb: Sandbox) -> None:
    short_id = _create_while_slack_fails(sb)
    _wait_until_settled(sb)
    assert _cards(sb, short_id) == []
    sb.dispatcher.outbox.tick(MONDAY + timedelta(seconds=10))  # not due yet
    assert _cards(sb, short_id) == []
    sb.dispatch(MONDAY + timedelta(minutes=1))
    sb.dispatch(MONDAY + timedelta(hours=2))
    assert len(_cards(sb, short_id)) == 1
    with sb.db.read() as session:
        recorded = session.exec(
            select(SlackMessage).where(SlackMessage.purpose == "loop_card")
        ).all()
    # Recorded once per place it went (the channel, the recruiter's DM copy), so every copy is
    # refreshed and erased like any other message.
    channels = [r.channel_id for r in recorded]
    assert len(channels) == len(set(channels)) and sum(not c.startswith("D") for c in channels) == 1


def test_when_slack_keeps_refusing_the_creator_is_told(sb: Sandbox) -> None:
    short_id = _create_while_slack_fails(sb)
    _wait_until_settled(sb)
    when = MONDAY
    for _ in range(5):  # the outbox tries six times in all, further and further apart
        when += timedelta(hours=1)
        sb.emulator.fail_next("chat.postMessage", status=500, times=ATTEMPT)
        sb.dispatcher.outbox.tick(when)
    assert _cards(sb, short_id) == []
    told = [m.text for m in sb.emulator.dms_to(uid(sb, REC))]
    assert any(
        f"I couldn't post a message about loop `{short_id}`" in t and "Slack kept refusing" in t
        for t in told
    ), told
    sb.dispatcher.outbox.tick(when + timedelta(days=1))  # given up: not sent late, nor twice
    assert _cards(sb, short_id) == []
