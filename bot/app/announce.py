"""What loopbot posts about a loop, and who is in the loop's channel.

The loop's channel is private and holds only people who may read what is posted there: the debrief
summary is posted in it, so its members are exactly those `authz` lets read the debrief (the
hiring manager, the interview lead, and each interviewer once their scorecards are in). Everyone
else who follows the loop (the recruiter, the creator) gets the card, status only, in a DM that
is kept up to date with the channel's copy. Every message posted about a loop is recorded, so
`loopbot purge` can delete it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import replace

from sqlmodel import Session, select

from bot.authz import Action, can, told_of_loop
from bot.errors import LoopbotError, SlackUnavailable
from bot.loops.queries import (
    INTERVIEWER,
    LOOP_ROLE,
    assignments_of,
    loop_row,
    recruiter_roles,
    standing,
    template_of,
)
from bot.loops.replacements import WITHDRAWN, withdrawn_questions
from bot.loops.requests import LoopRequest
from bot.loops.status import cancel_refused, change_refused
from bot.loops.views import loop_card
from bot.outbox import Message, OutboxFailed
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks.loops import build_message_loop_card
from bot.slack.format import is_user_id, mention
from bot.slack.messenger import SlackCallFailed
from bot.store.models import Loop, LoopStatus, SlackMessage

log = logging.getLogger(__name__)
CARD = "loop_card"
NOT_A_MEMBER = ("already_in_channel", "cant_invite_self")
CHANNEL_NOT_CLEARED = "channel_not_cleared"
CATCH_UP = 3
"""How many times one refresh sends its edit again because the loop changed meanwhile."""


def channel_name(candidate: str, title: str, short_id: str) -> str:
    """Slack's channel name rules: lower case, digits, - and _, at most 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"loop {candidate} {title}".lower()).strip("-")
    return f"{slug[:70].rstrip('-')}-{short_id.lower()}"


def _audience(runtime: Runtime, loop_id: int) -> tuple[Loop, list[str], list[str], list[str]]:
    """(loop, who may be in its channel, who follows it by DM instead, everyone in it)."""
    admins = runtime.settings.loopbot_admins
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None
        template = template_of(session, loop)
        people = dict.fromkeys(
            [loop.created_by, *(a.user_id for a in assignments_of(session, loop))]
        )
        readers, followers = [], []
        for person in people:
            who = standing(session, loop, person, admins=admins, template=template)
            if can(Action.READ_DEBRIEF, who):
                readers.append(person)
            elif can(Action.CHANGE, who):
                followers.append(person)
        session.expunge(loop)
    return loop, readers, followers, list(people)


def recorded(session: Session, loop_id: int, purpose: str) -> list[SlackMessage]:
    """The messages posted about a loop for one purpose (the card's copies, the summary)."""
    return list(
        session.exec(
            select(SlackMessage).where(
                SlackMessage.loop_id == loop_id, SlackMessage.purpose == purpose
            )
        ).all()
    )


def outgoing(message: dict, channel: str, purpose: str, loop_id: int, actor: str | None) -> Message:
    """A built message (`text`, `blocks`) as an outbox row about the loop."""
    return Message(
        channel=channel,
        text=message["text"],
        blocks=message["blocks"],
        purpose=purpose,
        loop_id=loop_id,
        actor=actor,
    )


def dm_about(
    runtime: Runtime,
    loop_id: int,
    user_id: str,
    *,
    purpose: str,
    text: str,
    blocks: list[dict] | None = None,
) -> None:
    """A DM about a loop to the person who acted (a receipt, a change confirmed), through the
    outbox: a refusing Slack delays it, and it is recorded once sent so erasing the candidate
    deletes it too."""
    message = Message(
        channel=user_id, text=text, blocks=blocks, purpose=purpose, loop_id=loop_id, actor=user_id
    )
    runtime.outbox.post([message], runtime.clock())


def told_if_finalist(runtime: Runtime, request: LoopRequest) -> list[str]:
    """The roles, filled in `request`, that hear of its loop only once the candidate is marked
    a finalist (`authz.told_of_loop`); none when its document is no longer loaded."""
    template = runtime.library.loops.get(request.template_id)
    return [
        role.name
        for role in (template.roles if template else [])
        if request.people.get(role.code)
        and not told_of_loop(finalists_only=role.finalists_only, finalist=False)
    ]


def announce_loop(*, runtime: Runtime, loop_id: int) -> str:
    """Create the loop's private channel with its readers, post the card there and DM it to the
    people who run the loop from outside it. Returns the channel id."""
    loop, readers, followers, _ = _audience(runtime, loop_id)
    messenger = runtime.messenger
    channel = loop.channel_id
    if channel is None:
        name = channel_name(loop.candidate_name, _title(runtime, loop_id), loop.short_id)
        try:
            channel = messenger.create_private_channel(name)
        except SlackCallFailed as exc:
            raise LoopbotError(
                f"Loop `{loop.short_id}` is created and everyone in it is being told their "
                f"part, but I couldn't create its private channel (Slack said `{exc.error}`). "
                "Ask a Slack admin to let loopbot create private channels; meanwhile "
                f"`/loop show {loop.short_id}` shows the loop."
            ) from None
        with runtime.db.session() as session:
            stored = session.get(Loop, loop_id)
            assert stored is not None
            stored.channel_id = channel
            session.add(stored)
    _invite(runtime, channel, readers)
    post_card(runtime=runtime, loop_id=loop_id, channel=channel)
    for person in followers:
        post_card(runtime=runtime, loop_id=loop_id, channel=person)  # their DM, on their lane
    return channel


