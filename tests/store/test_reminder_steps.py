"""Migration 0013: a reminder row per step of the feedback cadence, both ways, on both engines.

The rows written before it keep step 0 (their key unchanged); after it, one reminder kind of
one assignment and round version may have a row per step, and never two for the same step.
Going back, the later steps go and the old key holds again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.store import Database
from bot.store.migrate import downgrade, upgrade

BEFORE = "0011"

_SEED = [
    "INSERT INTO template_versions (id, template_id, version, sha256, title, body, loaded_at) "
    "VALUES (1, 't', '1', :sha, 'T', '{}', :at)",
    "INSERT INTO loops (id, short_id, candidate_name, template_version_id, candidate_tz, status, "
    "finalist, version, created_by, created_at, updated_at) "
    "VALUES (1, 'L1', 'Ada', 1, 'UTC', 'scheduled', false, 1, 'U1', :at, :at)",
    "INSERT INTO rounds (id, loop_id, number, name, duration_minutes, format, cancelled, version) "
    "VALUES (1, 1, 1, 'R', 60, 'live', false, 1)",
    "INSERT INTO assignments (id, loop_id, round_id, letter, role_code, user_id, active, "
    "created_at) VALUES (1, 1, 1, 'R', 'PI', 'U2', true, :at)",
]


def _reminder(step: int | None) -> str:
    columns = "assignment_id, loop_id, round_id, kind, round_version, due_at, state, attempts, "
    columns += "updated_at" + (", step" if step is not None else "")
    values = "1, 1, 1, 'nudge', 1, :at, 'pending', 0, :at" + (
        f", {step}" if step is not None else ""
    )
    return f"INSERT INTO reminders ({columns}) VALUES ({values})"


def _count(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM reminders")).scalar_one()


def _insert(db: Database, statement: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement), {"at": "2026-11-23 08:00:00.000000", "sha": "0" * 64})


def test_steps_join_the_key_and_leave_it_again(any_db: Database) -> None:
    downgrade(any_db, BEFORE)
    for statement in _SEED:
        _insert(any_db, statement)
    _insert(any_db, _reminder(None))
    with pytest.raises(IntegrityError):
        _insert(any_db, _reminder(None))

    upgrade(any_db)
    with any_db.engine.connect() as conn:
        assert conn.execute(text("SELECT step FROM reminders")).scalar_one() == 0
    _insert(any_db, _reminder(1))
    _insert(any_db, _reminder(2))
    with pytest.raises(IntegrityError):
        _insert(any_db, _reminder(2))
    assert _count(any_db) == 3

    downgrade(any_db, BEFORE)
    assert _count(any_db) == 1
    with pytest.raises(IntegrityError):
        _insert(any_db, _reminder(None))
    upgrade(any_db)
    _insert(any_db, _reminder(1))
    assert _count(any_db) == 2
