"""Whether a Slack call is made while SQLite's write lock is held (every incoming request's
replay guard waits on that lock before its acknowledgement)."""

from __future__ import annotations

import sqlite3

from bot.slack.messenger import Messenger


def slack_calls_under_the_write_lock(messenger: Messenger, database: str) -> list[str]:
    """From now on, each Slack method `messenger` calls while another connection could not
    take the write lock of the SQLite file `database` is appended to the list returned."""
    call, under_lock = messenger.call, []

    def checked(method: str, **kwargs):
        other = sqlite3.connect(database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
        except sqlite3.OperationalError:
            under_lock.append(method)
        finally:
            other.close()
        return call(method, **kwargs)

    messenger.call = checked  # type: ignore[method-assign]
    return under_lock