def _title(runtime: Runtime, loop_id: int) -> str:
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        assert loop is not None
        return template_of(session, loop).title


def _invite(runtime: Runtime, channel: str, people: list[str]) -> None:
    for person in people:
        try:
            runtime.messenger.invite(channel, [person])
        except SlackCallFailed as exc:
            if exc.error not in NOT_A_MEMBER:
                raise


def admit_reader(*, runtime: Runtime, loop_id: int, user_id: str) -> bool:
    """Bring a person into the loop's channel once they may read it (an interviewer whose
    scorecards are all in). True when they may, or were brought in a few minutes ago: their
    standing is not read again then (each edit of a scorecard comes here), as `invite` would
    not ask Slack for them anyway."""
    with runtime.db.read() as session:
        loop = loop_row(session, loop_id)
        if loop is None or not loop.channel_id:
            return False
        channel = loop.channel_id
        if runtime.messenger.in_channel(channel, user_id):
            return True
        who = standing(session, loop, user_id, admins=runtime.settings.loopbot_admins)
    if not can(Action.READ_DEBRIEF, who):
        return False
    _invite(runtime, channel, [user_id])
    return True


def _card_message(runtime: Runtime, loop_id: int) -> dict | None:
    """The card as the loop stands; None once the loop is erased."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        return _card(runtime, session, loop) if loop is not None else None


def _card(runtime: Runtime, session: Session, loop: Loop) -> dict:
    """The card's message, with the buttons the loop's status still allows (bot.loops.status)."""
    card = loop_card(session, loop)
    card["changes"] = change_refused(loop) is None
    card["cancels"] = cancel_refused(session, loop, runtime.clock()) is None
    return build_message_loop_card(card=card)


def post_card(*, runtime: Runtime, loop_id: int, channel: str) -> None:
    """Post the loop card (in its channel, or a copy in a follower's DM: `channel` is then their
    user id) through the outbox: if Slack refuses for a while it arrives later, once; if Slack
    refuses for good, the person who created the loop is told."""
    with runtime.db.read() as session:
        loop = session.get(Loop, loop_id)
        if loop is None:  # erased meanwhile: nothing to show
            return
        message, creator = _card(runtime, session, loop), loop.created_by
    try:
        runtime.outbox.post([outgoing(message, channel, CARD, loop_id, creator)], runtime.clock())
    except OutboxFailed as exc:
        if exc.error not in ("not_in_channel", "channel_not_found", "is_archived"):
            raise
        where = f"<@{channel}>'s DM" if is_user_id(channel) else f"<#{channel}>"
        raise LoopbotError(
            f"I couldn't post the loop's card in {where} (Slack said `{exc.error}`); "
            "`/loop list` shows the loop."
        ) from None
    # A change made while Slack was taking the post found no copy to edit: edit it now.
    if _card_message(runtime, loop_id) not in (message, None):
        refresh_card(runtime=runtime, loop_id=loop_id)


def refresh_card_soon(*, runtime: Runtime, loop_id: int, actor: str | None = None) -> None:
    """Refresh the card shortly, once for every change made meanwhile: a burst of submissions
    costs one chat.update, which Slack limits per channel."""
    runtime.coalesced.submit(
        _card_key(loop_id), lambda: refresh_card(runtime=runtime, loop_id=loop_id, actor=actor)
    )


def _card_key(loop_id: int) -> Hashable:
    """A loop card's refreshes waiting together (`Runtime.coalesced`)."""
    return ("loop card", loop_id)


def refresh_card(*, runtime: Runtime, loop_id: int, actor: str | None = None) -> None:
    """Update every copy of the loop card (the channel's and the DMs') in place, through the
    outbox: a refusing Slack delays the update, and `actor` (else the loop's creator) hears if
    it never goes through. A copy Slack has not taken yet (it refused for a while) goes out as
    the loop stands when it goes."""

    def card_edits() -> list[Message]:
        with runtime.db.read() as session:
            loop = session.get(Loop, loop_id)
            if loop is None:
                return []
            message = _card(runtime, session, loop)
            who = actor or loop.created_by
        runtime.outbox.revise(loop_id, CARD, lambda: message)  # copies Slack has not taken yet
        with runtime.db.read() as session:
            copies = recorded(session, loop_id, CARD)
            return [
                replace(outgoing(message, c.channel_id, CARD, loop_id, who), edits=c.ts)
                for c in copies
            ]

    edit_until_current(runtime, card_edits, key=_card_key(loop_id))


