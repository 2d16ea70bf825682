"""Channel messages go through the outbox: a refusing Slack delays them, never loses or doubles
them, and the person who acted hears when Slack keeps refusing."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import Loop, OutboxMessage, Round, SlackMessage
from tests.e2e.helpers import (
    HM,
    MONDAY,
    REC,
    card_in_dm,
    open_create,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
)

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
        for channel in sb.emulator.channels()
        if not channel.is_im
        for m in sb.emulator.messages_in(channel.id)
        if f"loop `{short_id}`" in json.dumps(m.blocks or [])
    ]


def _wait_until_settled(sb: Sandbox, rows: int = 2) -> None:
    """Until the work after the acknowledgement has queued its `rows` outbox rows (the card in
    the channel and the recruiter's copy) and none is being sent: a test tick racing it would
    let its post take the refusals meant for the card."""
    from tests.e2e.helpers import wait_for

    def settled() -> bool:
        """Every message the change queues (after the acknowledgement) is in the outbox, and
        none is being sent."""
        with sb.db.read() as session:
            queued = session.exec(select(OutboxMessage)).all()
        return len(queued) >= rows and all(r.state != "claimed" for r in queued)

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


def test_a_card_still_on_its_way_goes_out_as_the_loop_stands_when_it_arrives(
    sb: Sandbox,
) -> None:
    """Slack refuses the new loop's card for a while; meanwhile the hiring manager moves a round.
    The card arrives later, in the channel and in the recruiter's DM, with the round where it
    is now, not where it was when the card was first tried."""
    short_id = _create_while_slack_fails(sb)
    _wait_until_settled(sb)
    assert "Moved 2." in said(sb, HM, f"reschedule {short_id} 2 2026-12-01 10:00")
    sb.stop_bot()  # what the move started after its acknowledgement finishes
    sb.start_bot()
    sb.dispatch(MONDAY + timedelta(minutes=1))
    sb.dispatch(MONDAY + timedelta(hours=2))
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        moved = session.exec(select(Round).where(Round.loop_id == loop.id, Round.number == 2)).one()
    assert moved.starts_at is not None
    now_at = f"<!date^{int(moved.starts_at.timestamp())}^"
    copies = [*_cards(sb, short_id), card_in_dm(sb, REC, short_id)]
    assert len(copies) == 2
    for card in copies:
        assert now_at in json.dumps(card.blocks), "the card shows round 2 where it is now"


def test_when_slack_keeps_refusing_the_creator_is_told(sb: Sandbox) -> None:
    short_id = _create_while_slack_fails(sb)
    _wait_until_settled(sb)
    when = MONDAY

    def told() -> list[str]:
        return [
            t
            for t in (m.text or "" for m in sb.emulator.dms_to(uid(sb, REC)))
            if f"I couldn't post a message about loop `{short_id}`" in t
            and "Slack kept refusing" in t
        ]

    for attempt in range(2, 7):  # the outbox tries six times in all, further and further apart
        assert told() == [], attempt  # not before the sixth
        when += timedelta(hours=1)
        sb.emulator.fail_next("chat.postMessage", status=500, times=ATTEMPT)
        sb.dispatcher.outbox.tick(when)
    assert _cards(sb, short_id) == []
    assert len(told()) == 1
    sb.dispatcher.outbox.tick(when + timedelta(days=1))  # given up: not sent late, nor twice
    assert _cards(sb, short_id) == []


def test_a_refusal_for_good_tells_the_person_who_acted_at_once(sb: Sandbox) -> None:
    """A card refresh Slack refuses for good (`cant_update_message`) is not tried six times:
    the recruiter who moved the round hears straight away, naming the loop."""
    from tests.e2e.helpers import create_loop, said, wait_for

    sb.now = MONDAY
    short_id = create_loop(sb)
    sb.emulator.fail_next("chat.update", error="cant_update_message", times=2)
    assert "Moved 2." in said(sb, REC, f"reschedule {short_id} 2 2026-12-01 10:00")
    told = wait_for(
        lambda: [
            t
            for t in (m.text or "" for m in sb.emulator.dms_to(uid(sb, REC)))
            if f"I couldn't update a message about loop `{short_id}`" in t
        ]
    )
    assert told, [m.text for m in sb.emulator.dms_to(uid(sb, REC))][-3:]


def _reschedule_while_updates_fail(sb: Sandbox) -> tuple[str, str, int]:
    """A loop, then a reschedule while Slack answers chat.update with 500s; returns the loop,
    the card's new start time as Slack shows it, and how many copies of the card there are."""
    from tests.e2e.helpers import create_loop, said, wait_for

    sb.now = MONDAY
    short_id = create_loop(sb)
    copies = 2  # in the loop's channel, and the recruiter's copy in their DM

    def recorded() -> int:
        with sb.db.read() as session:
            query = select(SlackMessage).where(SlackMessage.purpose == "loop_card")
            return len(session.exec(query).all())

    assert wait_for(lambda: recorded() == copies)
    sb.emulator.fail_next("chat.update", status=500, times=ATTEMPT * copies)
    assert "Moved 2." in said(sb, HM, f"reschedule {short_id} 2 2026-12-01 10:00")
    _wait_until_settled(sb, rows=2 * copies)  # the posts, and an edit of each
    return short_id, "1796137200", copies  # 10:00 in New York on 1 December, as Slack shows it


def test_a_5xx_window_on_a_card_refresh_delays_it_and_it_arrives(sb: Sandbox) -> None:
    from tests.e2e.helpers import card_in_channel, card_in_dm

    short_id, moved, _ = _reschedule_while_updates_fail(sb)
    assert moved not in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    sb.dispatch(MONDAY + timedelta(minutes=1))
    assert moved in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    assert moved in json.dumps(card_in_dm(sb, REC, short_id).blocks)
    with sb.db.read() as session:
        edits = session.exec(select(OutboxMessage).where(OutboxMessage.edits_ts.isnot(None)))
        assert {r.state for r in edits} == {"sent"}


def test_when_slack_keeps_refusing_a_card_refresh_the_person_who_acted_is_told(
    sb: Sandbox,
) -> None:
    from tests.e2e.helpers import card_in_channel

    short_id, moved, copies = _reschedule_while_updates_fail(sb)
    when = MONDAY
    for _ in range(5):  # six tries in all, further and further apart
        when += timedelta(hours=1)
        sb.emulator.fail_next("chat.update", status=500, times=ATTEMPT * copies)
        sb.dispatcher.outbox.tick(when)
    assert moved not in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    told = [m.text for m in sb.emulator.dms_to(uid(sb, HM))]
    assert any(
        f"I couldn't update a message about loop `{short_id}`" in t and "Slack kept refusing" in t
        for t in told
    ), told


def test_a_card_refresh_waiting_for_a_retry_gives_way_to_a_newer_one(sb: Sandbox) -> None:
    from tests.e2e.helpers import card_in_channel, said

    short_id, moved, copies = _reschedule_while_updates_fail(sb)
    assert "Moved 2." in said(sb, HM, f"reschedule {short_id} 2 2026-12-01 11:00")
    _wait_until_settled(sb, rows=3 * copies)
    later = "1796140800"  # 11:00 in New York on 1 December
    assert later in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    updates = len([c for c in sb.emulator.calls if c.method == "chat.update"])
    sb.dispatch(MONDAY + timedelta(minutes=1))  # the first refresh's retry time
    assert later in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    assert moved not in json.dumps(card_in_channel(sb, short_id)[1].blocks)
    assert len([c for c in sb.emulator.calls if c.method == "chat.update"]) == updates
    with sb.db.read() as session:
        edits = session.exec(select(OutboxMessage).where(OutboxMessage.edits_ts.isnot(None)))
        states = sorted(r.state for r in edits)
    assert states == ["replaced"] * copies + ["sent"] * copies


def test_a_dm_slack_keeps_refusing_is_named_as_the_person_s_own(sb: Sandbox) -> None:
    """The confirmation of a change made from a modal is a DM to the one who made it: when
    Slack keeps refusing it, they are told it was their DM with loopbot (not a channel)."""
    from tests.e2e.helpers import create_loop, reschedule_by_modal, wait_for

    sb.now = MONDAY
    short_id = create_loop(sb)
    sb.dispatch()
    when = MONDAY.replace(day=27, hour=1)
    with sb.db.read() as session:
        before = len(session.exec(select(OutboxMessage)).all())
    sb.emulator.fail_next("chat.postMessage", status=500, times=ATTEMPT)
    assert reschedule_by_modal(sb, REC, short_id, 2, when).status == 200

    def confirmation() -> OutboxMessage | None:
        with sb.db.read() as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.id > before)).all()
        return next((r for r in rows if r.purpose == "change_notice" and r.attempts), None)

    row = wait_for(lambda: (r := confirmation()) and r.state == "pending" and r)
    assert row.channel_id == uid(sb, REC)  # addressed to the person; their DM opened to send
    tick = MONDAY
    for _ in range(2, 7):
        tick += timedelta(hours=1)
        sb.emulator.fail_next("chat.postMessage", status=500, times=ATTEMPT)
        sb.dispatcher.outbox.tick(tick)
    told = [
        m.text or ""
        for m in sb.emulator.dms_to(uid(sb, REC))
        if f"I couldn't post a message about loop `{short_id}`" in (m.text or "")
    ]
    assert len(told) == 1
    assert " in your DM with loopbot: Slack kept refusing (`" in told[0]
