"""Use cases for loops: create (both steps), list, show, reschedule, swap, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.app import Done
from bot.app.announce import announce_change, announce_loop, dm_about
from bot.app.calendars import calendar_busy, queue_events
from bot.app.hours import hours_check, outside_hours
from bot.authz import Action, require
from bot.commands import parse_round
from bot.documents.models import LoopTemplate
from bot.errors import InvalidInput
from bot.loops import changes, submissions
from bot.loops.assignment import Booking, Limits
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
from bot.loops.requests import LoopRequest, Proposal, ProposedRound
from bot.loops.schedule import next_business_day
from bot.loops.service import create_loop, propose
from bot.loops.validate import validate_request, validate_schedule
from bot.loops.views import Snapshot, loop_card, loop_rows
from bot.reminders.plan import offsets_for
from bot.render import render
from bot.runtime import Runtime
from bot.slack.format import mention, slack_time
from bot.store.models import Loop, Round

CHANGE_NOTICE = "change_notice"


@dataclass(frozen=True)
class CreateStart:
    template: LoopTemplate
    tz: str
    first_day: date
    hours: str


def _today_and_tz(runtime: Runtime, user_id: str) -> tuple[date, str]:
    tz = runtime.messenger.user(user_id).tz
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = "UTC", ZoneInfo("UTC")
    return runtime.clock().astimezone(zone).date(), tz


def start_create(runtime: Runtime, *, actor: str, template_id: str | None) -> CreateStart:
    """What step 1 opens with: the document asked for (else the first by title), the person's
    own time zone and the next business day."""
    if not runtime.library.loops:
        raise InvalidInput("No loop documents are loaded; add one to the documents folder.")
    template = (
        runtime.library.loops.get(template_id or "")
        or sorted(runtime.library.loops.values(), key=lambda t: t.title)[0]
    )
    today, tz = _today_and_tz(runtime, actor)
    return CreateStart(
        template, tz, next_business_day(today), runtime.settings.working_hours.describe()
    )


def _offsets(runtime: Runtime, template: LoopTemplate) -> dict[str, int]:
    return offsets_for(runtime.settings.loopbot_reminders, template.reminder_offsets)


def limits(runtime: Runtime) -> Limits:
    settings = runtime.settings
    return Limits(
        weekly_cap=settings.loopbot_weekly_cap,
        daily_max=settings.loopbot_daily_max,
        buffer=timedelta(minutes=settings.loopbot_buffer_minutes),
    )


@dataclass(frozen=True)
class _Asked:
    """What a proposal needs from Slack and the calendars, asked before any transaction."""

    zones: dict[str, str]
    busy: list[Booking]
    unreadable: list[str]


def _ask_first(runtime: Runtime, request: LoopRequest) -> _Asked:
    template = runtime.library.loops[request.template_id]
    people = sorted(
        {u for held in request.people.values() for u in held if u}
        | {u for rnd in template.rounds for u in rnd.pinned}
        | set(template.trainees)
    )
    busy, unreadable = calendar_busy(runtime, request, template)
    return _Asked({u: runtime.messenger.user(u).tz for u in people}, busy, unreadable)


def _proposal(runtime: Runtime, session: Session, request: LoopRequest, asked: _Asked) -> Proposal:
    """The one run of the assignment engine, with the settings in force and everyone's time zone
    from Slack, for both steps."""
    proposal = propose(
        session=session,
        request=request,
        template=runtime.library.loops[request.template_id],
        now=runtime.clock(),
        zones=asked.zones,
        default_hours=runtime.settings.working_hours,
        limits=limits(runtime),
        places=runtime.settings.loopbot_places,
        submission_days=runtime.settings.loopbot_submission_days,
        busy=asked.busy,
        training=(
            runtime.settings.loopbot_training_shadows,
            runtime.settings.loopbot_training_reverse_shadows,
        ),
    )
    return proposal.model_copy(update={"unreadable": asked.unreadable})


def propose_loop(runtime: Runtime, *, request: LoopRequest) -> Proposal:
    """Step 1 checked (raises `FieldProblems`), then the proposed schedule."""
    template = runtime.library.loops.get(request.template_id)
    if template is None:
        raise FieldProblems({"template": "Pick a loop document."})
    picked = {u for people in request.people.values() for u in people}
    users = {u: runtime.messenger.user(u) for u in sorted(picked)}
    errors = validate_request(
        request=request,
        template=template,
        library=runtime.library,
        now=runtime.clock(),
        users=users,
    )
    if errors:
        raise FieldProblems(errors)
    asked = _ask_first(runtime, request)
    with runtime.db.read() as session:
        return _proposal(runtime, session, request, asked)


class FieldProblems(InvalidInput):
    """A modal's answers that cannot be used; `errors` name the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class RoundEdit:
    """What a person changed in step 2 for one round (None: kept as proposed)."""

    starts_at: datetime | None = None
    responsible: str | None = None
    responsible_given: bool = False
    place: str | None = None
    deadline: datetime | None = None


