"""Opening the debrief once, posting its summary, and recording the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.authz import Action, Standing, require, told_of_loop
from bot.debrief.summary import CardIn, Summary, summarize
from bot.documents import Library
from bot.documents.models import LoopTemplate, ValueMapping, ValueStatus
from bot.errors import InvalidInput
from bot.loops.queries import (
    LOOP_ROLE,
    TRAINEE_PARTS,
    AnyLoop,
    assignments_of,
    template_of,
)
from bot.loops.status import round_statuses
from bot.reminders.plan import Kind, notice
from bot.scorecards.service import all_in
from bot.store.models import AuditEntry, Decision, Loop, LoopStatus, Scorecard


class Outcome(StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"
    HOLD = "hold"

    @property
    def label(self) -> str:
        return {"hire": "Hire", "no_hire": "No hire", "hold": "Hold"}[self.value]

    @property
    def advances(self) -> bool:
        return self is Outcome.HIRE


def claim_debrief(session: Session, loop: Loop, now: datetime, *, early: bool = False) -> bool:
    """Open the debrief exactly once, however many last submissions race: True for the winner."""
    if not early and not all_in(session, loop):
        return False
    result = session.exec(  # type: ignore[call-overload]
        update(Loop)
        .where(col(Loop.id) == loop.id, col(Loop.debrief_opened_at).is_(None))
        .values(debrief_opened_at=now, status=LoopStatus.DEBRIEF, updated_at=now)
    )
    return result.rowcount == 1


def open_early(session: Session, loop: Loop, who: Standing, now: datetime) -> bool:
    """The Accountable opens the debrief before every scorecard is in."""
    require(Action.OPEN_DEBRIEF, who, loop=loop.short_id)
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    claimed = claim_debrief(session, loop, now, early=True)
    if claimed:
        session.add(
            AuditEntry(
                at=now,
                actor=who.user_id,
                action="debrief.opened",
                loop_id=loop.id,
                detail={"early": not all_in(session, loop)},
            )
        )
    return claimed


@dataclass(frozen=True)
class FinalistAudience:
    """Who hears of a finalist: the roles the loop's document informs of finalists only (the
    executive sponsor), and (role name, person) for each person filling one in this loop."""

    roles: list[str]
    told: list[tuple[str, str]]


def finalist_audience(session: Session, loop: AnyLoop) -> FinalistAudience:
    template = template_of(session, loop)
    names = {r.code: r.name for r in template.roles if r.finalists_only}
    found = {
        holder.user_id: names[holder.role_code]
        for holder in assignments_of(session, loop)
        if holder.letter == LOOP_ROLE and holder.role_code in names
    }
    return FinalistAudience(list(names.values()), [(n, p) for p, n in found.items()])


def _tell_finalists_only_roles(session: Session, loop: Loop, kind: Kind, now: datetime) -> None:
    told = {person for _, person in finalist_audience(session, loop).told}
    for holder in assignments_of(session, loop):
        if holder.letter == LOOP_ROLE and holder.user_id in told:
            told.discard(holder.user_id)
            session.add(notice(kind, holder, version=loop.version, now=now))


def mark_finalist(session: Session, loop: Loop, who: Standing, now: datetime) -> bool:
    """The Accountable marks the candidate a finalist: roles the document informs on finalists
    only (the executive sponsor) hear of the loop from now on. True when newly marked."""
    require(Action.MARK_FINALIST, who, loop=loop.short_id)
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    if loop.finalist:
        return False
    loop.finalist = True
    loop.version += 1
    loop.updated_at = now
    session.add(loop)
    session.flush()
    _tell_finalists_only_roles(session, loop, Kind.FINALIST, now)
    session.add(
        AuditEntry(at=now, actor=who.user_id, action="loop.finalist", loop_id=loop.id, detail={})
    )
    return True


def gather(
    session: Session, loop: Loop, library: Library | None = None
) -> tuple[LoopTemplate, Summary]:
    """The summary's inputs: submitted scorecards, who is still missing, and the candidate's
    baseline values from their context document (when the library has one)."""
    template = template_of(session, loop)
    cards = session.exec(
        select(Scorecard).where(Scorecard.loop_id == loop.id, Scorecard.submitted)
    ).all()
    statuses = round_statuses(session, loop)
    names = {s.round.id: (s.round.number, s.round.name) for s in statuses}
    trainees = {  # one who stepped out after writing theirs too: a practice card, never counted
        (a.round_id, a.user_id): a.part
        for a in assignments_of(session, loop, active=False)
        if a.letter == "R" and a.part in TRAINEE_PARTS
    }
    incoming = []
    for card in cards:
        number, name = names[card.round_id]
        answers = card.answers
        incoming.append(
            CardIn(
                round_number=number,
                round_name=name,
                author=card.author_id,
                recommendation=card.recommendation or "",
                ratings=[(r["signal"], r.get("rating")) for r in answers.get("ratings", [])],
                key_evidence=answers.get("key_evidence", ""),
                values=[
                    (v["value"], ValueStatus(v["status"]), v.get("evidence", ""))
                    for v in answers.get("values", [])
                    if v.get("status")
                ],
                trainee_part=trainees.get((card.round_id, card.author_id), ""),
            )
        )
    missing = [
        (f"{s.round.number}. {s.round.name}", user)
        for s in statuses
        if not s.round.cancelled
        for user in s.responsible
        if user not in s.submitted and (s.round.id, user) not in trainees
    ]
    baseline = baseline_of(loop, library)
    return template, summarize(incoming, template=template, missing=missing, baseline=baseline)


def baseline_of(loop: Loop, library: Library | None) -> list[ValueMapping]:
    """The candidate's values as their context document maps them before the loop."""
    context = library.context_for(loop.candidate_key) if library and loop.candidate_key else None
    return context.values if context else []


