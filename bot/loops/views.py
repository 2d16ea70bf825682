"""What people see of a loop: the card, the home tab's lists (`/loop list`: `bot.loops.listing`).
Status, never content.

Each view reads its loops in a fixed number of statements (`Snapshot`), however many loops,
rounds or scorecards there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.authz import Action, Standing, can
from bot.documents.models import LoopTemplate
from bot.loops.at_hand import held_in
from bot.loops.hours import parse_hours
from bot.loops.queries import (
    LOOP_ROLE,
    SEAT_ORDER,
    TRAINEE_PARTS,
    AnyLoop,
    Seat,
    build_standing,
    find_loop_row,
    loops_for,
    templates_of,
)
from bot.slack.format import mention, minutes, slack_time, zone_time
from bot.store.db import rows
from bot.store.models import Assignment, LoopStatus, Round, Scorecard

HOME_LOOPS = 5
ROUND_COLUMNS = (
    Round.id,
    Round.loop_id,
    Round.number,
    Round.name,
    Round.starts_at,
    Round.duration_minutes,
    Round.format,
    Round.cancelled,
    Round.place,
    Round.deadline,
    Round.received_at,
    Round.review_due,
    Round.written_due,
)
PEOPLE_COLUMNS = (
    Assignment.loop_id,
    Assignment.round_id,
    Assignment.letter,
    Assignment.role_code,
    Assignment.user_id,
    Assignment.part,
)

# Built once: a statement built per request costs more CPU than running it.
_LOOP_IDS = bindparam("ids", expanding=True)
_ROUNDS = (
    select(*ROUND_COLUMNS).where(col(Round.loop_id).in_(_LOOP_IDS)).order_by(col(Round.number))
)
_PEOPLE = (
    select(*PEOPLE_COLUMNS)
    .where(col(Assignment.loop_id).in_(_LOOP_IDS), col(Assignment.active).is_(True))
    .order_by(*SEAT_ORDER)
)
_SUBMITTED = select(Scorecard.round_id, Scorecard.author_id).where(
    col(Scorecard.loop_id).in_(_LOOP_IDS), col(Scorecard.submitted).is_(True)
)


@dataclass
class Snapshot:
    """Rounds, people and submitted scorecards of several loops, read in three statements (a
    fourth the first time a document version is met, or for loops given as ORM objects)."""

    loops: list[AnyLoop]
    rounds: dict[int, list[Round]] = field(default_factory=dict)
    people: dict[int, list[Seat]] = field(default_factory=dict)
    submitted: set[tuple[int, str]] = field(default_factory=set)
    templates: dict[int, LoopTemplate] = field(default_factory=dict)
    by_round: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    trainee_seats: dict[tuple[int, str], str] = field(default_factory=dict)
    """(round id, person) -> their trainee part, for each trainee's seat."""
    """(round id, user) of trainees shadowing or reverse-shadowing a round."""

    @classmethod
    def read(cls, session: Session, loops: list[AnyLoop]) -> Snapshot:
        snap = cls(loops=loops)
        ids = [loop.id for loop in loops]
        if not ids:
            return snap
        # Plain rows, not ORM objects: a home tab reads hundreds of them per request.
        given = {"ids": ids}
        for rnd in rows(session, _ROUNDS, given):
            snap.rounds.setdefault(rnd.loop_id, []).append(rnd)
        for person in rows(session, _PEOPLE, given):
            snap.people.setdefault(person.loop_id, []).append(person)
            if person.round_id is not None:
                snap.by_round.setdefault((person.round_id, person.letter), []).append(
                    person.user_id
                )
                if person.part in TRAINEE_PARTS:
                    snap.trainee_seats[(person.round_id, person.user_id)] = person.part
        snap.submitted = {(round_id, user) for round_id, user in rows(session, _SUBMITTED, given)}
        snap.templates = templates_of(session, loops)
        return snap

    @classmethod
    def find(cls, session: Session, ref: str) -> Snapshot:
        """One loop by the short id on its card, read only, with its rounds, people and
        scorecards: four statements. The loop is `snap.loops[0]`."""
        return cls.read(session, [find_loop_row(session, ref)])

    def template(self, loop: AnyLoop) -> LoopTemplate:
        return self.templates[loop.template_version_id]

    def holders(self, rnd: Round, letter: str) -> list[str]:
        return self.by_round.get((rnd.id, letter), [])

    def owners(self, rnd: Round) -> list[str]:
        return self.holders(rnd, "R")

    def scorecards_in(self, loop: AnyLoop) -> int:
        """The scorecards a debrief of the loop reads: submitted for a live round by its
        interviewer (a trainee's practice scorecard is not one)."""
        return sum(
            (rnd.id, user) in self.submitted and (rnd.id, user) not in self.trainee_seats
            for rnd in self.rounds.get(loop.id, [])
            if not rnd.cancelled
            for user in self.owners(rnd)
        )

    def standing(self, loop: AnyLoop, user_id: str, admins: list[str]) -> Standing:
        """What the person is to the loop, from what the snapshot already read."""
        rounds = {r.id: r for r in self.rounds.get(loop.id, [])}
        held = held_in(self.people.get(loop.id, []), rounds, user_id)
        done = {round_id for round_id, author in self.submitted if author == user_id}
        return build_standing(
            loop=loop,
            template=self.template(loop),
            user_id=user_id,
            admins=admins,
            held=held,
            done=done,
        )


