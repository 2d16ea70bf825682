"""Whether a Slack call is made inside a write transaction: on SQLite it holds the file's write
lock, which every incoming request's replay guard waits on before its acknowledgement."""

from __future__ import annotations

import threading

from sqlalchemy import event

from bot.slack.messenger import Messenger
from bot.store import Database
from bot.store.db import READONLY


def slack_calls_under_the_write_lock(messenger: Messenger, db: Database) -> list[str]:
    """From now on, each Slack method `messenger` calls from a thread inside one of `db`'s
    write transactions (begun, not read-only, not yet ended) is appended to the list
    returned. Other threads' transactions do not count: they are not this call's doing."""
    writing = threading.local()

    def began(conn) -> None:
        writing.now = not conn.get_execution_options().get(READONLY)

    def ended(_conn) -> None:
        writing.now = False

    event.listen(db.engine, "begin", began)
    event.listen(db.engine, "commit", ended)
    event.listen(db.engine, "rollback", ended)
    call, under_lock = messenger.call, []

    def checked(method: str, **kwargs):
        if getattr(writing, "now", False):
            under_lock.append(method)
        return call(method, **kwargs)

    messenger.call = checked  # type: ignore[method-assign]
    return under_lock