def edit_until_current(
    runtime: Runtime,
    read: Callable[[], list[Message]],
    *,
    key: Hashable,
    shown: list[Message] | None = None,
) -> None:
    """Send the edits `read` builds from the loop as it stands, then read it again. Slack shows
    the edit that arrived last, which need not be the one that read last: two changes at once
    (two submissions, in two processes or replicas) each edit the same message, and the one
    that read first can arrive second. So every edit sent is followed by a read, and while the
    loop changed under it, the edit is sent again as the loop now stands (at most `CATCH_UP`
    times). Still changing after that, the message is edited again shortly, as the loop stands
    then, once for every refresh of it (`key`) asked for meanwhile. `shown`: what it already
    says (just posted)."""
    with runtime.editing(key):
        edits = read()
        for _ in range(CATCH_UP):
            if not edits or edits == shown:
                return
            runtime.outbox.edit(edits, runtime.clock())
            shown, edits = edits, read()
    if edits and edits != shown:
        runtime.coalesced.submit(key, lambda: edit_until_current(runtime, read, key=key))


def announce_change(*, runtime: Runtime, loop_id: int, actor: str) -> None:
    """After a change by hand (a move, a swap, a cancel): the questions it withdrew say so, the
    card's copies show it, and the channel keeps only who may read it."""
    withdraw_questions(runtime=runtime, loop_id=loop_id, actor=actor)
    refresh_card(runtime=runtime, loop_id=loop_id, actor=actor)
    keep_channel_to_readers(runtime=runtime, loop_id=loop_id)


def keep_channel_to_readers(*, runtime: Runtime, loop_id: int) -> list[str]:
    """Take out of the loop's channel each person in the loop who may no longer read it: one
    whose scorecards were all in, and who has since been given a round whose scorecard is not
    (the summary there stays blind to them until it is; their submission brings them back).
    Returns who was taken out. Someone Slack would not let loopbot take out is named to the
    loop's recruiters (else its creator), who can do it by hand."""
    loop, readers, _, people = _audience(runtime, loop_id)
    if not loop.channel_id:
        return []
    try:
        members = runtime.messenger.members(loop.channel_id)
    except SlackUnavailable as exc:
        log.warning("channel members not read", extra={"slack_error": getattr(exc, "error", "")})
        return []
    out = [person for person in people if person in members and person not in readers]
    stayed: dict[str, str] = {}
    for person in out:
        try:
            runtime.messenger.remove(loop.channel_id, person)
        except SlackUnavailable as exc:
            stayed[person] = getattr(exc, "error", "") or "unreachable"
            log.warning("not taken out of a loop channel", extra={"slack_error": stayed[person]})
    if stayed:
        _ask_to_take_out(runtime, loop, stayed)
    return [person for person in out if person not in stayed]


def recruiters(session: Session, loop: Loop) -> list[str]:
    """The loop's recruiters: the people holding the roles that run it day to day."""
    codes = recruiter_roles(template_of(session, loop))
    people = assignments_of(session, loop)
    return list(
        dict.fromkeys(a.user_id for a in people if a.letter == LOOP_ROLE and a.role_code in codes)
    )


def _ask_to_take_out(runtime: Runtime, loop: Loop, stayed: dict[str, str]) -> None:
    with runtime.db.read() as session:
        told = recruiters(session, loop)
    text = render(
        "channel_not_cleared",
        people=[mention(p) for p in stayed],
        channel=loop.channel_id,
        short_id=loop.short_id,
        errors=sorted(set(stayed.values())),
    )
    for person in told or [loop.created_by]:
        dm_about(runtime, loop.id or 0, person, purpose=CHANNEL_NOT_CLEARED, text=text)


def withdraw_questions(*, runtime: Runtime, loop_id: int | None, actor: str | None) -> None:
    """Each question a swap or a cancel withdrew (someone asked to take a round over) is edited
    to say so, naming who runs the round now, its Accept and Decline gone, and edited again
    when a later change makes that wrong (another swap, a cancel): in one loop, or in all (None:
    the minute's sweep, for a change whose follow-up a crash cut short)."""
    edits = []
    with runtime.db.read() as session:
        for ask, rnd, said in withdrawn_questions(session, loop_id):
            loop = session.get(Loop, ask.loop_id)
            assert loop is not None and ask.channel_id is not None and ask.ts is not None
            runners = [
                a.user_id
                for a in assignments_of(session, loop)
                if a.round_id == rnd.id and a.letter == "R" and a.part == INTERVIEWER
            ]
            text = render(
                "replacement_withdrawn",
                round=f"{rnd.number}. {rnd.name}",
                candidate=loop.candidate_name,
                short_id=loop.short_id,
                cancelled=loop.status == LoopStatus.CANCELLED,
                runners=", ".join(mention(user) for user in dict.fromkeys(runners)),
            )
            if text == said:
                continue
            edits.append(
                Message.text_over(
                    ask.channel_id,
                    ask.ts,
                    text,
                    purpose=WITHDRAWN,
                    loop_id=loop.id,
                    actor=actor or loop.created_by,
                )
            )
    if edits:
        runtime.outbox.edit(edits, runtime.clock())
