"""What `loopbot` checks before it serves or migrates, each failure said in one line."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import SlackUnavailable
from bot.slack.messenger import Messenger, SlackCallFailed
from bot.store import Database
from bot.store.migrate import schema_state


class StartupError(Exception):
    """Why loopbot cannot start, for the operator; `status` is the exit code."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def where(url: str) -> str:
    """Where the database is, as the end of "the database …": its file, its host and name,
    or the local socket that a URL without a host means; never its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"at {parsed.database or ':memory:'}"
    host = parsed.host or str(parsed.query.get("host") or "")
    if host.startswith("/"):
        return f"{parsed.database or ''} on the socket in {host}"
    if not host:
        return f"{parsed.database or ''} on the local socket"
    return f"at {host}:{parsed.port or 5432}/{parsed.database or ''}"


def reason(error: SQLAlchemyError) -> str:
    """The driver's own words, last clause of its first line ("Connection refused")."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = detail[0] if detail else type(error).__name__
    return first.rsplit(" failed: ", 1)[-1].strip()


def open_database(url: str, *, create: bool = False, current: bool = False) -> Database:
    """The store, reachable; at the schema this version expects when `current`. A SQLite file
    that is not there is made only when `create` (`loopbot db upgrade`): any other command
    says so rather than leave an empty file behind."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and name and name != ":memory:":
        if not create and not name.startswith("file:") and not os.path.exists(name):
            raise StartupError(f"there is no database at {name} (`loopbot db upgrade` makes one)")
    try:
        db = Database(url)
    except OSError as exc:  # the SQLite file's folder cannot be made or written
        raise StartupError(f"cannot open the database {where(url)} ({_why(exc)})") from None
    (check_current if current else check_reachable)(db)
    return db


def _why(exc: OSError) -> str:
    """An OS error in words, naming the part of a path that is a file where a folder must be."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        path = Path(exc.filename or "")
        blocking = next((p for p in (path, *path.parents) if p.is_file()), None)
        if blocking is not None:
            return f"{blocking} is a file, not a folder"
    return exc.strerror or str(exc)


def check_reachable(db: Database) -> None:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StartupError(f"cannot reach the database {where(db.url)} ({reason(exc)})") from None


def check_current(db: Database) -> None:
    """Reachable and migrated to what this version expects."""
    check_reachable(db)
    state = schema_state(db)
    if state != "ok":
        raise StartupError(f"the database {where(db.url)} needs `loopbot db upgrade` first")


def check_token(messenger: Messenger, api_url: str) -> None:
    try:
        messenger.call("auth.test")
    except SlackCallFailed as exc:
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({exc.error})") from None
    except SlackUnavailable:
        raise StartupError(f"cannot reach Slack at {api_url}") from None


def check_calendar(settings) -> None:
    """The calendar backend's credentials work (LOOPBOT_CALENDAR other than none)."""
    from bot.calendars import CalendarRefused, connect

    try:
        calendar = connect(settings)
        if calendar is not None:
            calendar.check()
    except CalendarRefused as exc:
        raise StartupError(str(exc)) from None


def listen(host: str, port: int) -> socket.socket:
    """Bind the serving port before saying it is listening."""
    try:
        return socket.create_server((host, port), backlog=1024)
    except OSError as exc:
        # A name that does not resolve (socket.gaierror) has a negative errno of its own.
        why = os.strerror(exc.errno) if (exc.errno or 0) > 0 else exc.strerror or str(exc)
        raise StartupError(f"cannot listen on {host}:{port} ({why})") from None


def reload_on_hangup(runtime) -> None:
    """`kill -HUP` re-reads the documents; a broken set leaves the previous one in service."""
    import logging
    import signal

    log = logging.getLogger("loopbot.documents")

    def reload(_signum, _frame) -> None:
        problems = runtime.reload_documents()
        if problems:
            log.error(
                "documents not reloaded; the previous set stays in service",
                extra={"problems": problems},
            )
        else:
            log.info("documents reloaded", extra={"loops": len(runtime.library.loops)})

    signal.signal(signal.SIGHUP, reload)