def create(
    runtime: Runtime, *, actor: str, request: LoopRequest, edits: dict[int, RoundEdit]
) -> Done:
    """Step 2: the proposal as edited, checked, created in one transaction; then the channel,
    the card and everyone's first messages."""
    template = runtime.library.loops.get(request.template_id)
    if template is None or request.created_by != actor:
        raise InvalidInput("That loop document is no longer loaded; start again.")
    now = runtime.clock()
    asked = _ask_first(runtime, request)
    with runtime.db.session() as session:
        proposed = _proposal(runtime, session, request, asked)
        edited = Proposal(
            request=request,
            rounds=[_edited(r, edits.get(r.number)) for r in proposed.rounds],
        )
        errors = validate_schedule(
            session=session, proposal=edited, now=now, weekly_cap=limits(runtime).weekly_cap
        )
        if errors:
            raise FieldProblems(errors)
        loop = create_loop(
            session=session,
            proposal=edited,
            template=template,
            now=now,
            offsets=_offsets(runtime, template),
        )
        queue_events(runtime, session, loop, actor=actor)
        loop_id, short_id = loop.id, loop.short_id
    assert loop_id is not None

    def announce() -> None:
        announce_loop(runtime=runtime, loop_id=loop_id)
        runtime.kick()

    return Done(short_id, announce)


def _edited(proposed: ProposedRound, edit: RoundEdit | None) -> ProposedRound:
    if edit is None:
        return proposed
    lead = edit.responsible if edit.responsible_given else proposed.responsible
    # A new lead taken from the panel trades places with the one proposed.
    co, seen = proposed.co_interviewers, proposed.observers
    if lead and lead != proposed.responsible and proposed.responsible:
        co = [proposed.responsible if u == lead else u for u in co]
        seen = [proposed.responsible if u == lead else u for u in seen]
    return proposed.model_copy(
        update={
            "starts_at": None if proposed.asynchronous else edit.starts_at or proposed.starts_at,
            "responsible": lead,
            "co_interviewers": co,
            "observers": seen,
            "place": (edit.place or "").strip()[:500] or proposed.place,
            "deadline": edit.deadline or proposed.deadline,
        }
    )


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
    the loop's other messages."""
    if done.loop_id is not None:
        dm_about(runtime, done.loop_id, actor, purpose=CHANGE_NOTICE, text=done.text)
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
        loop = find_loop(session, ref)
        number = parse_round([(r.number, r.name) for r in rounds_of(session, loop)], round_ref)
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
        awaited = changes.awaited_submission(session, loop, rnd)
        due = slack_time(awaited.deadline) if awaited and awaited.deadline else None
        text = render("round_changed", new_user=None, awaited=awaited, due=due, **said)
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
    with runtime.db.session() as session:
        loop = find_loop(session, ref)
        number = parse_round([(r.number, r.name) for r in rounds_of(session, loop)], round_ref)
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
        )
        queue_events(runtime, session, loop, actor=actor, round_ids={rnd.id or 0})
        said = {"number": rnd.number, "round_name": rnd.name, "short_id": loop.short_id}
        observes = any(
            a.round_id == rnd.id and a.user_id == new_user and a.letter == OBSERVER
            for a in assignments_of(session, loop)
        )
        text = render("round_changed", new_user=new_user, observes=observes, awaited=None, **said)
        check = hours_check(session, rnd, [new_user])
        loop_id = loop.id
    assert loop_id is not None
    return _changed(runtime, loop_id, text + outside_hours(runtime, check), actor)


def _runners(session: Session, loop: Loop, rnd: Round) -> list[str]:
    return [
        a.user_id for a in assignments_of(session, loop) if a.round_id == rnd.id and a.letter == "R"
    ]


def mark_received(runtime: Runtime, *, actor: str, ref: str, round_ref: str) -> Done:
    """The recruiter has the candidate's submission (the card's button): the reviewer's window
    starts, in the reviewer's own working days."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        number = parse_round([(r.number, r.name) for r in rounds_of(session, loop)], round_ref)
        reviewer = submissions.reviewer_of(
            session, loop, submissions.waiting_round(session, loop, number)
        )
    reviewer_tz = runtime.messenger.user(reviewer).tz if reviewer else None
    with runtime.db.session() as session:
        loop = find_loop(session, ref)
        rnd = submissions.mark_received(
            session=session,
            loop=loop,
            round_number=number,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
            offsets=_offsets_of(runtime, session, loop),
            reviewer_tz=reviewer_tz,
            review_days=runtime.settings.loopbot_review_days,
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
        loop = find_loop(session, ref)
        changes.cancel(
            session=session,
            loop=loop,
            actor=actor,
            admins=runtime.settings.loopbot_admins,
            now=runtime.clock(),
        )
        queue_events(runtime, session, loop, actor=actor)
        loop_id, short_id = loop.id, loop.short_id
    assert loop_id is not None
    return _changed(
        runtime, loop_id, f"Loop `{short_id}` is cancelled; everyone in it is being told.", actor
    )
