"""Use cases for calendars: the people's busy time for a proposal, and queuing the interview
events a change to a loop implies (written by the outbox)."""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.calendars import Busy, CalendarBackend
from bot.calendars.sync import queue_event_writes
from bot.documents.models import LoopTemplate
from bot.errors import SlackUnavailable
from bot.loops.assignment import HORIZON
from bot.loops.ledger import Booking
from bot.loops.places import after_submission
from bot.loops.queries import bookings_between
from bot.loops.requests import LoopRequest
from bot.runtime import Runtime
from bot.store.models import Loop

log = logging.getLogger(__name__)

BUSY_DEADLINE_S = 2.0
BUSY_WINDOW = HORIZON + timedelta(days=2)
"""How far busy time is read, from the day before the first, or from the submission deadline
the live rounds after an asynchronous one follow (the proposal's rounds fall in it, whatever
the zones)."""
# Busy time is not interview load, where the engine tells the two apart.
_NOT_INTERVIEWS = (
    {"interview": False} if "interview" in {f.name for f in dataclasses.fields(Booking)} else {}
)


def calendar_busy(
    runtime: Runtime, request: LoopRequest, template: LoopTemplate
) -> tuple[list[Booking], list[str]]:
    """The meetings in the calendars of everyone picked in step 1 to run rounds, as bookings
    for the engine, and who could not be read (no e-mail, calendar down or refused): never a
    failure, the proposal goes on without their busy time."""
    calendar = runtime.calendar
    if calendar is None:
        return [], []
    runners = {code for rnd in template.rounds for code in rnd.responsible}
    people = sorted(
        {u for code in runners for u in request.people.get(code, [])}
        | {u for rnd in template.rounds for u in rnd.pinned}
    )
    emails: dict[str, str] = {}
    unreadable: list[str] = []
    for user_id in people:
        try:
            email = runtime.messenger.user(user_id).email.strip().lower()
        except SlackUnavailable:
            email = ""
        if email:
            emails[user_id] = email
        else:
            unreadable.append(user_id)
    zone = ZoneInfo(request.candidate_tz)
    start = datetime.combine(request.first_day, time(0), zone) - timedelta(days=1)
    follows = after_submission(
        template,
        request.variant,
        request.first_day,
        request.candidate_tz,
        runtime.settings.loopbot_submission_days,
        request.candidate_hours,
    )
    end = max([start, *follows.values()]) + BUSY_WINDOW
    busy = _read_within(calendar, sorted(set(emails.values())), start, end)
    with runtime.db.read() as session:  # loopbot's own interviews are booked already
        known = {(b.user_id, b.starts_at, b.ends_at) for b in bookings_between(session, start, end)}
    bookings = []
    for user_id, email in emails.items():
        if email in busy.unreadable:
            unreadable.append(user_id)
            continue
        bookings += [
            Booking(user_id, s, e, **_NOT_INTERVIEWS)
            for s, e in busy.periods.get(email, [])
            if (user_id, s, e) not in known
        ]
    if unreadable:
        log.info("calendars not read", extra={"people": len(unreadable)})
    return bookings, sorted(unreadable)


def _read_within(
    calendar: CalendarBackend, emails: list[str], start: datetime, end: datetime
) -> Busy:
    """Everyone's busy time, read side by side; whoever's calendar has not answered within
    BUSY_DEADLINE_S is unreadable (step 2 must answer Slack within its 3 seconds)."""
    out = Busy()
    if not emails:
        return out
    pool = ThreadPoolExecutor(max_workers=min(8, len(emails)), thread_name_prefix="loopbot-busy")
    futures = {pool.submit(calendar.busy, [email], start, end): email for email in emails}
    done, late = wait(futures, timeout=BUSY_DEADLINE_S)
    pool.shutdown(wait=False, cancel_futures=True)
    for future in done:
        try:
            answer = future.result()
        except Exception:  # noqa: BLE001 - a backend's own failure: unreadable, not free
            out.unreadable.add(futures[future])
            continue
        out.periods.update(answer.periods)
        out.unreadable |= answer.unreadable
    out.unreadable |= {futures[future] for future in late}
    return out


def queue_events(
    runtime: Runtime,
    session: Session,
    loop: Loop,
    *,
    actor: str,
    round_ids: set[int] | None = None,
) -> None:
    """In the change's own transaction: the calendar events to write for these rounds."""
    if runtime.calendar is not None:
        queue_event_writes(session, loop, now=runtime.clock(), actor=actor, round_ids=round_ids)
