"""Migration 0018: a hybrid round's written part. Hybrid rounds of loops made before it get
the due time a loop made now would give them; both ways, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from bot.store import Database
from bot.store.migrate import downgrade, upgrade
from bot.store.models import Round
from tests.store.test_reminder_steps import _SEED, _insert

BEFORE = "0017"


def test_a_hybrid_round_made_before_the_upgrade_gets_its_written_part_due(
    any_db: Database,
) -> None:
    downgrade(any_db, BEFORE)
    for statement in _SEED:
        _insert(any_db, statement)
    # Tuesday 1 December, 10:15 in Seoul: due Monday 30 November, 17:00 there.
    _insert(any_db, "UPDATE loops SET candidate_tz = 'Asia/Seoul' WHERE id = 1")
    _insert(
        any_db,
        "UPDATE rounds SET format = 'hybrid', starts_at = '2026-12-01 01:15:00.000000' "
        "WHERE id = 1",
    )
    _insert(
        any_db,
        "INSERT INTO rounds (id, loop_id, number, name, duration_minutes, format, cancelled, "
        "version, starts_at) VALUES (2, 1, 2, 'Live', 60, 'live', false, 1, "
        "'2026-12-01 03:00:00.000000')",
    )
    upgrade(any_db)
    due = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with Session(any_db.engine) as session:
        hybrid, live = session.get(Round, 1), session.get(Round, 2)
        assert hybrid is not None and live is not None
        assert hybrid.written_due == due and live.written_due is None
    downgrade(any_db, BEFORE)
    upgrade(any_db)
    with Session(any_db.engine) as session:
        again = session.get(Round, 1)
        assert again is not None and again.written_due == due
