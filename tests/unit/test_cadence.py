"""The feedback cadence in a person's own working days (bot.reminders.cadence)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.loops.hours import Hours, WorkingDay, parse_hours
from bot.reminders.cadence import Cadence, after, working_day_start

SYDNEY = WorkingDay("Australia/Sydney", parse_hours("Mon-Fri 09:00-17:30"))
# Friday 27 Nov 2026, 16:00 in Sydney (05:00 UTC).
FRIDAY = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def test_working_days_skip_the_persons_weekend_in_their_zone() -> None:
    starts = [working_day_start(FRIDAY, SYDNEY, n) for n in (1, 2, 3)]
    # Monday, Tuesday, Wednesday 09:00 in Sydney: Sunday, Monday, Tuesday 22:00 UTC.
    assert starts == [
        datetime(2026, 11, 29, 22, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 22, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 22, 0, tzinfo=UTC),
    ]


def test_their_own_days_and_start_count() -> None:
    sun_thu = WorkingDay("Asia/Dubai", Hours(frozenset({6, 0, 1, 2, 3}), time(8), time(16)))
    # Thursday 26 Nov afternoon in Dubai: next working day is Sunday 29, 08:00 (04:00 UTC).
    thursday = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    assert working_day_start(thursday, sun_thu, 1) == datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def test_after_names_the_next_reminder_still_ahead_and_the_escalation() -> None:
    cadence = Cadence(days=5, escalate_day=2)
    where = after(0, FRIDAY, SYDNEY, cadence, FRIDAY)
    assert (where.number, where.steps, where.next_step) == (1, 6, 1)
    assert where.next_at == datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
    assert where.escalate_at == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    # Sent late, on Tuesday evening: the next is Wednesday's (step 3), the escalation is past.
    late = after(1, FRIDAY, SYDNEY, cadence, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert (late.next_step, late.escalate_at) == (3, None)
    # The last one has no next.
    assert after(5, FRIDAY, SYDNEY, cadence, FRIDAY).next_at is None
    assert after(0, FRIDAY, SYDNEY, Cadence(days=0), FRIDAY).next_step is None
