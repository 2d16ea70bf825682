"""Calendar invites: the facts of one interview for one person, and the `.ics` files built from
them (an invite per round and person in their DM; the candidate's itinerary for the recruiter).

`invite_for` is the one place a round becomes an invite's facts; the `.ics` sent in Slack and
the events written to a calendar server are both built from what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from bot.store.models import Loop, LoopStatus, Round

PRODID = "-//loopbot//interview loops//EN"
ORGANIZER = "mailto:loopbot@invalid"
"""Who sends the invites: loopbot itself, which has no mailbox (replies go nowhere)."""


@dataclass(frozen=True)
class Invite:
    """One interview in one person's calendar. `uid` stays the same for the round and the
    person across every change; `sequence` grows with each change; `cancelled` when they no
    longer run it (swapped out, the loop or the round cancelled)."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    guide_link: str | None
    description: str
    cancelled: bool
    email: str | None = None

    @property
    def meeting_link(self) -> str | None:
        return self.place if self.place and self.place.startswith(("https://", "http://")) else None


def place_of(rnd: Round) -> str | None:
    """The round's place or meeting link, once rounds carry one (None before, or none set)."""
    return getattr(rnd, "place", None) or None


def invite_uid(loop: Loop, rnd: Round, user_id: str) -> str:
    """Stable for a round and a person: the same event is updated, never duplicated."""
    return f"{loop.short_id}-{rnd.number}-{user_id}@loopbot".lower()


def dm_link(channel_id: str | None) -> str | None:
    """A link that opens the person's DM with loopbot, where the round guide arrives."""
    return f"https://slack.com/app_redirect?channel={channel_id}" if channel_id else None


