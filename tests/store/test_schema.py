"""The schema: migrations build it on both engines, and timestamps come back aware UTC."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel, select

from bot.store import Database
from bot.store.migrate import downgrade, upgrade
from bot.store.models import AuditEntry, Loop, Reminder, Round, TemplateVersion

TABLES = {
    "template_versions",
    "loops",
    "rounds",
    "assignments",
    "reminders",
    "scorecards",
    "scorecard_revisions",
    "decisions",
    "audit_entries",
    "slack_messages",
    "processed_events",
}


def test_migrations_create_every_table(any_db: Database) -> None:
    assert TABLES <= set(inspect(any_db.engine).get_table_names())


def test_migrations_match_the_models(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata
        )
    assert diff == []


def test_downgrade_and_upgrade_again(any_db: Database) -> None:
    downgrade(any_db, "base")
    assert not TABLES & set(inspect(any_db.engine).get_table_names())
    upgrade(any_db)
    assert TABLES <= set(inspect(any_db.engine).get_table_names())


def _loop(session) -> Loop:
    template = TemplateVersion(template_id="t", version="1", sha256="0" * 64, title="T", body={})
    session.add(template)
    session.flush()
    loop = Loop(
        short_id="L1",
        candidate_name="Ada",
        template_version_id=template.id,
        candidate_tz="Asia/Seoul",
        created_by="U1",
    )
    session.add(loop)
    session.flush()
    return loop


@pytest.mark.parametrize("offset_hours", [0, 9, -7])
def test_datetimes_round_trip_as_aware_utc(any_db: Database, offset_hours: int) -> None:
    written = datetime(
        2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=offset_hours))
    )
    with any_db.session() as session:
        loop = _loop(session)
        session.add(Round(loop_id=loop.id, number=1, name="Async Build", starts_at=written))
    with any_db.session() as session:
        (read,) = session.exec(select(Round.starts_at)).all()
        (created,) = session.exec(select(Loop.created_at)).all()
    assert read == written and read.tzinfo is not None and read.utcoffset() == timedelta(0)
    assert created.tzinfo is not None and created.utcoffset() == timedelta(0)


def test_due_times_compare_in_utc_across_offsets(any_db: Database) -> None:
    base = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with any_db.session() as session:
        loop = _loop(session)
        rnd = Round(loop_id=loop.id, number=1, name="R")
        session.add(rnd)
        session.flush()
        session.add(
            AuditEntry(actor="U1", action="x", at=base.astimezone(timezone(timedelta(hours=5))))
        )
        session.add(AuditEntry(actor="U1", action="y", at=base + timedelta(minutes=1)))
    with any_db.session() as session:
        earlier = session.exec(
            select(AuditEntry.action).where(AuditEntry.at <= base + timedelta(seconds=30))
        ).all()
    assert earlier == ["x"]


def test_naive_datetimes_are_refused(any_db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        with any_db.session() as session:
            loop = _loop(session)
            session.add(Round(loop_id=loop.id, number=1, name="R", starts_at=datetime(2026, 1, 1)))
            session.flush()
    with any_db.session() as session:
        assert session.exec(select(Loop)).all() == []


def test_reminder_rows_are_unique_per_assignment_kind_and_version(any_db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from bot.store.models import Assignment

    due = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with any_db.session() as session:
        loop = _loop(session)
        rnd = Round(loop_id=loop.id, number=1, name="R")
        session.add(rnd)
        session.flush()
        who = Assignment(loop_id=loop.id, round_id=rnd.id, letter="R", role_code="PI", user_id="U2")
        session.add(who)
        session.flush()
        ids = (who.id, rnd.id)
    with pytest.raises(IntegrityError):
        with any_db.session() as session:
            for _ in range(2):
                session.add(
                    Reminder(
                        assignment_id=ids[0],
                        round_id=ids[1],
                        kind="guide",
                        round_version=1,
                        due_at=due,
                    )
                )
            session.flush()


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'sub' / 'loopbot.db'}")
    upgrade(db)
    mode = stat.S_IMODE((tmp_path / "sub" / "loopbot.db").stat().st_mode)
    assert mode == 0o600
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_db_upgrade_command(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "up to date (sqlite)" in capsys.readouterr().out
    assert TABLES <= set(
        inspect(Database(f"sqlite:///{tmp_path / 'cli.db'}").engine).get_table_names()
    )
