"""The assignment engine: balanced, never double-booked, deterministic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.loops.assignment import Booking, Slot, assign_responsible
from bot.loops.schedule import RoundLength, propose_times

MON = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POOL = ["UA", "UB", "UC"]


def _slots(count: int, start: datetime = MON, hours_apart: int = 2) -> list[Slot]:
    return [
        Slot(
            n,
            f"Round {n}",
            start + timedelta(hours=hours_apart * (n - 1)),
            start + timedelta(hours=hours_apart * (n - 1), minutes=60),
        )
        for n in range(1, count + 1)
    ]


def test_each_round_gets_a_different_person_while_the_pool_allows() -> None:
    picks = assign_responsible(slots=_slots(3), pool=POOL, bookings=[])
    assert sorted(p.user_id for p in picks) == POOL
    assert all(p.problem is None for p in picks)


def test_least_loaded_interviewer_comes_first() -> None:
    busy = [
        Booking("UA", MON - timedelta(days=1), MON - timedelta(days=1, minutes=-60)),
        Booking("UB", MON - timedelta(days=2), MON - timedelta(days=2, minutes=-60)),
    ] * 2
    (pick,) = assign_responsible(slots=_slots(1), pool=POOL, bookings=busy)
    assert pick.user_id == "UC"


def test_load_outside_the_surrounding_week_does_not_count() -> None:
    old = [Booking("UA", MON - timedelta(days=20), MON - timedelta(days=20, minutes=-60))]
    recent = {"UB": MON - timedelta(days=1), "UC": MON - timedelta(days=2)}
    (pick,) = assign_responsible(slots=_slots(1), pool=POOL, bookings=old, last_assigned=recent)
    assert pick.user_id == "UA"


def test_ties_go_to_the_least_recently_assigned() -> None:
    recent = {"UA": MON - timedelta(days=1), "UB": MON - timedelta(days=9)}
    (pick,) = assign_responsible(
        slots=_slots(1), pool=["UA", "UB"], bookings=[], last_assigned=recent
    )
    assert pick.user_id == "UB"


def test_never_double_books_and_says_which_round_cannot_be_staffed() -> None:
    clash = [Booking("UA", MON, MON + timedelta(hours=1))]
    picks = assign_responsible(slots=_slots(1), pool=["UA"], bookings=clash)
    assert picks[0].user_id is None
    assert "Round 1" in picks[0].problem and "<@UA> is already interviewing" in picks[0].problem


def test_weekly_cap_is_respected() -> None:
    week = [
        Booking("UA", MON + timedelta(days=1, hours=h), MON + timedelta(days=1, hours=h + 1))
        for h in range(2)
    ]
    picks = assign_responsible(slots=_slots(1), pool=["UA", "UB"], bookings=week, weekly_cap=2)
    assert picks[0].user_id == "UB"
    picks = assign_responsible(slots=_slots(1), pool=["UA"], bookings=week, weekly_cap=2)
    assert "weekly cap of 2" in picks[0].problem


def test_small_pool_shares_rounds_without_overlap() -> None:
    picks = assign_responsible(slots=_slots(6), pool=["UA", "UB"], bookings=[])
    assert [p.user_id for p in picks].count("UA") == 3


def test_same_inputs_same_answer() -> None:
    args = {"slots": _slots(6), "pool": ["UC", "UA", "UB"], "bookings": []}
    assert assign_responsible(**args) == assign_responsible(**args)


@given(
    st.lists(st.integers(0, 47), min_size=1, max_size=8),
    st.lists(st.sampled_from(POOL), max_size=10),
    st.lists(st.integers(0, 47), max_size=10),
)
def test_no_pick_ever_overlaps_a_booking(
    starts: list[int], who: list[str], booked: list[int]
) -> None:
    slots = [
        Slot(
            i + 1,
            f"R{i + 1}",
            MON + timedelta(minutes=30 * s),
            MON + timedelta(minutes=30 * s + 60),
        )
        for i, s in enumerate(starts)
    ]
    bookings = [
        Booking(u, MON + timedelta(minutes=30 * b), MON + timedelta(minutes=30 * b + 60))
        for u, b in zip(who, booked, strict=False)
    ]
    picks = assign_responsible(slots=slots, pool=POOL, bookings=bookings)
    taken = list(bookings)
    for slot, pick in zip(slots, picks, strict=True):
        if pick.user_id is None:
            assert pick.problem
            continue
        for b in taken:
            if b.user_id == pick.user_id:
                assert not (slot.starts_at < b.ends_at and b.starts_at < slot.ends_at)
        taken.append(Booking(pick.user_id, slot.starts_at, slot.ends_at))


def test_rounds_are_laid_out_in_the_candidates_working_hours() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    times = propose_times(
        rounds=[RoundLength(n, 60) for n in range(1, 7)], first_day=date(2026, 11, 27), tz=seoul
    )  # a Friday
    local = {n: t.astimezone(seoul) for n, t in times.items()}
    assert [local[n].strftime("%a %H:%M") for n in range(1, 7)] == [
        "Fri 09:00",
        "Fri 10:15",
        "Fri 11:30",
        "Mon 09:00",
        "Mon 10:15",
        "Mon 11:30",
    ]
    assert all(t.tzinfo == UTC for t in times.values())


def test_layout_across_a_daylight_saving_change_keeps_local_hours() -> None:
    new_york = ZoneInfo("America/New_York")
    times = propose_times(
        rounds=[RoundLength(n, 45) for n in range(1, 5)], first_day=date(2026, 10, 30), tz=new_york
    )  # DST ends Sun 1 Nov
    local = [t.astimezone(new_york).strftime("%a %H:%M") for t in times.values()]
    assert local == ["Fri 09:00", "Fri 10:00", "Fri 11:00", "Mon 09:00"]
    assert times[4] - times[1] == timedelta(days=3, hours=1)