def invite_for(
    loop: Loop,
    rnd: Round,
    user_id: str,
    *,
    active: bool,
    title: str,
    guide_link: str | None = None,
    email: str | None = None,
    scores: bool = True,
) -> Invite | None:
    """The invite for `user_id` on `rnd` as things stand (None for a round with no time: an
    asynchronous round has nothing to put in a calendar). `active`: they still run it;
    `scores`: they write its scorecard (an observer does not)."""
    if rnd.starts_at is None:
        return None
    loop_cancelled = loop.status == LoopStatus.CANCELLED
    cancelled = not active or rnd.cancelled or loop_cancelled
    # Two steps a version (it grows with each reschedule and swap): a cancel, the loop's or
    # one person's leaving the round without a new version (a trainee stepping out), is the
    # odd one above the invite it withdraws, and the next version's invite is above both.
    sequence = 2 * max(rnd.version - 1, 0) + (1 if cancelled else 0)
    place = place_of(rnd)
    lines = [
        f"Round {rnd.number}. {rnd.name} of loop {loop.short_id} ({title}).",
        f"Where: {place}" if place else "",
        f"Round guide: in your DM with loopbot, {guide_link}"
        if guide_link
        else "Round guide: in your DM with loopbot.",
        f"Scorecard: the button under the guide, or /loop scorecard {loop.short_id} {rnd.number}."
        if scores
        else "",
    ]
    return Invite(
        uid=invite_uid(loop, rnd, user_id),
        sequence=sequence,
        summary=f"Interview: {rnd.name} with {loop.candidate_name}",
        starts_at=rnd.starts_at.astimezone(UTC),
        ends_at=(rnd.starts_at + timedelta(minutes=rnd.duration_minutes)).astimezone(UTC),
        place=place,
        guide_link=guide_link,
        description="\n".join(line for line in lines if line),
        cancelled=cancelled,
        email=email,
    )


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def vevent(invite: Invite, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", invite.starts_at)
    event.add("dtend", invite.ends_at)
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    if invite.place:
        event.add("location", invite.place)
    if invite.guide_link:
        event.add("url", invite.guide_link)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = vText("loopbot")
    event.add("organizer", organizer)
    if invite.email:
        attendee = vCalAddress(f"mailto:{invite.email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", attendee)
    return event


def invite_ics(invite: Invite, *, stamp: datetime) -> bytes:
    """The file for a person to add (METHOD:REQUEST) or to remove (METHOD:CANCEL)."""
    cal = _calendar("CANCEL" if invite.cancelled else "REQUEST")
    cal.add_component(vevent(invite, stamp=stamp))
    return cal.to_ical()


def stored_ics(invite: Invite, *, stamp: datetime) -> str:
    """The event as a calendar server stores it: no METHOD (RFC 4791 forbids it there)."""
    cal = _calendar(None)
    cal.add_component(vevent(invite, stamp=stamp))
    return cal.to_ical().decode()


def invite_filename(invite: Invite) -> str:
    return f"{'cancelled-' if invite.cancelled else ''}interview-{invite.uid.split('@')[0]}.ics"


@dataclass(frozen=True)
class Stop:
    """One round of the candidate's day, for the itinerary: a live round (`starts_at`), or a
    submission (`starts_at` None, due at `deadline`)."""

    number: int
    name: str
    starts_at: datetime | None
    minutes: int
    place: str | None
    cancelled: bool = False
    written_due: datetime | None = None
    """A hybrid round's written part, due before it."""
    deadline: datetime | None = None


def itinerary_ics(loop: Loop, stops: list[Stop], *, stamp: datetime) -> bytes:
    """Every timed round in the candidate's time zone, and each thing the candidate sends by a
    time (a submission, a hybrid round's written part) as an event at that time which does not
    take up the candidate's day: one file for the recruiter to forward (METHOD:CANCEL once the
    loop is cancelled with every stop called off; SEQUENCE grows with the loop's version)."""
    zone = ZoneInfo(loop.candidate_tz)
    cancelled = loop.status == LoopStatus.CANCELLED and all(stop.cancelled for stop in stops)
    cal = _calendar("CANCEL" if cancelled else "PUBLISH")
    cal.add("x-wr-timezone", loop.candidate_tz)

    def add(key: str, summary: str, start: datetime, end: datetime, stop: Stop) -> Event:
        event = Event()
        event.add("uid", f"{loop.short_id}-{key}-candidate@loopbot".lower())
        event.add("sequence", loop.version - 1)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", start.astimezone(zone))
        if end > start:  # a due time has no end: RFC 5545 takes it as a moment (3.6.1)
            event.add("dtend", end.astimezone(zone))
        event.add("summary", summary)
        event.add("status", "CANCELLED" if cancelled or stop.cancelled else "CONFIRMED")
        cal.add_component(event)
        return event

    for stop in stops:
        if stop.starts_at is None:
            if stop.deadline is not None:
                due = add(
                    f"{stop.number}-due",
                    f"Due: {stop.number}. {stop.name} (your submission)",
                    stop.deadline,
                    stop.deadline,
                    stop,
                )
                due.add("transp", "TRANSPARENT")
            continue
        end = stop.starts_at + timedelta(minutes=stop.minutes)
        event = add(
            str(stop.number), f"Interview {stop.number}. {stop.name}", stop.starts_at, end, stop
        )
        if stop.place:
            event.add("location", stop.place)
        if stop.written_due is not None:
            due = stop.written_due.astimezone(zone)
            event.add("description", f"Send the written part by {due:%a %d %b %H:%M} ({zone}).")
            part = add(
                f"{stop.number}-written",
                f"Due: the written part of {stop.number}. {stop.name}",
                stop.written_due,
                stop.written_due,
                stop,
            )
            part.add("transp", "TRANSPARENT")
    for tzid in sorted(cal.get_missing_tzids()):  # the one zone (its VTIMEZONE before events)
        cal.subcomponents.insert(0, _vtimezone(tzid))
    return cal.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> Timezone:
    """A zone's VTIMEZONE, built once a process: icalendar walks every transition from 1970 to
    2038 to build one (about 25 ms) and asks its callers to cache them. Calendars only read it."""
    return Timezone.from_tzid(tzid)
