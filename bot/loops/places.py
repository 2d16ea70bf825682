"""What kind of round each one is and where it happens: a live round's place (a room or a
meeting link), an asynchronous round's submission deadline and, once the submission is in, its
review window. Read from the loop document (its variant, `places:`, `submission_days:`), then the
deployment's settings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.documents.markdown import normalize
from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.loops.hours import Hours, parse_hours
from bot.loops.requests import LoopRequest, Proposal

ASYNC = "async"
HYBRID = "hybrid"
ON_SITE = "on-site"
REMOTE = "remote"
DEADLINE_TIME = time(17, 0)
"""An asynchronous round's submission is due at this time of the candidate's day."""
SUBMISSION_DAYS = 3
REVIEW_DAYS = 2
_ASYNC_WORDS = re.compile(r"\b(async|asynchronous|take[- ]home|submission)\b", re.I)


def round_format(rnd: TemplateRound, template: LoopTemplate, variant_id: str | None) -> str:
    """The one decision of a round's format: the variant's word for it when the variant names
    the round (live, async, hybrid); else asynchronous when the round says so in its name or
    focus (an "Async Build", a take-home, a submission); else on-site."""
    variant = template.variant(variant_id) if variant_id else None
    vr = variant.round(rnd.number) if variant else None
    if vr is not None:
        return vr.format
    if _ASYNC_WORDS.search(f"{rnd.name} {rnd.focus}") and "live" not in rnd.name.lower():
        return ASYNC
    return ON_SITE


WEEKDAYS = frozenset(range(5))


def add_working_days(day: date, days: int, working: frozenset[int] = WEEKDAYS) -> date:
    """`days` of the `working` weekdays (0 = Monday; Monday to Friday unless given) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() in working:
            days -= 1
    return day


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def submission_deadline(
    first_day: date,
    candidate_tz: str,
    template: LoopTemplate,
    default_days: int | None,
    candidate_hours: str | None = None,
) -> datetime:
    """The document's `submission_days` (else the setting) working days after the loop's first
    day: the candidate's own days, at the end of their day, when step 1 gave their hours; else
    Monday to Friday, at the end of the candidate's afternoon."""
    days = template.submission_days or default_days or SUBMISSION_DAYS
    if candidate_hours:
        hours = parse_hours(candidate_hours)
        day, at = add_working_days(first_day, days, hours.days), hours.end
    else:
        day, at = add_working_days(first_day, days), DEADLINE_TIME
    return datetime.combine(day, at, tzinfo=_zone(candidate_tz)).astimezone(UTC)


def written_part_due(
    starts_at: datetime | None, fmt: str, candidate_tz: str, candidate_hours: str | None = None
) -> datetime | None:
    """A hybrid round's written part (an async write-up before a live review) is due at the end
    of the candidate's working day before the review's day, so that its interviewer has it the
    day before, with their guide: the candidate's own days and hours when step 1 gave them, else
    Monday to Friday at 17:00. None for any other round, or one without a time."""
    if fmt != HYBRID or starts_at is None:
        return None
    zone = _zone(candidate_tz)
    days, end = WEEKDAYS, DEADLINE_TIME
    if candidate_hours:
        hours = parse_hours(candidate_hours)
        days, end = hours.days, hours.end
    day = starts_at.astimezone(zone).date() - timedelta(days=1)
    while day.weekday() not in days:
        day -= timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def written_part_possible_from(
    now: datetime, candidate_tz: str, candidate_hours: str | None = None
) -> datetime:
    """The first day (its start, the candidate's) on which a hybrid round can be held with its
    written part still to come: the one whose working day before ends after `now`."""
    zone = _zone(candidate_tz)
    day = now.astimezone(zone).date() + timedelta(days=1)
    while True:
        start = datetime.combine(day, time(0), tzinfo=zone)
        due = written_part_due(start, HYBRID, candidate_tz, candidate_hours)
        if due is not None and due > now:
            return start.astimezone(UTC)
        day += timedelta(days=1)


def not_before(
    due: datetime | None, fmt: str, request: LoopRequest, now: datetime
) -> datetime | None:
    """When a live round may start: after the submission it builds on (`due`); a hybrid round
    on a day whose written part, due the candidate's working day before, is still ahead, and
    falls due after that submission (never two pieces of work due at once)."""
    if fmt != HYBRID:
        return due
    after = max(now, due) if due is not None else now
    return written_part_possible_from(after, request.candidate_tz, request.candidate_hours)


