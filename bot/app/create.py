"""Use cases for creating a loop: step 1 (checked, then the proposal) and step 2 (the proposal
as edited, checked, created in one transaction, then announced)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.app import Done
from bot.app.announce import announce_loop
from bot.app.calendars import calendar_busy, queue_events
from bot.documents.models import LoopTemplate
from bot.errors import FieldProblems, InvalidInput
from bot.loops.briefing import guide_rounds_at_creation, length_note
from bot.loops.ledger import Booking, Limits
from bot.loops.places import ASYNC, written_part_due
from bot.loops.requests import LoopRequest, Proposal, ProposedRound
from bot.loops.schedule import next_business_day
from bot.loops.service import create_loop, propose
from bot.loops.validate import validate_request, validate_schedule
from bot.reminders.plan import offsets_for
from bot.runtime import Runtime


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
        proposal = _proposal(runtime, session, request, asked)
    guide, briefed = guide_rounds_at_creation(
        runtime.library, template, request.candidate_key, request.briefed_round
    )
    # One live round the guide briefs: its length against the guide's plan (an asynchronous
    # round has no meeting to measure; several share the plan in ways it does not say).
    found = [r for r in proposal.rounds if r.number in briefed and r.format != ASYNC]
    one = found[0] if len(found) == len(briefed) == 1 else None
    note = length_note(guide, f"{one.number}. {one.name}", one.minutes) if one else ""
    return proposal.model_copy(update={"warnings": [note] if note else []})


@dataclass(frozen=True)
class RoundEdit:
    """What a person changed in step 2 for one round (None: kept as proposed)."""

    starts_at: datetime | None = None
    responsible: str | None = None
    responsible_given: bool = False
    place: str | None = None
    deadline: datetime | None = None
    written_due: datetime | None = None


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
            rounds=[_edited(r, edits.get(r.number), request) for r in proposed.rounds],
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


def _edited(proposed: ProposedRound, edit: RoundEdit | None, request: LoopRequest) -> ProposedRound:
    if edit is None:
        return proposed
    lead = edit.responsible if edit.responsible_given else proposed.responsible
    # A new lead taken from the panel trades places with the one proposed.
    co, seen = proposed.co_interviewers, proposed.observers
    if lead and lead != proposed.responsible and proposed.responsible:
        co = [proposed.responsible if u == lead else u for u in co]
        seen = [proposed.responsible if u == lead else u for u in seen]
    starts_at = None if proposed.asynchronous else edit.starts_at or proposed.starts_at
    # A written part left as proposed follows the time picked; one set by hand stays.
    written = edit.written_due
    if written is None or written == proposed.written_due:
        written = written_part_due(
            starts_at, proposed.format, request.candidate_tz, request.candidate_hours
        )
    return proposed.model_copy(
        update={
            "starts_at": starts_at,
            "written_due": written,
            "responsible": lead,
            "co_interviewers": co,
            "observers": seen,
            "place": (edit.place or "").strip()[:500] or proposed.place,
            "deadline": edit.deadline or proposed.deadline,
        }
    )
