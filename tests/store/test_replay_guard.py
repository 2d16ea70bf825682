"""The replay guard's statement, on both engines: first claim wins, a replay loses, pruning
drops what is older than the window, and a locked SQLite file raises what the request path
falls back on (this process's memory) instead of an error page."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.events import claim_request, forget_requests_before
from bot.store import UNAVAILABLE, Database
from bot.store.migrate import upgrade

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_signature_is_claimed_once_and_pruned_after_the_window(any_db: Database) -> None:
    assert claim_request(any_db, "v0=aa", NOW)
    assert not claim_request(any_db, "v0=aa", NOW + timedelta(seconds=1))
    assert claim_request(any_db, "v0=bb", NOW + timedelta(minutes=4))
    assert forget_requests_before(any_db, NOW + timedelta(minutes=1)) == 1
    assert claim_request(any_db, "v0=aa", NOW + timedelta(minutes=6))  # its window is over
    assert not claim_request(any_db, "v0=bb", NOW + timedelta(minutes=6))


def test_a_locked_sqlite_file_raises_what_the_request_path_falls_back_on(tmp_path: Path) -> None:
    path = tmp_path / "loopbot.db"
    db = Database(f"sqlite:///{path}", busy_timeout_ms=50)
    upgrade(db)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with pytest.raises(UNAVAILABLE) as raised:
            claim_request(db, "v0=cc", NOW)
        assert isinstance(raised.value, OperationalError)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert claim_request(db, "v0=cc", NOW)  # and it works again once the lock is gone
    db.dispose()


def test_a_locked_sqlite_file_is_given_up_on_in_time_for_slacks_three_seconds(
    tmp_path: Path,
) -> None:
    """The store waits up to 5 s for a lock; the replay guard, which every request passes
    before its acknowledgement, gives up after GUARD_WAIT_MS and leaves the rest alone."""
    import time

    from bot.events import GUARD_WAIT_MS

    path = tmp_path / "loopbot.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(UNAVAILABLE):
            claim_request(db, "v0=dd", NOW)
        assert GUARD_WAIT_MS / 1000 - 0.1 <= time.monotonic() - started < 2.5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert claim_request(db, "v0=dd", NOW)
    raw = db.engine.raw_connection()  # the pooled connection's usual wait is back
    try:
        assert raw.cursor().execute("PRAGMA busy_timeout").fetchone() == (5000,)
    finally:
        raw.close()
    db.dispose()