def decision_of(session: Session, loop: Loop) -> Decision | None:
    return session.exec(select(Decision).where(Decision.loop_id == loop.id)).first()


def record_decision(
    session: Session,
    loop: Loop,
    *,
    who: Standing,
    outcome: Outcome,
    reason: str,
    now: datetime,
) -> tuple[Decision, bool]:
    """The Accountable's decision: locks scorecards and tells those the loop informs (a
    finalists-only role once the candidate is a finalist). Returns (decision, newly recorded)."""
    require(Action.DECIDE, who, loop=loop.short_id)
    actor = who.user_id
    if loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{loop.short_id}` is cancelled.")
    existing = decision_of(session, loop)
    if existing is not None:
        if existing.outcome == outcome:
            return existing, False  # a double click, or Slack delivering twice
        raise InvalidInput(
            f"The decision for loop `{loop.short_id}` is already recorded as "
            f"{Outcome(existing.outcome).label}."
        )
    if not reason.strip():
        raise InvalidInput("Give a reason for the decision.")
    decision = Decision(
        loop_id=loop.id,
        decided_by=actor,
        outcome=outcome,
        reason=reason.strip()[:3000],
        decided_at=now,
    )
    session.add(decision)
    newly_finalist = outcome.advances and not loop.finalist
    loop.status = LoopStatus.DECIDED
    loop.finalist = loop.finalist or outcome.advances
    loop.version += 1
    loop.updated_at = now
    session.add(loop)
    session.flush()
    template = template_of(session, loop)
    finalists_only = {r.code for r in template.roles if r.finalists_only}
    informed = {code for rnd in template.rounds for code in rnd.informed}
    told: set[str] = set()
    for holder in assignments_of(session, loop):
        if holder.letter != LOOP_ROLE or holder.role_code not in informed:
            continue
        if not told_of_loop(
            finalists_only=holder.role_code in finalists_only, finalist=loop.finalist
        ):
            continue
        if holder.user_id in told or holder.user_id == actor:
            continue
        told.add(holder.user_id)
        kind = Kind.FINALIST if newly_finalist and holder.role_code in finalists_only else None
        session.add(notice(kind or Kind.DECIDED, holder, version=loop.version, now=now))
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="loop.decided",
            loop_id=loop.id,
            detail={"outcome": outcome.value},
        )
    )
    return decision, True
