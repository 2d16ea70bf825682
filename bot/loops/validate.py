"""Checking what a person asks for before a loop is created: step 1 and step 2 of `/loop create`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.documents import Library
from bot.documents.models import LoopTemplate, Role
from bot.loops.hours import parse_hours
from bot.loops.ledger import overlaps, week_of
from bot.loops.places import ahead_of_submission, written_part_due
from bot.loops.queries import bookings_between
from bot.loops.requests import LoopRequest, Proposal, ProposedRound
from bot.render import render
from bot.slack.format import zone_time
from bot.slack.messenger import SlackUser
from bot.store.models import Loop

MAX_ROUNDS_PER_INTERVIEWER = 2
MAX_NAME = 100
AHEAD = timedelta(days=366)
"""How far ahead a loop's first day may be: a year."""
BOOKABLE = 2 * AHEAD
"""How far ahead a round's time or deadline may be (step 2, a move by hand): two years, so
that every round of a loop whose first day step 1 took fits."""


def role_label(role: Role) -> str:
    return f"{role.name} ({role.code})"


def letters_by_role(template: LoopTemplate) -> dict[str, set[str]]:
    """Which RACI letters each role holds across the loop's rounds."""
    out: dict[str, set[str]] = {r.code: set() for r in template.roles}
    for rnd in template.rounds:
        for letter, codes in (
            ("R", rnd.responsible),
            ("A", rnd.accountable),
            ("C", rnd.consulted),
            ("I", rnd.informed),
        ):
            for code in codes:
                out[code].add(letter)
    return out


def _conflict(mine: set[str], theirs: set[str]) -> str | None:
    # RACI keeps the decision, the calibration and the interviewing in different hands.
    if ("A" in mine and theirs & {"R", "C"}) or ("A" in theirs and mine & {"R", "C"}):
        return "the person accountable for the decision can't also run or calibrate its rounds"
    if ("C" in mine and "R" in theirs) or ("C" in theirs and "R" in mine):
        return "the person calibrating the panel can't also be on it"
    return None


def pool_rounds(template: LoopTemplate, code: str) -> int:
    return sum(1 for r in template.rounds if code in r.responsible)


