"""Which submission a live round would come before: the rule behind step 2's refusal and a
reschedule's note (both driven end to end in tests/e2e/test_async_rounds_and_places.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.loops.places import ahead_of_submission

DUE = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
LATER = DUE + timedelta(days=3)


def test_a_live_round_builds_on_every_submission_before_it_never_on_one_after() -> None:
    rounds = [(1, True, DUE), (2, False, None), (3, True, LATER), (4, False, None)]
    between = DUE + timedelta(days=1)
    assert ahead_of_submission(rounds, 2, DUE - timedelta(hours=1)) == 1
    assert ahead_of_submission(rounds, 2, between) is None  # round 3 comes after it
    assert ahead_of_submission(rounds, 4, between) == 3  # after the first, before the second
    assert ahead_of_submission(rounds, 4, DUE - timedelta(hours=1)) == 3  # the later deadline
    assert ahead_of_submission(rounds, 4, LATER) is None  # at the deadline is after it


def test_a_submission_already_in_or_a_round_without_a_time_is_ahead_of_nothing() -> None:
    received = [(1, True, None), (2, False, None)]  # the caller passes no deadline once it is in
    assert ahead_of_submission(received, 2, DUE - timedelta(days=1)) is None
    assert ahead_of_submission([(1, True, DUE), (2, False, None)], 2, None) is None