def after_submission(
    template: LoopTemplate,
    variant_id: str | None,
    first_day: date,
    candidate_tz: str,
    default_days: int | None,
    candidate_hours: str | None = None,
) -> dict[int, datetime]:
    """The live rounds that come after an asynchronous round in the loop's order, each with the
    submission deadline it follows: a later round builds on what the candidate sent (the
    document's scenario evolves from the Async Build on), so it is proposed once the work is
    due, never before."""
    due = submission_deadline(first_day, candidate_tz, template, default_days, candidate_hours)
    kinds = [(r.number, round_format(r, template, variant_id) == ASYNC) for r in template.rounds]
    return dict.fromkeys(following_a_submission(kinds), due)


def following_a_submission(rounds: list[tuple[int, bool]]) -> dict[int, int]:
    """Of the rounds given in the loop's order as (number, asynchronous), each live round after
    an asynchronous one, with the number of the first asynchronous round before it."""
    follows: dict[int, int] = {}
    first = None
    for number, asynchronous in rounds:
        if asynchronous:
            first = first or number
        elif first is not None:
            follows[number] = first
    return follows


def ahead_of_submission(
    rounds: list[tuple[int, bool, datetime | None]], number: int, starts_at: datetime | None
) -> int | None:
    """Of the rounds given in the loop's order as (number, asynchronous, submission deadline
    still awaited or None), the asynchronous round before live round `number` whose deadline
    comes after `starts_at` (the latest, when several do): a live round builds on every
    submission before it in the loop's order. None when it comes after them all."""
    awaited = []
    for n, asynchronous, due in rounds:
        if n == number:
            break
        if asynchronous and due is not None and starts_at is not None and starts_at < due:
            awaited.append((due, n))
    return max(awaited)[1] if awaited else None


def review_due(
    received_at: datetime, reviewer_tz: str | None, days: int | None, hours: Hours
) -> datetime:
    """The end of the review window: the end of the reviewer's day, `days` of their working
    days (their hours in App Home, else the deployment's) after the day it was received, in
    their zone, so that it never falls in their night."""
    zone = _zone(reviewer_tz)
    day = add_working_days(received_at.astimezone(zone).date(), days or REVIEW_DAYS, hours.days)
    return datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)


def place_for(
    template: LoopTemplate, variant_id: str | None, fmt: str, defaults: dict[str, str]
) -> str | None:
    """A live round's place: the document's `places:` for its variant, else for on-site or
    remote, else the deployment's `LOOPBOT_PLACES`; None for an asynchronous round."""
    if fmt == ASYNC:
        return None
    variant = template.variant(variant_id) if variant_id else None
    key = variant.id if variant else normalize(template.default_variant).replace(" ", "-")
    kind = REMOTE if REMOTE in key else ON_SITE
    settings = {normalize(k).replace(" ", "-"): v for k, v in defaults.items()}
    for source in (template.places, settings):
        if key in source:
            return source[key]
        if kind in source:
            return source[kind]
    return None


def decorate(
    proposal: Proposal,
    template: LoopTemplate,
    *,
    places: dict[str, str] | None = None,
    submission_days: int | None = None,
) -> Proposal:
    """The proposal with each live round's place and each asynchronous round's deadline (no
    slot). The assignment engine decides times and people; this step only adds where and by
    when."""
    request = proposal.request
    rounds = []
    for rnd in proposal.rounds:
        if rnd.asynchronous:
            deadline = rnd.deadline or submission_deadline(
                request.first_day,
                request.candidate_tz,
                template,
                submission_days,
                request.candidate_hours,
            )
            rounds.append(rnd.model_copy(update={"starts_at": None, "deadline": deadline}))
        else:
            place = rnd.place or place_for(template, request.variant, rnd.format, places or {})
            written = written_part_due(
                rnd.starts_at, rnd.format, request.candidate_tz, request.candidate_hours
            )
            rounds.append(rnd.model_copy(update={"place": place, "written_due": written}))
    return proposal.model_copy(update={"rounds": rounds})