def validate_request(
    *,
    request: LoopRequest,
    template: LoopTemplate,
    library: Library,
    now: datetime,
    users: Mapping[str, SlackUser],
) -> dict[str, str]:
    """Step 1's problems, keyed by field ("candidate_name", "role:HM", "first_day", …)."""
    errors: dict[str, str] = {}
    name = request.candidate_name.strip()
    if not name:
        errors["candidate_name"] = "Enter the candidate's name."
    elif len(name) > MAX_NAME:
        errors["candidate_name"] = f"Keep the name under {MAX_NAME} characters."
    key = (request.candidate_key or "").strip()
    if key and not (library.guide_for(key) or library.context_for(key)):
        errors["candidate_key"] = (
            f"No candidate guide or context document has the key "
            f"`{key[:60]}`. Leave it empty or check the spelling."
        )
    if request.variant and template.variant(request.variant) is None:
        names = ", ".join(v.name for v in template.variants) or "none"
        errors["variant"] = f"{template.title} has no such variant (it has: {names})."
    if request.candidate_hours:
        try:
            parse_hours(request.candidate_hours)
        except ValueError as error:
            why = str(error)
            errors["candidate_hours"] = f"{why[:1].upper()}{why[1:]}."
    try:
        zone = ZoneInfo(request.candidate_tz.strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors["candidate_tz"] = "Use a time zone name such as Asia/Seoul or America/New_York."
        zone = None
    if zone is not None and request.first_day < now.astimezone(zone).date():
        errors["first_day"] = "Pick today or a later day."
    elif request.first_day > (now + AHEAD).date():
        errors["first_day"] = "Pick a day within the next year."

    letters = letters_by_role(template)
    held: dict[str, list[Role]] = {}
    for role in template.roles:
        picked = [u for u in request.people.get(role.code, []) if u]
        field = f"role:{role.code}"
        if not picked and not role.optional:
            errors[field] = f"Pick the {role_label(role)}."
            continue
        if len(picked) > 1 and not role.pool:
            errors[field] = f"Pick one person as {role_label(role)}."
            continue
        for user_id in picked:
            user = users.get(user_id)
            if user is not None and (user.deleted or user.is_bot):
                errors[field] = (
                    f"<@{user_id}> has left the workspace."
                    if user.deleted
                    else f"<@{user_id}> is a bot; pick a person."
                )
                break
            for earlier in held.get(user_id, []):
                why = _conflict(letters[earlier.code], letters[role.code])
                if why and field not in errors:
                    errors[field] = f"<@{user_id}> is already {role_label(earlier)}: {why}."
            held.setdefault(user_id, []).append(role)
        if role.pool and field not in errors and picked:
            needed = math.ceil(pool_rounds(template, role.code) / MAX_ROUNDS_PER_INTERVIEWER)
            if len(set(picked)) < needed:
                errors[field] = (
                    f"{template.title} has {pool_rounds(template, role.code)} rounds "
                    f"for the {role.name} pool: pick at least {needed} people "
                    f"to share them (at most {MAX_ROUNDS_PER_INTERVIEWER} each where their hours "
                    "allow)."
                )
    return errors


def validate_schedule(
    *, session: Session, proposal: Proposal, now: datetime, weekly_cap: int | None = None
) -> dict[str, str]:
    """Step 2's problems, keyed "round:N:time" or "round:N:owner": a time for every live round,
    nobody booked twice, nobody over the weekly cap."""
    errors: dict[str, str] = {}
    live = []
    for rnd in proposal.rounds:
        if rnd.responsible is None:
            errors[f"round:{rnd.number}:owner"] = rnd.problem or "Pick who runs this round."
        if rnd.asynchronous:
            # No slot: a submission deadline instead, in the future.
            if rnd.deadline is None or rnd.deadline <= now:
                errors[f"round:{rnd.number}:deadline"] = "Pick a submission deadline in the future."
            elif rnd.deadline > now + BOOKABLE:
                errors[f"round:{rnd.number}:deadline"] = "Pick a deadline within two years."
            continue
        if rnd.starts_at is None:
            errors[f"round:{rnd.number}:time"] = (
                "Pick a time: no time inside everyone's working day was found."
            )
        elif rnd.starts_at <= now:
            errors[f"round:{rnd.number}:time"] = "Pick a time in the future."
        elif rnd.starts_at > now + BOOKABLE:
            errors[f"round:{rnd.number}:time"] = "Pick a time within two years."
        elif written := _written_part(rnd, proposal.request, now):
            errors.update(written)
        elif early := _before_its_submission(proposal, rnd):
            errors[f"round:{rnd.number}:time"] = early
        elif rnd.responsible is not None:
            live.append(rnd)
    if not live:
        return errors
    live.sort(key=lambda r: (r.starts_at, r.number))
    first, last = live[0].starts_at, live[-1].starts_at
    assert first is not None and last is not None
    bookings = bookings_between(session, first - timedelta(days=7), last + timedelta(days=7))
    mine: list[tuple[ProposedRound, str, datetime]] = []
    for rnd in live:
        assert rnd.starts_at is not None
        field = f"round:{rnd.number}:owner"
        end = rnd.starts_at + timedelta(minutes=rnd.minutes)
        members = rnd.members
        if len(set(members)) < len(members):
            twice = next(u for u in members if members.count(u) > 1)
            errors[field] = f"<@{twice}> is already on this round's panel."
            continue
        for person in members:
            why = _booked(person, rnd, end, bookings, mine, weekly_cap)
            if why and field not in errors:
                errors[field] = why
        mine += [(rnd, person, end) for person in members]
    return errors


def written_part_passed(
    starts_at: datetime, fmt: str, loop: LoopRequest | Loop, now: datetime
) -> str | None:
    """Why a hybrid round cannot go at `starts_at`: its written part, due the candidate's day
    before, would be due already. None when it can (or it has no written part)."""
    due = written_part_due(starts_at, fmt, loop.candidate_tz, loop.candidate_hours)
    if due is None or due > now:
        return None
    return (
        f"Its written part would be due {zone_time(due, loop.candidate_tz)} for the candidate "
        f"({render('written_part_rule', own_hours=bool(loop.candidate_hours))}), which has "
        "passed: pick a later day."
    )


def _written_part(rnd: ProposedRound, request: LoopRequest, now: datetime) -> dict[str, str]:
    """A hybrid round's written part: due before its review and not already. Left as proposed it
    follows the review's time (so a later time is the answer); set by hand, its own field."""
    assert rnd.starts_at is not None
    following = written_part_due(
        rnd.starts_at, rnd.format, request.candidate_tz, request.candidate_hours
    )
    if rnd.written_due is None or rnd.written_due == following:
        passed = written_part_passed(rnd.starts_at, rnd.format, request, now)
        return {f"round:{rnd.number}:time": passed} if passed else {}
    field = f"round:{rnd.number}:written"
    if rnd.written_due <= now:
        return {field: "Pick a due time for the written part in the future."}
    if rnd.written_due >= rnd.starts_at:
        return {field: "Pick a due time for the written part before the review starts."}
    return {}


def _before_its_submission(proposal: Proposal, rnd: ProposedRound) -> str | None:
    """A live round after an asynchronous one builds on what the candidate sends: before the
    loop exists nothing is in yet, so its time must follow the submission deadline (a round
    pulled in once the work has arrived early is `/loop reschedule`'s to move)."""
    rounds = [(r.number, r.asynchronous, r.deadline) for r in proposal.rounds]
    first = ahead_of_submission(rounds, rnd.number, rnd.starts_at)
    source = next((r for r in proposal.rounds if r.number == first), None)
    if source is None or source.deadline is None:
        return None
    due = zone_time(source.deadline, proposal.request.candidate_tz)
    return (
        f"This round builds on {source.number}. {source.name}, due {due} for the candidate: "
        "pick a later time, or an earlier deadline."
    )


def _booked(person, rnd, end, bookings, mine, weekly_cap: int | None) -> str | None:
    """Why `person` cannot take `rnd` (ending at `end`), or None."""
    theirs = [b for b in bookings if b.user_id == person]
    if any(overlaps(b.starts_at, b.ends_at, rnd.starts_at, end) for b in theirs):
        return f"<@{person}> is already interviewing then, in another loop."
    clash = next(
        (
            o
            for o, who, o_end in mine
            if who == person and overlaps(o.starts_at, o_end, rnd.starts_at, end)
        ),
        None,
    )
    if clash is not None:
        return f"<@{person}> already runs {clash.name} at that time."
    if weekly_cap is not None:
        week = week_of(rnd.starts_at)
        taken = sum(1 for b in theirs if b.interview and week_of(b.starts_at) == week) + sum(
            1 for o, who, _ in mine if who == person and week_of(o.starts_at) == week
        )
        if taken >= weekly_cap:
            return (
                f"<@{person}> already has {taken} interview{'s' if taken != 1 else ''} that week "
                f"(the weekly cap is {weekly_cap})."
            )
    return None