def round_when(rnd: Round) -> dict:
    """When and where a round happens, as the card and the lists say it."""
    if rnd.starts_at is not None:
        written = None if rnd.cancelled else rnd.written_due
        return {
            "when": slack_time(rnd.starts_at),
            "place": rnd.place or "place not set yet",
            "asynchronous": False,
            "written_due": slack_time(written) if written else "",
        }
    if rnd.received_at is not None and rnd.review_due is not None:
        return {
            "when": f"submission received {slack_time(rnd.received_at)}, "
            f"review due {slack_time(rnd.review_due)}",
            "place": "",
            "asynchronous": True,
            "written_due": "",
        }
    if rnd.deadline is not None:
        return {
            "when": f"submission due {slack_time(rnd.deadline)}",
            "place": "",
            "asynchronous": True,
            "written_due": "",
        }
    return {"when": "unscheduled", "place": "", "asynchronous": False, "written_due": ""}


def loop_card(session: Session, loop: AnyLoop, snap: Snapshot | None = None) -> dict:
    """Rounds, times and people of a loop, with scorecard status (who is in, not what)."""
    snap = snap or Snapshot.read(session, [loop])
    template = snap.template(loop)
    rows = []
    submitted = total = 0
    # Who the document informs "on finalists only" is not informed yet, and the card says so:
    # only the Informed are asked (each standing read costs; a card has a dozen people).
    informed = {u for rnd in snap.rounds.get(loop.id, []) for u in snap.holders(rnd, "I")}
    told = {u for u in informed if can(Action.HEAR_OF_LOOP, snap.standing(loop, u, []))}
    for rnd in snap.rounds.get(loop.id, []):
        # Each letter's people: (mention, whether they hear of the loop only once a finalist,
        # their trainee part on the round if any).
        letters = {
            x: [
                (mention(u), x == "I" and u not in told, snap.trainee_seats.get((rnd.id, u), ""))
                for u in snap.holders(rnd, x)
            ]
            for x in "RACI"
        }
        # A trainee's practice scorecard is not one the loop waits for.
        owners = [u for u in snap.owners(rnd) if (rnd.id, u) not in snap.trainee_seats]
        done = [u for u in owners if (rnd.id, u) in snap.submitted]
        submitted += len(done)
        total += len(owners)
        rows.append(
            {
                "number": rnd.number,
                "name": rnd.name,
                "cancelled": rnd.cancelled,
                **round_when(rnd),
                "waiting": rnd.format == "async" and rnd.starts_at is None and not rnd.received_at,
                "candidate_time": zone_time(rnd.starts_at, loop.candidate_tz)
                if rnd.starts_at
                else "-",
                "length": minutes(rnd.duration_minutes),
                "format": rnd.format,
                "all_in": bool(owners) and len(done) == len(owners),
                **letters,
            }
        )
    variant = template.variant(loop.variant) if loop.variant else None
    return {
        "short_id": loop.short_id,
        "candidate": loop.candidate_name,
        "title": template.title,
        "variant": variant.name if variant else "",
        "candidate_tz": loop.candidate_tz,
        "candidate_hours": parse_hours(loop.candidate_hours).describe()
        if loop.candidate_hours
        else "",
        "status": loop.status,
        "created_by": loop.created_by,
        "rounds": rows,
        "submitted": submitted,
        "total": total,
        "show_scorecards": True,
    }


