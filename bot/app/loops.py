"""Use cases for loops once they exist: list, show, reschedule, swap, mark a submission received,
cancel (creating one: bot/app/create.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.app import Done
from bot.app.announce import announce_change, dm_about
from bot.app.calendars import queue_events
from bot.app.hours import hours_check, outside_hours
from bot.authz import Action, require
from bot.commands import parse_round
from bot.errors import InvalidInput
from bot.loops import changes, submissions
from bot.loops.listing import loop_rows
from bot.loops.locks import loop_to_change
from bot.loops.queries import (
    OBSERVER,
    assignments_of,
    find_loop,
    find_loop_row,
    round_names,
    rounds_of,
    standing,
    template_of,
)
from bot.loops.status import ahead
from bot.loops.views import Snapshot, loop_card
from bot.reminders.plan import offsets_for
from bot.render import render
from bot.runtime import Runtime
from bot.slack.format import mention, slack_time, zone_time
from bot.store.models import Loop, Round

CHANGE_NOTICE = "change_notice"


def list_loops(runtime: Runtime, *, actor: str) -> list[dict]:
    """The loops the person is part of, status only."""
    with runtime.db.read() as session:
        return loop_rows(session, actor, runtime.clock(), admins=runtime.settings.loopbot_admins)


def show_loop(runtime: Runtime, *, actor: str, ref: str) -> dict:
    """One loop's card (status only) for someone allowed to see it."""
    with runtime.db.read() as session:
        # One read of the loop's rounds and people serves both the person's standing and the card.
        snap = Snapshot.find(session, ref)
        loop = snap.loops[0]
        who = snap.standing(loop, actor, runtime.settings.loopbot_admins)
        require(Action.VIEW_STATUS, who, loop=loop.short_id)
        return loop_card(session, loop, snap)


