"""Once only, across replicas and restarts: Events API deliveries by event id, signed requests
by signature (the replay guard)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import delete

from bot.store import Database
from bot.store.models import ProcessedEvent, SeenRequest
from bot.store.types import UTCDateTime

REPLAY_WINDOW = timedelta(minutes=5)
"""Slack refuses to sign for longer: an older timestamp fails verification before this check."""

# One statement, no exception on a replay: both engines take ON CONFLICT DO NOTHING.
_CLAIM = text(
    "INSERT INTO seen_requests (key, seen_at) VALUES (:key, :at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("at", type_=UTCDateTime()))


def claim_event(db: Database, event_id: str) -> bool:
    """True for the first delivery of `event_id`, False for any retry or duplicate."""
    try:
        with db.session() as session:
            session.add(ProcessedEvent(event_id=event_id[:64]))
        return True
    except IntegrityError:
        return False


def forget_events_before(db: Database, cutoff: datetime) -> int:
    """Prune claimed ids older than Slack's retry window; returns how many went."""
    with db.session() as session:
        result = session.exec(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
        return result.rowcount or 0


RETRY_WINDOW = timedelta(hours=2)


GUARD_WAIT_MS = 1500
"""How long the replay guard waits for SQLite's write lock before this process's memory guards
the request instead: the acknowledgement must reach Slack within 3 s."""
_SQLITE_CLAIM = "INSERT INTO seen_requests (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING"


def claim_request(db: Database, signature: str, now: datetime) -> bool:
    """True the first time a verified signature is seen by any process; False for a replay."""
    key = hashlib.sha256(signature.encode()).hexdigest()
    if db.dialect == "sqlite":
        return _claim_sqlite(db, key, now)
    with db.engine.begin() as conn:
        result = conn.execute(_CLAIM, {"key": key, "at": now})
        return result.rowcount == 1


def _claim_sqlite(db: Database, key: str, now: datetime) -> bool:
    """Every signed request pays for this, so it skips SQLAlchemy's statement machinery: one
    statement on a pooled driver connection, its own transaction (the connections are in
    autocommit; SQLite takes the write lock for it, waiting up to GUARD_WAIT_MS). The time
    is written as SQLAlchemy writes it (naive UTC text), so pruning compares alike."""
    at = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        (usual,) = cursor.execute("PRAGMA busy_timeout").fetchone()
        try:
            cursor.execute(f"PRAGMA busy_timeout={min(usual, GUARD_WAIT_MS)}")
            cursor.execute(_SQLITE_CLAIM, (key, at))
            return cursor.rowcount == 1
        except sqlite3.OperationalError as error:  # locked, or gone: as the engine raises it
            raise OperationalError(_SQLITE_CLAIM, None, error) from error
        finally:
            cursor.execute(f"PRAGMA busy_timeout={usual}")
            cursor.close()
    finally:
        raw.close()


def forget_requests_before(db: Database, cutoff: datetime) -> int:
    """Drop signatures older than the replay window (their timestamps fail verification now)."""
    with db.session() as session:
        result = session.exec(delete(SeenRequest).where(SeenRequest.seen_at < cutoff))
        return result.rowcount or 0
