"""What a message speaks of when it is sent (or when a guide is opened): the loop, its rounds
and people, what changed, and the lead times in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.authz import Standing
from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.loops.at_hand import LoopAtHand
from bot.loops.places import REVIEW_DAYS
from bot.loops.queries import (
    LOOP_ROLE,
    OBSERVER,
    TRAINEE_PARTS,
    Seat,
    change_at,
    standing,
    template_of,
)
from bot.loops.status import ahead
from bot.loops.views import Snapshot
from bot.reminders.cadence import Next
from bot.reminders.checks import decision_label
from bot.reminders.late import Late, late_scorecards
from bot.reminders.plan import DEFAULT_OFFSETS, Kind
from bot.reminders.policy import in_force
from bot.reminders.round_lines import RoundLine, round_lines
from bot.store.models import Assignment, AuditEntry, Loop, Reminder, ReminderState, Round


@dataclass(frozen=True)
class Situation:
    """Everything a message may mention, gathered by the dispatcher at send time."""

    kind: Kind
    loop: Loop
    template: LoopTemplate
    rounds: list[RoundLine]
    channel: str
    rnd: Round | None = None
    spec: TemplateRound | None = None
    owner: str | None = None
    new_owner: str | None = None
    seat_left: str = ""
    """For an unassignment: the letter of the seat the reader left (R, or O for an observer)."""
    change: dict | None = None
    """For a loop change: the audited round change (round, from, to) the message names."""
    status: str = "scheduled"
    decision: str = ""
    reader: Standing | None = None
    offsets: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_OFFSETS))
    """The lead times in force for this loop (bot.reminders.policy)."""
    review_days: int = REVIEW_DAYS
    now: datetime | None = None
    """When the message goes out (a guide already due by then has gone or goes at once)."""
    cadence: Next | None = None
    """A scorecard reminder's place in the feedback cadence: which one, the next, escalation."""
    late: list[Late] = field(default_factory=list)
    """The late-scorecards message's lines: every scorecard late in the loop."""
    ahead: list[str] = field(default_factory=list)
    """A decision's or a cancel's message: the rounds still to happen when it goes ("5. Name")."""
    scorecards_in: int = 0
    """The late-scorecards message's: how many scorecards an early debrief would read."""
    panel: list[str] = field(default_factory=list)  # with observers, trainee: panel_notes.py
    observers: list[str] = field(default_factory=list)
    trainee: tuple[str, str] | None = None
    by: str = ""
    """Who made the change a cancel's or a swap's notice speaks of."""
    took_over_from: str = ""
    """A swap's: whose seat it gave (an assigned notice says whom the reader takes over from)."""
    guide_ahead: bool = False
    """A moved round's: the reader's guide for its new time is still to go (else they have it)."""


def situation_of(
    session: Session,
    reminder: Reminder,
    assignment: Assignment,
    *,
    settings_offsets: dict[str, int] | None = None,
    review_days: int = REVIEW_DAYS,
    now: datetime | None = None,
    cadence: Next | None = None,
    hand: LoopAtHand | None = None,
) -> Situation:
    """Everything a reminder's message speaks of, read at the moment it is sent (its loop's
    rounds and people from `hand` when the delivery has read them)."""
    situation = situation_for(
        session,
        reminder.loop_id,
        Kind(reminder.kind),
        round_id=reminder.round_id,
        reader=assignment,
        version=reminder.round_version,
        settings_offsets=settings_offsets or {},
        review_days=review_days,
        now=now,
        hand=hand,
    )
    if situation.kind is not Kind.LATE_SCORECARDS or now is None:
        return replace(situation, cadence=cadence)
    snap = Snapshot.read(session, [situation.loop])
    late = late_scorecards(session, [situation.loop], now, settings_offsets or {}, snap)
    return replace(
        situation, cadence=cadence, late=late, scorecards_in=snap.scorecards_in(situation.loop)
    )