def change_form(runtime: Runtime, *, actor: str, ref: str) -> tuple[str, list[tuple[int, str]]]:
    """(short id, rounds) for the reschedule and swap modals, once the person may change it."""
    with runtime.db.read() as session:
        loop = find_loop_row(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        require(Action.CHANGE, who, loop=loop.short_id)
        return loop.short_id, round_names(session, loop.id)


def _changed(runtime: Runtime, loop_id: int, text: str, actor: str) -> Done:
    def follow_up() -> None:
        announce_change(runtime=runtime, loop_id=loop_id, actor=actor)
        runtime.kick()

    return Done(text, follow_up, loop_id)


def confirm_by_dm(runtime: Runtime, *, actor: str, done: Done) -> None:
    """A change made from a modal has no reply to answer in: the person gets a DM, recorded with
    the loop's other messages. The change's follow-ups run whether or not the DM could be sent:
    the change is made."""
    try:
        if done.loop_id is not None and done.text:
            dm_about(runtime, done.loop_id, actor, purpose=CHANGE_NOTICE, text=done.text)
    finally:
        done.then()


def _offsets_of(runtime: Runtime, session: Session, loop: Loop) -> dict[str, int]:
    return offsets_for(
        runtime.settings.loopbot_reminders, template_of(session, loop).reminder_offsets
    )


def reschedule_round(
    runtime: Runtime, *, actor: str, ref: str, round_ref: str, starts_at: datetime
) -> Done:
    """Move a round (from `/loop reschedule` or the card's modal)."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        rounds = rounds_of(session, loop)
        number = parse_round([(r.number, r.name) for r in rounds], round_ref)
        was = next(r.starts_at for r in rounds if r.number == number)
        rnd = changes.reschedule(
            session=session,
            loop=loop,
            round_number=number,
            starts_at=starts_at,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
            offsets=_offsets_of(runtime, session, loop),
        )
        queue_events(runtime, session, loop, actor=actor, round_ids={rnd.id or 0})
        said = {"number": rnd.number, "round_name": rnd.name, "short_id": loop.short_id}
        awaited = submissions.awaited_submission(session, loop, rnd)
        due = slack_time(awaited.deadline) if awaited and awaited.deadline else None
        written = rnd.written_due
        text = render(
            "round_changed",
            new_user=None,
            awaited=awaited,
            due=due,
            review_due=None,
            written_due=zone_time(written, loop.candidate_tz) if written else "",
            own_hours=bool(loop.candidate_hours),
            moved_to=slack_time(starts_at),
            moved_from=slack_time(was) if was else "",
            candidate_time=zone_time(starts_at, loop.candidate_tz),
            **said,
        )
        check = hours_check(session, rnd, _runners(session, loop, rnd), candidate=loop)
        loop_id = loop.id
    assert loop_id is not None
    return _changed(runtime, loop_id, text + outside_hours(runtime, check), actor)


def swap_round(
    runtime: Runtime, *, actor: str, ref: str, round_ref: str, new_user: str, old: str | None = None
) -> Done:
    """Give a round (on a panel, `old`'s seat, else the lead's) to someone else (from
    `/loop swap` or the card's modal)."""
    if runtime.messenger.user(new_user).deleted:
        raise InvalidInput(f"<@{new_user}> has left the workspace.")
    review = review_clock(runtime, new_user)
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        rounds = rounds_of(session, loop)
        number = parse_round([(r.number, r.name) for r in rounds], round_ref)
        due_before = next(r.review_due for r in rounds if r.number == number)
        rnd = changes.swap(
            session=session,
            loop=loop,
            round_number=number,
            new_user=new_user,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
            offsets=_offsets_of(runtime, session, loop),
            old_user=old,
            review=review,
        )
        queue_events(runtime, session, loop, actor=actor, round_ids={rnd.id or 0})
        said = {"number": rnd.number, "round_name": rnd.name, "short_id": loop.short_id}
        observes = any(
            a.round_id == rnd.id and a.user_id == new_user and a.letter == OBSERVER
            for a in assignments_of(session, loop)
        )
        reviewed = rnd.review_due if rnd.review_due != due_before else None  # a window anew
        text = render(
            "round_changed",
            new_user=new_user,
            observes=observes,
            awaited=None,
            review_due=slack_time(reviewed) if reviewed else None,
            review_days=review.days,
            written_due="",
            moved_to="",
            **said,
        )
        check = hours_check(session, rnd, [new_user])
        loop_id = loop.id
    assert loop_id is not None
    return _changed(runtime, loop_id, text + outside_hours(runtime, check), actor)


def _runners(session: Session, loop: Loop, rnd: Round) -> list[str]:
    return [
        a.user_id for a in assignments_of(session, loop) if a.round_id == rnd.id and a.letter == "R"
    ]


def review_clock(runtime: Runtime, reviewer: str | None) -> submissions.ReviewClock:
    """How `reviewer`'s window is counted (their zone asked of Slack: before a transaction)."""
    s = runtime.settings
    tz = runtime.messenger.user(reviewer).tz if reviewer else None
    return submissions.ReviewClock(reviewer, tz, s.loopbot_review_days, s.working_hours)


def mark_received(runtime: Runtime, *, actor: str, ref: str, round_ref: str) -> Done:
    """The recruiter has the candidate's submission (the card's button): the reviewer's window
    starts, in the reviewer's own working days."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        number = parse_round([(r.number, r.name) for r in rounds_of(session, loop)], round_ref)
        reviewer = submissions.reviewer_of(
            session, loop, submissions.waiting_round(session, loop, number)
        )
    review = review_clock(runtime, reviewer)
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        rnd = submissions.mark_received(
            session=session,
            loop=loop,
            round_number=number,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
            offsets=_offsets_of(runtime, session, loop),
            review=review,
        )
        assert rnd.review_due is not None
        text = (
            f"Submission for {rnd.number}. {rnd.name} of loop `{loop.short_id}` received: "
            f"{mention(reviewer)} reviews it by {slack_time(rnd.review_due)}."
        )
        loop_id = loop.id
    assert loop_id is not None
    return _changed(runtime, loop_id, text, actor)


def cancel_loop(runtime: Runtime, *, actor: str, ref: str) -> Done:
    """Cancel a loop (from `/loop cancel` or the card's button)."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        changes.cancel(
            session=session,
            loop=loop,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
        )
        # The events of rounds still ahead are cancelled; an interview already held stays.
        still = {r.id or 0 for r in ahead(session, loop, runtime.clock())}
        queue_events(runtime, session, loop, actor=actor, round_ids=still)
        loop_id, short_id = loop.id, loop.short_id
    assert loop_id is not None
    return _changed(
        runtime, loop_id, f"Loop `{short_id}` is cancelled; everyone in it is being told.", actor
    )