def home_lists(session: Session, user_id: str, now: datetime, *, admins: list[str]) -> dict:
    """App Home: upcoming interviews, scorecards owed, loops the person decides or leads, and
    the loops they follow without a round in them (the recruiter's, the creator's, a finalist's
    for the executive sponsor)."""
    loops = [
        loop
        for loop in loops_for(session, user_id, limit=50)
        if loop.status != LoopStatus.CANCELLED
    ]
    snap = Snapshot.read(session, loops)
    upcoming, owed, accountable, following = [], [], [], []
    for loop in loops:
        who = snap.standing(loop, user_id, admins)
        if not can(Action.VIEW_STATUS, who):
            continue
        in_a_round = False
        for rnd in snap.rounds.get(loop.id, []):
            observing = user_id in snap.holders(rnd, "O")
            if rnd.cancelled or (user_id not in snap.owners(rnd) and not observing):
                continue
            in_a_round = True
            # An asynchronous round is upcoming until its review is due, then owed.
            start = rnd.starts_at or rnd.deadline or rnd.review_due
            if start is None:
                continue
            end = rnd.review_due or start + timedelta(minutes=rnd.duration_minutes)
            item = {
                "short_id": loop.short_id,
                "candidate": loop.candidate_name,
                "number": rnd.number,
                "name": rnd.name,
                "when": round_when(rnd)["when"],
                "starts_at": start,
                "decline": can(Action.DECLINE_ROUND, who, round=rnd.number),
            }
            # Once decided, scorecards are locked: nothing is owed any more.
            owes = loop.status != LoopStatus.DECIDED and (rnd.id, user_id) not in snap.submitted
            if rnd.starts_at is None and end > now:
                upcoming.append(item)
            elif rnd.starts_at is None:
                if rnd.received_at is not None and owes:
                    owed.append(item)
            elif rnd.starts_at > now:
                upcoming.append(item)
            elif end <= now and owes and not observing:
                owed.append(item)
        # The hiring manager's and the interview lead's (each opens the rounds' guides here).
        rounds = snap.template(loop).rounds
        holds = {code for r in rounds for code in (*r.accountable, *r.consulted)}
        leads = any(
            a.user_id == user_id
            and (a.letter in ("A", "C") or (a.letter == LOOP_ROLE and a.role_code in holds))
            for a in snap.people.get(loop.id, [])
        )
        if not leads and not in_a_round and len(following) < HOME_LOOPS:
            following.append(loop_card(session, loop, snap))
        if leads and len(accountable) < HOME_LOOPS:
            card = loop_card(session, loop, snap)
            card["guides"] = [
                r["number"]
                for r in card["rounds"]
                if can(Action.READ_GUIDE, who, round=r["number"])
            ]
            accountable.append(card)
    upcoming.sort(key=lambda i: i["starts_at"])
    return {
        "upcoming": upcoming[:10],
        "owed": owed[:10],
        "accountable": accountable,
        "following": following,
    }
