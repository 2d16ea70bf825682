"""The assignment engine: inside everyone's working day, balanced, never double-booked,
deterministic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.loops.assignment import plan
from bot.loops.hours import Hours, WorkingDay, parse_hours
from bot.loops.ledger import Booking, Limits, RoundNeed

WEEKDAYS = Hours(frozenset(range(5)), time(9), time(17, 30))
SEOUL = WorkingDay("Asia/Seoul", WEEKDAYS)
TUESDAY = date(2026, 11, 24)
POOL = ("UA", "UB", "UC")
SEOUL_POOL = {u: WorkingDay("Asia/Seoul", WEEKDAYS) for u in POOL}


def _needs(count: int, pool=POOL, minutes: int = 60) -> list[RoundNeed]:
    return [RoundNeed(n, minutes, tuple(pool)) for n in range(1, count + 1)]


def _plan(rounds, hours=None, bookings=(), **kw):
    return plan(
        rounds=rounds,
        candidate=kw.pop("candidate", SEOUL),
        first_day=kw.pop("first_day", TUESDAY),
        hours=hours if hours is not None else SEOUL_POOL,
        bookings=list(bookings),
        **kw,
    )


def _at(hour: int, minute: int = 0, day: date = TUESDAY, tz: str = "Asia/Seoul") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_each_round_gets_a_different_person_while_the_pool_allows() -> None:
    picks = _plan(_needs(3))
    assert sorted(p.user_id for p in picks) == list(POOL)
    assert [p.starts_at for p in picks] == [_at(9), _at(10, 15), _at(11, 30)]


def test_least_loaded_interviewer_comes_first() -> None:
    busy = [Booking("UA", _at(9, day=date(2026, 11, 23)), _at(10, day=date(2026, 11, 23)))] * 2
    busy += [Booking("UB", _at(11, day=date(2026, 11, 23)), _at(12, day=date(2026, 11, 23)))]
    (pick,) = _plan(_needs(1), bookings=busy)
    assert pick.user_id == "UC"


def test_ties_go_to_the_least_recently_assigned() -> None:
    recent = {"UA": _at(9) - timedelta(days=1), "UB": _at(9) - timedelta(days=9)}
    (pick,) = _plan(_needs(1, pool=("UA", "UB")), last_assigned=recent)
    assert pick.user_id == "UB"


def test_only_people_whose_day_overlaps_the_candidate_s_are_picked() -> None:
    hours = {
        "LONDON": WorkingDay("Europe/London", WEEKDAYS),
        "KOLKATA": WorkingDay("Asia/Kolkata", WEEKDAYS),
    }
    picks = _plan(_needs(2, pool=tuple(hours)), hours=hours)
    assert [p.user_id for p in picks] == ["KOLKATA", "KOLKATA"]
    for p in picks:
        assert p.starts_at is not None
        assert SEOUL.contains(p.starts_at, p.starts_at + timedelta(minutes=60))
        assert hours["KOLKATA"].contains(p.starts_at, p.starts_at + timedelta(minutes=60))


def test_a_round_nobody_can_take_in_hours_says_who_and_why() -> None:
    hours = {
        "LONDON": WorkingDay("Europe/London", WEEKDAYS),
        "BERLIN": WorkingDay("Europe/Berlin", WEEKDAYS),
    }
    (pick,) = _plan(_needs(1, pool=tuple(hours)), hours=hours)
    assert pick.starts_at is None and pick.user_id is None
    reasons = {r.user_id: (r.reason, r.overlap_minutes) for r in pick.refusals}
    assert reasons == {"LONDON": ("hours", 0), "BERLIN": ("short", 30)}


def test_a_buffer_separates_one_person_s_interviews() -> None:
    hours = {"UA": SEOUL_POOL["UA"]}
    busy = [Booking("UA", _at(9), _at(10))]
    (pick,) = _plan(_needs(1, pool=("UA",)), hours=hours, bookings=busy)
    assert pick.starts_at == _at(10, 15)
    (pick,) = _plan(
        _needs(1, pool=("UA",)), hours=hours, bookings=busy, limits=Limits(buffer=timedelta(0))
    )
    assert pick.starts_at == _at(10)


def test_calendar_busy_time_blocks_a_slot_but_is_not_interview_load() -> None:
    busy = [Booking("UA", _at(9), _at(12), interview=False)]
    picks = _plan(_needs(2, pool=("UA", "UB")), bookings=busy)
    assert [(p.user_id, p.starts_at) for p in picks] == [("UB", _at(9)), ("UA", _at(12, 15))]
    # Three hours of meetings the day before weigh nothing; one interview does.
    before = [Booking("UA", _at(9) - timedelta(days=1), _at(12) - timedelta(days=1), None, False)]
    (pick,) = _plan(_needs(1, pool=("UA", "UB")), bookings=before)
    assert pick.user_id == "UA"
    before = [Booking("UA", _at(9) - timedelta(days=1), _at(10) - timedelta(days=1))]
    (pick,) = _plan(_needs(1, pool=("UA", "UB")), bookings=before)
    assert pick.user_id == "UB"


def test_a_daily_maximum_moves_rounds_to_another_day() -> None:
    busy = [Booking("UA", _at(h, day=TUESDAY), _at(h, 30, day=TUESDAY)) for h in (13, 15)]
    (pick,) = _plan(_needs(1, pool=("UA",)), bookings=busy, limits=Limits(daily_max=2))
    assert pick.starts_at == _at(9, day=date(2026, 11, 25))


def test_the_weekly_cap_is_respected() -> None:
    week = [
        Booking("UA", _at(h, day=date(2026, 11, 23)), _at(h + 1, day=date(2026, 11, 23)))
        for h in (9, 14)
    ]
    (pick,) = _plan(_needs(1, pool=("UA", "UB")), bookings=week, limits=Limits(weekly_cap=2))
    assert pick.user_id == "UB"
    (pick,) = _plan(_needs(1, pool=("UA",)), bookings=week, limits=Limits(weekly_cap=2))
    assert pick.starts_at is not None and pick.starts_at.date() == date(2026, 11, 30)


def test_an_asynchronous_round_gets_a_reviewer_and_no_slot() -> None:
    rounds = [RoundNeed(1, 5, POOL, asynchronous=True), *_needs(3)[1:]]
    picks = _plan(rounds)
    assert picks[0].starts_at is None and picks[0].user_id in POOL
    assert picks[1].starts_at == _at(9)
    assert len({p.user_id for p in picks}) == 3


def test_a_round_not_before_a_deadline_starts_after_it_and_the_search_runs_on_from_there() -> None:
    """Rounds after a submission due Friday 17:00 start Monday morning, three to a day from
    there; the two weeks are counted from the deadline, not from the first day."""
    due = _at(17, day=TUESDAY + timedelta(days=3))
    rounds = [RoundNeed(1, 5, POOL, asynchronous=True)] + [
        RoundNeed(n, 60, POOL, not_before=due) for n in range(2, 6)
    ]
    picks = _plan(rounds)
    monday = TUESDAY + timedelta(days=6)
    assert [p.starts_at for p in picks[1:4]] == [
        _at(9, day=monday),
        _at(10, 15, day=monday),
        _at(11, 30, day=monday),
    ]
    assert picks[4].starts_at == _at(9, day=monday + timedelta(days=1))
    # Due in ten days: the round still finds a time, beyond the first day's two weeks.
    late = _at(17, day=TUESDAY + timedelta(days=13))
    (_, pick) = _plan(
        [RoundNeed(1, 5, POOL, asynchronous=True), RoundNeed(2, 60, POOL, not_before=late)]
    )
    assert pick.starts_at == _at(9, day=TUESDAY + timedelta(days=14))


def test_same_inputs_same_answer() -> None:
    args = {"rounds": _needs(6, pool=("UC", "UA", "UB")), "bookings": []}
    assert _plan(**args) == _plan(**args)


def test_rounds_are_laid_out_in_the_candidate_s_working_hours() -> None:
    picks = _plan(_needs(6), first_day=date(2026, 11, 27))  # a Friday
    local = [p.starts_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%a %H:%M") for p in picks]
    assert local == ["Fri 09:00", "Fri 10:15", "Fri 11:30", "Mon 09:00", "Mon 10:15", "Mon 11:30"]


def test_layout_across_a_daylight_saving_change_keeps_local_hours() -> None:
    ny = WorkingDay("America/New_York", WEEKDAYS)
    hours = dict.fromkeys(POOL, ny)
    picks = _plan(_needs(4, minutes=45), hours=hours, candidate=ny, first_day=date(2026, 10, 30))
    local = [
        p.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%a %H:%M") for p in picks
    ]
    assert local == ["Fri 09:00", "Fri 10:00", "Fri 11:00", "Mon 09:00"]


def test_working_hours_setting_is_read_and_checked() -> None:
    assert parse_hours("Mon-Fri 09:00-17:30") == WEEKDAYS
    assert parse_hours("Sun–Thu 08:00–16:00").days == frozenset({6, 0, 1, 2, 3})
    for bad in ("weekdays", "Mon-Fri 17:00-09:00", "Mon-Fri 25:00-26:00"):
        try:
            parse_hours(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


ZONES = ["Asia/Seoul", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin", "America/Sao_Paulo"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(ZONES), min_size=1, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 200), st.booleans()), max_size=12),
    st.integers(1, 6),
)
def test_every_pick_is_inside_both_days_and_never_double_booked(zones, booked, count) -> None:
    hours = {f"U{i}": WorkingDay(z, WEEKDAYS) for i, z in enumerate(zones)}
    people = sorted(hours)
    bookings = [
        Booking(
            people[who % len(people)],
            _at(0) + timedelta(minutes=30 * slot),
            _at(0) + timedelta(minutes=30 * slot + 60),
            interview=interview,
        )
        for who, slot, interview in booked
    ]
    picks = _plan(_needs(count, pool=tuple(people)), hours=hours, bookings=bookings)
    taken = [(b.user_id, b.starts_at, b.ends_at) for b in bookings]
    for p in picks:
        if p.starts_at is None:
            assert p.refusals
            continue
        end = p.starts_at + timedelta(minutes=60)
        assert SEOUL.contains(p.starts_at, end) and hours[p.user_id].contains(p.starts_at, end)
        assert not any(u == p.user_id and s < end and p.starts_at < e for u, s, e in taken)
        taken.append((p.user_id, p.starts_at, end))


def test_step_two_names_each_reason_and_what_would_work() -> None:
    from bot.loops.requests import Gap, Unavailable
    from bot.render import render

    people = [
        Unavailable(user_id="UA", reason="cap", hours="Mon–Fri 09:00–17:30 Asia/Seoul"),
        Unavailable(user_id="UB", reason="daily", hours="Mon–Fri 09:00–17:30 Asia/Seoul"),
        Unavailable(user_id="UC", reason="busy", hours="Mon–Fri 09:00–17:30 Asia/Seoul"),
    ]
    gap = Gap(
        number=2,
        minutes=60,
        candidate_hours="Mon–Fri 09:00–17:30 Asia/Seoul",
        candidate_utc="00:00–08:30 UTC",
        people=people,
    )
    text = render("create_step2_gap", gap=gap, tz="Asia/Seoul")
    assert "<@UA> (Mon–Fri 09:00–17:30 Asia/Seoul): already at the weekly cap" in text
    assert "<@UB> (Mon–Fri 09:00–17:30 Asia/Seoul): already at their daily maximum" in text
    assert "<@UC> (Mon–Fri 09:00–17:30 Asia/Seoul): already interviewing or busy" in text
    assert text.endswith(
        "*What would work:* a later first interview day; or pick a time and interviewer below "
        "yourself."
    )


def test_a_round_is_looked_for_within_two_weeks_of_the_first_day() -> None:
    """A candidate free on Mondays only, the pool busy on the first two: no time, with the
    reasons, rather than a round a month out (step 2 says "in the next two weeks")."""
    mondays = WorkingDay("Asia/Seoul", parse_hours("Mon 10:00-14:00"))
    first = date(2026, 11, 23)  # a Monday
    busy = [
        Booking(
            u,
            _at(0, day=first + timedelta(days=7 * week)),
            _at(23, day=first + timedelta(days=7 * week)),
        )
        for u in POOL
        for week in (0, 1)
    ]
    (pick,) = _plan(_needs(1), candidate=mondays, first_day=first, bookings=busy)
    assert pick.starts_at is None and pick.refusals
    (later,) = _plan(_needs(1), candidate=mondays, first_day=first, bookings=busy[:1])
    assert later.starts_at is not None and later.starts_at < _at(0, day=first + timedelta(days=14))


def test_an_answer_window_counts_only_the_person_s_working_hours() -> None:
    """Asked at 04:00 in Perth with four hours to answer: by 13:00 their time (09:00 + 4 h),
    not 08:00 before their day starts; asked at 16:30 on a Friday: by Monday 12:00."""
    perth = WorkingDay("Australia/Perth", WEEKDAYS)

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return _at(hour, minute, date(2026, 11, day), "Australia/Perth")

    assert perth.after(at(24, 4), timedelta(hours=4)) == at(24, 13)
    assert perth.after(at(24, 10), timedelta(hours=4)) == at(24, 14)
    assert perth.after(at(27, 16, 30), timedelta(hours=4)) == at(30, 12)
