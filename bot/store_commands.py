"""`loopbot purge`, `loopbot db upgrade` and `loopbot db compact`: the operator's commands on
the store. Each answers a mistake with one line and a non-zero exit."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def purge(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.purge import loops_of_candidate, loops_older_than, purge_loops, retention_cutoff
    from bot.slack.client import make_client
    from bot.slack.messenger import Messenger
    from bot.startup import open_database

    if not args.candidate and args.older_than_days is None:
        print("say which: --candidate KEY or --older-than-days N", file=sys.stderr)
        return 2
    if args.candidate and args.older_than_days is not None:
        print("give one of --candidate KEY or --older-than-days N, not both", file=sys.stderr)
        return 2
    if args.older_than_days is not None and args.older_than_days < 1:
        print(
            "--older-than-days must be 1 or more (0 would erase every finished loop)",
            file=sys.stderr,
        )
        return 2
    now = datetime.now(UTC)
    db = open_database(settings.database_url, current=True)
    with db.read() as session:
        if args.candidate:
            ids, reason = loops_of_candidate(session, args.candidate), "candidate request"
        else:
            ids = loops_older_than(session, retention_cutoff(now, args.older_than_days))
            reason = f"retention ({args.older_than_days} days)"
    if args.candidate and not ids:  # a typo would look like an erasure done
        print(f"no loop has the candidate key {args.candidate}: nothing erased")
        return 0
    token = settings.slack_bot_token.get_secret_value()
    messenger = Messenger(make_client(token, settings.api_url)) if token else None
    report = purge_loops(
        db=db, messenger=messenger, loop_ids=ids, actor="cli", reason=reason, now=now
    )
    print(
        f"erased {report.loops} loop(s), {report.scorecards} scorecard(s); Slack messages "
        f"deleted: {report.messages_deleted}, left: {report.messages_left}"
    )
    if report.messages_left:
        why = ", ".join(f"{error} ×{n}" for error, n in sorted(report.refusals.items()))
        print(
            f"{report.messages_left} Slack message(s) not deleted ({why}); delete them by hand",
            file=sys.stderr,
        )
    if not report.compacted:
        print(
            "the erased rows are gone, but another process kept reading the database file, "
            "so their bytes may remain in its free pages: stop loopbot and run "
            "`loopbot db compact`",
            file=sys.stderr,
        )
        return 1
    return 0


def db_compact(args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    from bot.startup import StartupError, open_database, reason, where

    db = open_database(settings.database_url)
    try:
        compacted = db.compact()
    except (SQLAlchemyError, sqlite3.Error) as exc:  # VACUUM runs on the driver's connection
        raise StartupError(
            f"compacting the database {where(db.url)} failed ({reason(exc)})"
        ) from None
    if not compacted:
        print(
            "another process kept reading the database file; stop loopbot and try again",
            file=sys.stderr,
        )
        return 1
    print("compacted" if db.dialect == "sqlite" else "nothing to do on PostgreSQL")
    return 0


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.startup import StartupError, open_database, reason, where
    from bot.store.migrate import upgrade

    db = open_database(settings.database_url, create=True)
    try:
        upgrade(db)
    except SQLAlchemyError as exc:
        raise StartupError(
            f"upgrading the database {where(db.url)} failed ({reason(exc)})"
        ) from None
    print(f"database schema is up to date ({db.dialect})")
    return 0