def situation_for(
    session: Session,
    loop_id: int,
    kind: Kind,
    *,
    round_id: int | None,
    reader: Assignment,
    settings_offsets: dict[str, int],
    review_days: int,
    version: int | None = None,
    now: datetime | None = None,
    hand: LoopAtHand | None = None,
) -> Situation:
    hand = hand or LoopAtHand.read(session, loop_id)
    assert hand is not None
    loop, rounds, people = hand.loop, hand.rounds, hand.people
    template = template_of(session, loop)
    owners: dict[int, list[str]] = {}
    watching: dict[int, list[str]] = {}
    trainees: dict[int, tuple[str, str]] = {}
    for a in people:
        if a.letter == "R" and a.round_id is not None and a.part in TRAINEE_PARTS:
            trainees[a.round_id] = (a.user_id, a.part)
        elif a.letter == "R" and a.round_id is not None:
            owners.setdefault(a.round_id, []).append(a.user_id)
        elif a.letter == OBSERVER and a.round_id is not None:
            watching.setdefault(a.round_id, []).append(a.user_id)
    rnd = next((r for r in rounds if r.id == round_id), None)
    spec = next((r for r in template.rounds if rnd and r.number == rnd.number), None)
    owner = (owners.get(rnd.id or 0) or [None])[0] if rnd is not None else None
    shown = rounds
    if reader.letter == LOOP_ROLE and kind is Kind.CALIBRATE:
        shown = [
            r
            for r in rounds
            if any(
                a.round_id == r.id and a.letter == "C" and a.user_id == reader.user_id
                for a in people
            )
        ]
    held = hand.held_by(reader.user_id)
    who = standing(session, loop, reader.user_id, admins=[], template=template, held=held)
    changed = kind is Kind.CHANGED and version is not None
    # Who made the change a notice speaks of (a cancel, a swap), and whose seat a swap gave.
    audited = (
        _audited(session, loop, None, None, "loop.cancelled")
        if kind is Kind.CANCELLED
        else _audited(session, loop, rnd, version, "round.swapped")
        # A round's first version is the one the loop was created with: no swap made it.
        if kind in (Kind.ASSIGNED, Kind.UNASSIGNED) and rnd is not None and (version or 0) > 1
        else None
    )
    moved = (
        _audited(session, loop, rnd, version, "round.rescheduled")
        if kind is Kind.MOVED and rnd is not None
        else None
    )
    return Situation(
        kind=kind,
        loop=loop,
        template=template,
        rounds=round_lines(shown, owners, loop.candidate_tz),
        channel=f"<#{loop.channel_id}>" if loop.channel_id else "the loop's channel",
        rnd=rnd,
        spec=spec,
        owner=owner,
        new_owner=_took_seat(people, reader) or owner if kind is Kind.UNASSIGNED else None,
        seat_left=_seat(reader) if kind is Kind.UNASSIGNED else "",
        change=change_at(session, loop, version)
        if changed and version is not None
        else (moved.detail if moved else None),
        status=loop.status,
        decision=decision_label(session, loop),
        reader=who,
        offsets=in_force(settings_offsets, template.reminder_offsets),
        review_days=review_days,
        now=now,
        panel=owners.get(rnd.id or 0, []) if rnd is not None else [],
        observers=watching.get(rnd.id or 0, []) if rnd is not None else [],
        trainee=trainees.get(rnd.id or 0) if rnd is not None else None,
        guide_ahead=kind is Kind.MOVED and rnd is not None and _guide_ahead(session, reader, rnd),
        ahead=[f"{r.number}. {r.name}" for r in ahead(session, loop, now)]
        if kind in (Kind.DECIDED, Kind.CANCELLED) and now is not None
        else [],
        by=audited.actor if audited else "",
        took_over_from=(audited.detail.get("from_user") or "") if audited else "",
    )


def _audited(
    session: Session, loop: Loop, rnd: Round | None, version: int | None, action: str
) -> AuditEntry | None:
    """The latest `action` on the loop; with `rnd`, the one that made the round's `version`
    (a reschedule's from and to, a swap's from_user and to_user)."""
    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.loop_id == loop.id, AuditEntry.action == action)
        .order_by(col(AuditEntry.id).desc())
    ).all()
    return next(
        (
            e
            for e in entries
            if rnd is None
            or (e.detail.get("round") == rnd.number and e.detail.get("version") == version)
        ),
        None,
    )


def _guide_ahead(session: Session, reader: Assignment, rnd: Round) -> bool:
    return (
        session.exec(
            select(Reminder.id).where(
                Reminder.assignment_id == reader.id,
                Reminder.round_id == rnd.id,
                Reminder.kind == Kind.GUIDE,
                col(Reminder.state).in_((ReminderState.PENDING, ReminderState.CLAIMED)),
            )
        ).first()
        is not None
    )


def _seat(left: Assignment) -> str:
    """The seat given up: a trainee's part (shadow, reverse_shadow), else the letter."""
    return left.part if left.letter == "R" and left.part in TRAINEE_PARTS else left.letter


def _took_seat(people: Sequence[Seat], left: Assignment) -> str | None:
    """Who holds the seat `left` gave up (on a panel, the one who took that seat, not the
    lead): the round's row that took it over (`Assignment.seat_of`)."""
    seat = left.seat_of or left.id
    took = [
        a
        for a in people
        if a.round_id == left.round_id and a.user_id != left.user_id and a.seat_of == seat
    ]
    return took[-1].user_id if took else None
