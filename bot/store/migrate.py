"""Schema migrations (Alembic), run by `loopbot db upgrade` or once per deploy."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default)."""
    command.upgrade(alembic_config(db), revision)


def downgrade(db: Database, revision: str) -> None:
    command.downgrade(alembic_config(db), revision)


_heads: list[str] = []


def schema_state(db: Database) -> str:
    """ "ok", "unreachable", or "needs `loopbot db upgrade`" (older, or never upgraded)."""
    if not _heads:
        _heads.extend(ScriptDirectory.from_config(alembic_config(db)).get_heads())
    try:
        # A read: it never waits for SQLite's write lock, which another process may hold.
        with db.read() as session:
            current = MigrationContext.configure(session.connection()).get_current_heads()
    except SQLAlchemyError:
        return "unreachable"
    return "ok" if set(current) == set(_heads) else "needs `loopbot db upgrade`"
