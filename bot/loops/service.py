"""Creating a loop: check step 1, propose a schedule, check step 2, create in one transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from bot.authz import told_of_loop
from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.loops.assignment import explain_gap, plan, search_end
from bot.loops.hours import DEFAULT_HOURS, Hours, WorkingDay, hours_or, parse_hours, stored_hours
from bot.loops.ledger import Booking, Limits, RoundNeed
from bot.loops.panels import OBSERVER, panel_reminders, round_problem, unique
from bot.loops.places import (
    ASYNC,
    after_submission,
    decorate,
    not_before,
    round_format,
)
from bot.loops.queries import LOOP_ROLE, SHADOW, bookings_between, last_assigned, recruiter_roles
from bot.loops.requests import LoopRequest, Proposal, ProposedRound
from bot.loops.training import in_training, progress
from bot.loops.validate import letters_by_role
from bot.reminders.plan import Kind, notice
from bot.store.models import Assignment, AuditEntry, Loop, Reminder, Round, TemplateVersion

SHORT_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def round_minutes(
    rnd: TemplateRound, template: LoopTemplate, variant_id: str | None
) -> tuple[int, str]:
    """(minutes, format) of a round in the chosen variant."""
    variant = template.variant(variant_id) if variant_id else None
    vr = variant.round(rnd.number) if variant else None
    minutes = (vr.minutes_max if vr else None) or rnd.duration_minutes
    return minutes, round_format(rnd, template, variant_id)


def propose(
    *,
    session: Session,
    request: LoopRequest,
    template: LoopTemplate,
    now: datetime,
    zones: dict[str, str] | None = None,
    default_hours: Hours | None = None,
    limits: Limits | None = None,
    places: dict[str, str] | None = None,
    submission_days: int | None = None,
    busy: list[Booking] | None = None,
    training: tuple[int, int] = (2, 2),
) -> Proposal:
    """Times inside the candidate's and each interviewer's working day, and a Responsible per
    round from its pool (or the person holding its role). `zones` is each person's time zone
    (someone missing from it is taken to share the candidate's); `default_hours` the working
    day of everyone who has not set their own, and of the candidate; `busy` the people's
    calendar meetings, kept clear like interviews (not counted as load); `training` the shadows
    and reverse shadows a trainee needs (`bot.loops.training`). Then each live round's place
    and each asynchronous round's submission deadline (`places.decorate`)."""
    zones = zones or {}
    default_hours = default_hours or parse_hours(DEFAULT_HOURS)
    lengths = {r.number: round_minutes(r, template, request.variant) for r in template.rounds}
    pools = {r.code for r in template.roles if r.pool}
    learning = progress(
        session, template.trainees, now=now, shadows=training[0], reverse_shadows=training[1]
    )
    parts = {u: p.next_part for u, p in learning.items() if p.next_part}
    follows = after_submission(
        template,
        request.variant,
        request.first_day,
        request.candidate_tz,
        submission_days,
        request.candidate_hours,
    )
    needs = []
    for rnd in template.rounds:
        minutes, fmt = lengths[rnd.number]
        people = [u for code in rnd.responsible for u in request.people.get(code, [])]
        panel = {}
        if not set(rnd.responsible) & pools:
            people = people[:1]
        else:
            people = [u for u in people if u not in in_training(learning)]
            panel = {
                "seats": rnd.panel,
                "minimum": rnd.panel_min,
                "observers": 0 if fmt == ASYNC else rnd.observers,
                "pinned": tuple(rnd.pinned),
                "trainees": ()
                if fmt == ASYNC
                else tuple(u for u in template.trainees if u in parts),
            }
        needs.append(
            RoundNeed(
                rnd.number,
                minutes,
                tuple(people),
                asynchronous=fmt == ASYNC,
                not_before=not_before(follows.get(rnd.number), fmt, request, now),
                **panel,
            )
        )
    everyone = sorted({u for need in needs for u in (*need.pool, *need.pinned, *need.trainees)})
    saved = stored_hours(session, everyone)
    hours = {
        u: WorkingDay(zones.get(u, request.candidate_tz), saved.get(u, default_hours))
        for u in everyone
    }
    candidate = WorkingDay(request.candidate_tz, hours_or(request.candidate_hours, default_hours))
    start = datetime.combine(request.first_day, time(0), tzinfo=UTC)
    end = datetime.combine(search_end(request.first_day, follows.values(), candidate), time(0), UTC)
    bookings = [
        *bookings_between(session, start - timedelta(days=7), end + timedelta(days=14)),
        *(busy or []),
    ]
    placed = plan(
        rounds=needs,
        candidate=candidate,
        first_day=request.first_day,
        hours=hours,
        bookings=bookings,
        last_assigned=last_assigned(session, everyone),
        limits=limits or Limits(),
        not_before=now,
    )
    rounds, gaps = [], {}
    for rnd, need, got in zip(template.rounds, needs, placed, strict=True):
        minutes, fmt = lengths[rnd.number]
        if not need.asynchronous and got.starts_at is None:
            gaps[rnd.number] = explain_gap(
                need, got, candidate, hours, request.first_day, end.date()
            )
        rounds.append(
            ProposedRound(
                number=rnd.number,
                name=rnd.name,
                starts_at=got.starts_at,
                minutes=minutes,
                format=fmt,
                responsible=got.user_id,
                problem=round_problem(need, got),
                co_interviewers=list(got.panel[1:]),
                observers=list(got.observers),
                unpinned=list(got.unpinned),
                trainee=got.trainee,
                trainee_part=parts.get(got.trainee or ""),
            )
        )
    proposal = Proposal(
        request=request,
        rounds=rounds,
        gaps=gaps,
        zones={u: hours[u].tz for u in everyone},
        candidate_day=candidate.hours.describe(),
    )
    return decorate(proposal, template, places=places, submission_days=submission_days)


def template_record(session: Session, template: LoopTemplate) -> TemplateVersion:
    """The stored version of this document as loopbot understands it now, saved the first time
    a loop uses it. Keyed by what was understood, not by the file alone: the same text read by a
    newer loopbot (a section now kept, a reader now named) is a version of its own, and loops
    created before keep theirs."""
    body = template.model_dump(mode="json")
    understood = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    record = session.exec(
        select(TemplateVersion).where(
            TemplateVersion.template_id == template.id, TemplateVersion.sha256 == understood
        )
    ).first()
    if record is None:
        record = TemplateVersion(
            template_id=template.id,
            version=template.version,
            sha256=understood,
            title=template.title,
            body=body,
        )
        session.add(record)
        session.flush()
    return record


def new_short_id(session: Session) -> str:
    while True:
        short = "L" + "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(4))
        if session.exec(select(Loop.id).where(Loop.short_id == short)).first() is None:
            return short


def create_loop(
    *,
    session: Session,
    proposal: Proposal,
    template: LoopTemplate,
    now: datetime,
    offsets: dict[str, int],
) -> Loop:
    """The loop, its rounds, every RACI assignment, and the first messages, in one transaction."""
    request = proposal.request
    loop = Loop(
        short_id=new_short_id(session),
        candidate_name=request.candidate_name.strip(),
        candidate_key=(request.candidate_key or "").strip() or None,
        template_version_id=template_record(session, template).id,
        variant=request.variant,
        briefed_round=request.briefed_round,
        candidate_tz=request.candidate_tz.strip(),
        candidate_hours=request.candidate_hours,
        created_by=request.created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(loop)
    session.flush()
    holders: list[Assignment] = []
    for role in template.roles:
        for user_id in dict.fromkeys(request.people.get(role.code, [])):
            holders.append(
                Assignment(
                    loop_id=loop.id,
                    letter=LOOP_ROLE,
                    role_code=role.code,
                    user_id=user_id,
                    created_at=now,
                )
            )
    held = {(h.role_code, h.user_id) for h in holders}
    for proposed in proposal.rounds:
        spec = template.round(proposed.number)
        code = _first_pool(spec.responsible, {r.code for r in template.roles if r.pool})
        if proposed.trainee and code and (code, proposed.trainee) not in held:
            held.add((code, proposed.trainee))
            holders.append(
                Assignment(
                    loop_id=loop.id,
                    letter=LOOP_ROLE,
                    role_code=code,
                    user_id=proposed.trainee,
                    created_at=now,
                )
            )
    session.add_all(holders)
    by_number = {r.number: r for r in proposal.rounds}
    pools = {r.code for r in template.roles if r.pool}
    reminders: list[Reminder] = []
    for spec in template.rounds:
        proposed = by_number[spec.number]
        rnd = Round(
            loop_id=loop.id,
            number=spec.number,
            name=spec.name,
            starts_at=proposed.starts_at,
            duration_minutes=proposed.minutes,
            format=proposed.format,
            place=proposed.place,
            deadline=proposed.deadline,
            written_due=proposed.written_due,
        )
        session.add(rnd)
        session.flush()
        responsible = _round_people(rnd, spec, request, proposed, pools, now)
        session.add_all(responsible)
        session.flush()
        a_row = next((a for a in responsible if a.letter == "A"), None)
        reminders += panel_reminders(rnd, responsible, a_row, now=now, offsets=offsets)
    session.flush()
    reminders += loop_notices(loop, template, holders, Kind.SUMMARY, now=now)
    recruiters = recruiter_roles(template)
    reminders += [
        notice(Kind.ITINERARY, holder, version=loop.version, now=now)
        for holder in holders
        if holder.role_code in recruiters
    ]
    session.add_all(unique(reminders))
    session.add(
        AuditEntry(
            at=now,
            actor=request.created_by,
            action="loop.created",
            loop_id=loop.id,
            detail={
                "template": template.id,
                "version": template.version,
                "rounds": len(template.rounds),
            },
        )
    )
    return loop


def _round_people(
    rnd: Round,
    spec: TemplateRound,
    request: LoopRequest,
    proposed: ProposedRound,
    pools: set[str],
    now: datetime,
) -> list[Assignment]:
    """R, A, C and I for one round: pool roles give the chosen panel (its observers as O),
    other roles their holder."""
    rows = []
    panel = [u for u in (proposed.responsible, *proposed.co_interviewers) if u]
    for letter, codes in (
        ("R", spec.responsible),
        ("A", spec.accountable),
        ("C", spec.consulted),
        ("I", spec.informed),
    ):
        for code in codes:
            if letter == "R" and code in pools:
                people = panel if code == _first_pool(codes, pools) else []
            else:
                people = request.people.get(code, [])
            for user_id in dict.fromkeys(people):
                rows.append(
                    Assignment(
                        loop_id=rnd.loop_id,
                        round_id=rnd.id,
                        letter=letter,
                        role_code=code,
                        user_id=user_id,
                        created_at=now,
                    )
                )
    code = _first_pool(spec.responsible, pools)
    if proposed.trainee and code:
        rows.append(
            Assignment(
                loop_id=rnd.loop_id,
                round_id=rnd.id,
                letter="R",
                role_code=code,
                user_id=proposed.trainee,
                part=proposed.trainee_part or SHADOW,
                created_at=now,
            )
        )
    rows += [
        Assignment(
            loop_id=rnd.loop_id,
            round_id=rnd.id,
            letter=OBSERVER,
            role_code=code or spec.responsible[0],
            user_id=user_id,
            created_at=now,
        )
        for user_id in dict.fromkeys(proposed.observers)
    ]
    return rows


def _first_pool(codes: list[str], pools: set[str]) -> str | None:
    return next((c for c in codes if c in pools), None)


def loop_notices(
    loop: Loop,
    template: LoopTemplate,
    holders: list[Assignment],
    accountable_kind: Kind,
    *,
    now: datetime,
    round_id: int | None = None,
) -> list[Reminder]:
    """Loop-wide messages: the Accountable's summary, the Consulted's calibration brief, the
    Informed's status card (finalists-only roles only once the candidate is a finalist)."""
    letters = letters_by_role(template)
    finalists_only = {r.code for r in template.roles if r.finalists_only}
    out = []
    for holder in holders:
        held = letters.get(holder.role_code, set())
        if "A" in held:
            kind = accountable_kind
        elif "C" in held:
            kind = Kind.CALIBRATE if accountable_kind is Kind.SUMMARY else accountable_kind
        elif "I" in held and told_of_loop(
            finalists_only=holder.role_code in finalists_only, finalist=loop.finalist
        ):
            kind = Kind.STATUS if accountable_kind is Kind.SUMMARY else accountable_kind
        else:
            continue
        out.append(notice(kind, holder, version=loop.version, now=now, round_id=round_id))
    return out
