"""Migration 0014: a round seat's part (interviewer, a trainee's shadow or reverse shadow), both
ways, on both engines. Rows written before it are interviewers; going back drops the part and
keeps the rows (and the reminders that refer to them)."""

from __future__ import annotations

from sqlalchemy import text

from bot.store import Database
from bot.store.migrate import downgrade, upgrade
from tests.store.test_reminder_steps import _SEED, _insert, _reminder

BEFORE = "0013"


def _parts(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT part FROM assignments ORDER BY id")).scalars())


def test_old_seats_are_interviewers_and_the_part_goes_again(any_db: Database) -> None:
    downgrade(any_db, BEFORE)
    for statement in _SEED:
        _insert(any_db, statement)
    _insert(any_db, _reminder(0))
    upgrade(any_db)
    assert _parts(any_db) == ["interviewer"]
    _insert(
        any_db,
        "INSERT INTO assignments (id, loop_id, round_id, letter, role_code, user_id, active, "
        "created_at, part) VALUES (2, 1, 1, 'R', 'PI', 'U3', true, :at, 'shadow')",
    )
    assert _parts(any_db) == ["interviewer", "shadow"]
    downgrade(any_db, BEFORE)
    with any_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assignments")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM reminders")).scalar_one() == 1
    upgrade(any_db)
    assert _parts(any_db) == ["interviewer", "interviewer"]
