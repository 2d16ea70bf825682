"""Engines and sessions: SQLite by default (WAL, busy timeout, BEGIN IMMEDIATE) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, event, text
from sqlalchemy.engine import Engine, Row, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
# Locked (SQLite) or unreachable (PostgreSQL): nothing was half-written, and retrying works.
UNAVAILABLE = (OperationalError,)
READONLY = "loopbot_readonly"


def _prepare_sqlite_file(database: str | None) -> None:
    """Create the database file readable by its owner only: it holds candidate evaluations."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs) -> Engine:
    """An engine configured the way loopbot needs its store to behave on either database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg"))
        return create_engine(url, pool_pre_ping=True, **kwargs)
    _prepare_sqlite_file(parsed.database)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's begin event issue BEGIN, rather than pysqlite's deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, not just unlinked: an erased candidate stays erased.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the lock up front, so two of them wait on busy_timeout instead of failing
        # on upgrade; readers (WAL) never wait for anyone.
        # Straight on the driver's connection: SQLAlchemy's statement machinery cost more than
        # the statement, on every transaction. Its errors are SQLAlchemy's as they were.
        statement = "BEGIN" if conn.get_execution_options().get(READONLY) else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    return engine


def rows(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> Sequence[Row[Any]]:
    """The plain rows of a read that needs no ORM objects, run on the session's own connection
    and transaction. Core's execution skips the ORM's (identity map, object loading), which costs
    more CPU than the statement itself on the hot reads. Rows read like objects (`row.id`).
    Changes the session holds unflushed are flushed first, as an ORM query would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params).all()


class Database:
    """The one way code gets a session: `with db.session() as s:` commits or rolls back."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._read_engine = self.engine.execution_options(**{READONLY: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only: it never takes SQLite's write lock and never commits."""
        # Closing (not rolling back) keeps loaded objects usable after the block; the pool
        # rolls the connection back when it takes it in.
        with Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.read() as session:
                session.connection().execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def compact(self, *, wait_seconds: float = 60.0) -> bool:
        """After erasing: on SQLite, rewrite the file and empty the write-ahead log so no freed
        page or old log frame still holds what was deleted. A reader still on an older snapshot
        keeps the old pages in the file, so this waits (up to `wait_seconds`) until every reader
        has moved on. False when one never did: the erased rows are gone from every query but
        may still sit in the file's bytes until the next compaction. PostgreSQL needs nothing."""
        if self.dialect != "sqlite":
            return True
        deadline = time.monotonic() + wait_seconds
        # Outside any transaction (VACUUM refuses to run inside one), so not through a session.
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            # Each checkpoint waits on the busy timeout for readers: kept short, so the wait
            # ends near `wait_seconds`, not a whole busy timeout later.
            (patience,) = cursor.execute("PRAGMA busy_timeout").fetchone()
            cursor.execute("PRAGMA busy_timeout=50")
            try:
                while True:
                    busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if not busy or time.monotonic() >= deadline:
                        break
                    time.sleep(0.05)
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(patience)}")
            cursor.close()
        finally:
            raw.close()
        return not busy

    def dispose(self) -> None:
        self.engine.dispose()
