"""Creating and changing loops: RACI per round, balanced load, reminders that follow changes."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.errors import InvalidInput, NotAllowed
from bot.loops import changes
from bot.loops.queries import find_loop, rounds_of
from bot.loops.service import create_loop, propose
from bot.loops.validate import validate_request, validate_schedule
from bot.reminders.plan import DEFAULT_OFFSETS, Kind
from bot.slack.messenger import SlackUser
from bot.store import Database
from bot.store.models import Assignment, Reminder, ReminderState
from tests.services.conftest import HM, IL, NOW, POOL, REC, XS, loop_request


def _create(db: Database, library, **changes_):
    template = library.loops["ai-first-engineering"]
    request = loop_request(**changes_)
    with db.session() as session:
        proposal = propose(session=session, request=request, template=template, now=NOW)
        assert validate_schedule(session=session, proposal=proposal, now=NOW) == {}
        loop = create_loop(
            session=session, proposal=proposal, template=template, now=NOW, offsets=DEFAULT_OFFSETS
        )
    return loop, proposal


def test_every_round_gets_its_raci_people(any_db: Database, library) -> None:
    loop, proposal = _create(any_db, library)
    with any_db.session() as session:
        rows = session.exec(
            select(Assignment).where(
                Assignment.loop_id == loop.id, col(Assignment.round_id).is_not(None)
            )
        ).all()  # noqa: E711
        numbers = {r.id: r.number for r in rounds_of(session, loop)}
    per_round = {}
    for row in rows:
        per_round.setdefault(numbers[row.round_id], {}).setdefault(row.letter, []).append(
            row.user_id
        )
    assert len(per_round) == 6
    for number, letters in per_round.items():
        assert letters["A"] == [HM] and letters["C"] == [IL]
        assert len(letters["R"]) == 1 and letters["R"][0] in POOL
        assert letters["I"] == ([REC, XS] if number == 6 else [REC])
    owners = Counter(p.responsible for p in proposal.rounds)
    assert set(owners) == set(POOL) and max(owners.values()) == 2


def test_times_are_in_the_candidates_working_hours(any_db: Database, library) -> None:
    from zoneinfo import ZoneInfo

    _, proposal = _create(any_db, library)
    assert [(r.number, r.starts_at) for r in proposal.rounds if r.asynchronous] == [(1, None)]
    live = [r for r in proposal.rounds if not r.asynchronous]
    seoul = [r.starts_at.astimezone(ZoneInfo("Asia/Seoul")) for r in live]
    assert all(9 <= t.hour < 18 and t.weekday() < 5 for t in seoul)
    # The Async Build is due Friday 17:00 (three working days after Tuesday): the live rounds
    # that come after it start on the Monday after.
    (build,) = [r for r in proposal.rounds if r.asynchronous]
    assert build.deadline == datetime(2026, 11, 27, 17, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    assert seoul[0].date() == date(2026, 11, 30)


def test_second_loop_spreads_load_onto_the_least_loaded(any_db: Database, library) -> None:
    _, first = _create(
        any_db, library, people={"HM": [HM], "REC": [REC], "IL": [IL], "PI": POOL[:3], "XS": []}
    )
    _, second = _create(any_db, library, candidate_name="Ada Lovelace", candidate_key=None)
    first_load = Counter(r.responsible for r in first.rounds)
    assert POOL[3] not in first_load
    second_load = Counter(r.responsible for r in second.rounds)
    assert second_load[POOL[3]] == 2


def test_creation_plans_guides_and_first_messages(any_db: Database, library) -> None:
    loop, _ = _create(any_db, library)
    with any_db.session() as session:
        kinds = Counter(
            r.kind for r in session.exec(select(Reminder).where(Reminder.loop_id == loop.id)).all()
        )
    # The asynchronous Async Build gets its guide and reminders once its submission is in.
    assert kinds[Kind.ASSIGNED] == 6 and kinds[Kind.GUIDE] == 5 and kinds[Kind.DUE] == 5
    # The daily reminders and the escalation are planned as the first reminder goes.
    assert kinds[Kind.NUDGE] == kinds[Kind.ESCALATION] == 0
    assert kinds[Kind.HEADS_UP] == 5
    assert kinds[Kind.SUMMARY] == 1 and kinds[Kind.CALIBRATE] == 1
    assert kinds[Kind.STATUS] == 1  # the recruiter; the sponsor hears only about finalists


def _users(*ids, deleted=()):
    return {u: SlackUser(u, u, u, "UTC", u in deleted, False) for u in ids}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"people": {"REC": [REC], "IL": [IL], "PI": POOL}}, "role:HM", "Pick the Hiring Manager"),
        (
            {"people": {"HM": [HM], "REC": [REC], "IL": [HM], "PI": POOL}},
            "role:IL",
            "already Hiring Manager (HM)",
        ),
        (
            {"people": {"HM": [HM], "REC": [REC], "IL": [IL], "PI": [POOL[0], HM]}},
            "role:PI",
            "can't also run or calibrate",
        ),
        (
            {"people": {"HM": [HM], "REC": [REC], "IL": [IL], "PI": POOL[:2]}},
            "role:PI",
            "pick at least 3 people",
        ),
        ({"first_day": date(2026, 11, 19)}, "first_day", "today or a later day"),
        ({"candidate_tz": "Mars/Olympus"}, "candidate_tz", "time zone name"),
        ({"candidate_key": "phoenix_999"}, "candidate_key", "No candidate guide"),
        ({"variant": "hybrid"}, "variant", "no such variant"),
        ({"candidate_name": "  "}, "candidate_name", "Enter the candidate"),
    ],
)
def test_step_one_problems_name_the_field(library, change, field, words) -> None:
    request = loop_request(**change)
    errors = validate_request(
        request=request,
        template=library.loops["ai-first-engineering"],
        library=library,
        now=NOW,
        users=_users(HM, REC, IL, XS, *POOL),
    )
    assert field in errors and words in errors[field], errors


def test_a_person_who_left_is_refused(library) -> None:
    errors = validate_request(
        request=loop_request(),
        template=library.loops["ai-first-engineering"],
        library=library,
        now=NOW,
        users=_users(HM, REC, IL, XS, *POOL, deleted={POOL[1]}),
    )
    assert errors == {"role:PI": f"<@{POOL[1]}> has left the workspace."}


def test_valid_step_one_has_no_problems(library) -> None:
    assert (
        validate_request(
            request=loop_request(),
            template=library.loops["ai-first-engineering"],
            library=library,
            now=NOW,
            users=_users(HM, REC, IL, XS, *POOL),
        )
        == {}
    )


def test_double_booking_in_step_two_is_refused(any_db: Database, library) -> None:
    _, first = _create(any_db, library)
    taken = first.rounds[1]
    template = library.loops["ai-first-engineering"]
    with any_db.session() as session:
        second = propose(
            session=session, request=loop_request(candidate_name="Ada"), template=template, now=NOW
        )
        edited = second.model_copy(
            update={
                "rounds": [
                    second.rounds[0],
                    second.rounds[1].model_copy(
                        update={"starts_at": taken.starts_at, "responsible": taken.responsible}
                    ),
                    *second.rounds[2:],
                ]
            }
        )
        errors = validate_schedule(session=session, proposal=edited, now=NOW)
    assert "already interviewing then" in errors["round:2:owner"]


def _pending(db: Database, loop_id: int) -> list[Reminder]:
    with db.session() as session:
        return list(
            session.exec(
                select(Reminder).where(
                    Reminder.loop_id == loop_id, Reminder.state == ReminderState.PENDING
                )
            ).all()
        )


def test_reschedule_moves_reminders_and_tells_people(any_db: Database, library) -> None:
    loop, proposal = _create(any_db, library)
    new_time = proposal.rounds[1].starts_at + timedelta(days=2)
    with any_db.session() as session:
        changes.reschedule(
            session=session,
            loop=find_loop(session, loop.short_id.lower()),
            round_number=2,
            starts_at=new_time,
            actor=HM,
            admins=[],
            now=NOW,
            offsets=DEFAULT_OFFSETS,
        )
    pending = [r for r in _pending(any_db, loop.id) if r.round_version == 2]
    guide = next(r for r in pending if r.kind == Kind.GUIDE)
    assert guide.due_at == new_time - timedelta(hours=24)
    with any_db.session() as session:
        old = session.exec(
            select(Reminder).where(
                Reminder.loop_id == loop.id,
                Reminder.round_version == 1,
                Reminder.kind == Kind.GUIDE,
            )
        ).all()
    assert sum(r.state == ReminderState.CANCELLED for r in old) == 1
    assert {r.kind for r in pending} >= {Kind.MOVED, Kind.CHANGED}


def test_swap_retargets_and_tells_the_old_interviewer(any_db: Database, library) -> None:
    loop, proposal = _create(any_db, library)
    old = proposal.rounds[2].responsible
    new = next(p for p in POOL if p != old)
    with any_db.session() as session:
        changes.swap(
            session=session,
            loop=find_loop(session, loop.short_id),
            round_number=3,
            new_user=new,
            actor=REC,
            admins=[],
            now=NOW,
            offsets=DEFAULT_OFFSETS,
        )
    pending = _pending(any_db, loop.id)
    with any_db.session() as session:
        owner_of = {a.id: a.user_id for a in session.exec(select(Assignment)).all()}
    round3 = [r for r in pending if r.round_version == 2]
    assert {owner_of[r.assignment_id] for r in round3 if r.kind == Kind.GUIDE} == {new}
    assert any(r.kind == Kind.UNASSIGNED and owner_of[r.assignment_id] == old for r in round3)


def test_cancel_stops_everything_and_tells_everyone(any_db: Database, library) -> None:
    loop, _ = _create(any_db, library)
    with any_db.session() as session:
        changes.cancel(
            session=session, loop=find_loop(session, loop.short_id), actor=HM, admins=[], now=NOW
        )
    pending = _pending(any_db, loop.id)
    assert {r.kind for r in pending} == {Kind.CANCELLED}
    with any_db.session() as session:
        told = {session.get(Assignment, r.assignment_id).user_id for r in pending}
    # The executive sponsor is informed on finalists only and never heard of this loop.
    assert told == {HM, REC, IL, *POOL}


@pytest.mark.parametrize("actor", [POOL[0], IL, XS, "U0SOMEONE"])
def test_changes_are_refused_without_the_right(any_db: Database, library, actor) -> None:
    loop, _ = _create(any_db, library)
    with any_db.session() as session, pytest.raises(NotAllowed, match="Only the loop's"):
        changes.cancel(
            session=session, loop=find_loop(session, loop.short_id), actor=actor, admins=[], now=NOW
        )
    assert len(_pending(any_db, loop.id)) > 6


def test_admins_may_change_any_loop(any_db: Database, library) -> None:
    loop, _ = _create(any_db, library)
    with any_db.session() as session:
        changes.cancel(
            session=session,
            loop=find_loop(session, loop.short_id),
            actor="U0ADMIN",
            admins=["U0ADMIN"],
            now=NOW,
        )
    # The admin is in none of the loop's roles, yet the loop is cancelled and everyone told.
    assert "U0ADMIN" not in {HM, REC, IL, XS, *POOL}
    assert {r.kind for r in _pending(any_db, loop.id)} == {Kind.CANCELLED}
    with any_db.session() as session:
        assert find_loop(session, loop.short_id).status == "cancelled"


def test_reschedule_into_the_past_or_a_clash_is_refused(any_db: Database, library) -> None:
    loop, proposal = _create(any_db, library)
    with any_db.session() as session, pytest.raises(InvalidInput, match="future"):
        changes.reschedule(
            session=session,
            loop=find_loop(session, loop.short_id),
            round_number=2,
            starts_at=NOW - timedelta(hours=1),
            actor=HM,
            admins=[],
            now=NOW,
            offsets=DEFAULT_OFFSETS,
        )
    owner = proposal.rounds[1].responsible
    clash = next(r for r in proposal.rounds[2:] if r.responsible == owner)
    with any_db.session() as session, pytest.raises(InvalidInput, match="already interviewing"):
        changes.reschedule(
            session=session,
            loop=find_loop(session, loop.short_id),
            round_number=2,
            starts_at=clash.starts_at,
            actor=HM,
            admins=[],
            now=NOW,
            offsets=DEFAULT_OFFSETS,
        )


def test_the_weekly_cap_holds_in_step_two_too(any_db: Database, library) -> None:
    _, first = _create(any_db, library)
    owner = first.rounds[1].responsible  # round 1 is asynchronous: no slot, no booking
    theirs = [r for r in first.rounds if r.responsible == owner and r.starts_at is not None]
    template = library.loops["ai-first-engineering"]
    with any_db.session() as session:
        second = propose(
            session=session, request=loop_request(candidate_name="Ada"), template=template, now=NOW
        )
        moved = theirs[-1].starts_at + timedelta(hours=3)  # free, the same week
        edited = second.model_copy(
            update={
                "rounds": [
                    second.rounds[0],
                    second.rounds[1].model_copy(update={"starts_at": moved, "responsible": owner}),
                    *second.rounds[2:],
                ]
            }
        )
        assert validate_schedule(session=session, proposal=edited, now=NOW) == {}
        errors = validate_schedule(
            session=session, proposal=edited, now=NOW, weekly_cap=len(theirs)
        )
    said = errors["round:2:owner"]
    assert said.startswith(f"<@{owner}> already has ") and said.endswith(
        f"interviews that week (the weekly cap is {len(theirs)})."
    )
