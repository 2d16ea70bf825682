"""`loopbot`: the command line. This module is the composition root: the one place in `bot/`
that wires the Slack surface (`handlers/`) to the product, for `serve` and `demo`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bot import store_commands
from bot.documents import DocumentErrors, check_documents, load_deployed
from bot.documents.describe import describe_loop
from bot.documents.library import Library
from bot.documents.models import LoopTemplate
from bot.settings import Settings, get_settings


def _docs_check(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.path) if args.path else settings.docs_dir
    results = check_documents(path, settings.loopbot_reminders)
    failed = 0
    for name, errors, warnings in results:
        if errors:
            failed += 1
            print(f"FAIL {name}")
            for error in errors:
                print(f"  {error}")
        else:
            print(f"ok   {name}")
            for warning in warnings:
                print(f"  warning: {warning}")
    if not results:
        print(f"no documents (*.md) under {path}")
        return 1
    print(f"{len(results) - failed} ok, {failed} with errors")
    return 1 if failed else 0


def _library(settings: Settings) -> Library | None:
    try:
        return load_deployed(settings)
    except DocumentErrors as exc:
        print(f"documents in {settings.docs_dir} have errors:\n{exc}", file=sys.stderr)
        return None


def _docs_list(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    if library is None:
        return 1
    for kind, doc_id, source in library.documents():
        print(f"{kind:<18} {doc_id:<36} {source}")
    return 0


def _docs_show(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    if library is None:
        return 1
    found = next(
        (
            doc
            for group in (library.debriefs, library.loops, library.round_types)
            + (library.guides, library.contexts, library.prep_guides)
            for doc_id, doc in group.items()
            if doc_id == args.id
        ),
        None,
    )
    if found is None:
        known = ", ".join(doc_id for _, doc_id, _ in library.documents())
        print(f"no document with id '{args.id}' (known: {known})", file=sys.stderr)
        return 1
    if isinstance(found, LoopTemplate) and not args.json:
        print(describe_loop(found))
    else:
        print(json.dumps(found.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.debrief.export import export_markdown
    from bot.errors import LoopbotError
    from bot.loops.queries import find_loop
    from bot.startup import open_database

    library = _library(settings)
    if library is None:
        return 1
    db = open_database(settings.database_url, current=True)
    try:
        with db.read() as session:
            loop = find_loop(session, args.loop)
            text = export_markdown(
                session,
                loop,
                datetime.now(UTC),
                library,
            )
    except LoopbotError as exc:  # said as to a person in Slack: the command line's way here
        said = exc.user_message.replace("`/loop list` shows the loops you're part of.", "")
        print(f"loopbot: {said.replace('`', '').strip().rstrip('.')}", file=sys.stderr)
        return 1
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"loopbot: cannot write {args.out} ({exc.strerror or exc})", file=sys.stderr)
            return 1
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def build_runtime(settings: Settings, library: Library | None = None):
    """Documents, database and messenger, checked before anything is served."""
    from bot.runtime import Runtime
    from bot.slack.client import make_client
    from bot.slack.messenger import Messenger
    from bot.store import Database

    library = library or load_deployed(settings)
    messenger = Messenger(
        make_client(settings.slack_bot_token.get_secret_value(), settings.api_url)
    )
    return Runtime(
        settings=settings, db=Database(settings.database_url), library=library, messenger=messenger
    )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.logs import configure_logging
    from bot.server import serve_forever
    from bot.startup import check_calendar, check_token, listen, open_database
    from handlers import create_app
    from handlers.http import make_wsgi_app

    configure_logging(json_lines=settings.loopbot_log_json, level=settings.loopbot_log_level)
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_APP_TOKEN", settings.slack_app_token if args.socket_mode else None),
        )
        if value is not None and not value.get_secret_value()
    ]
    if missing:
        print(
            f"loopbot serve needs {', '.join(missing)} (see README: Running it in a real "
            "workspace)",
            file=sys.stderr,
        )
        return 2
    library = _library(settings)
    if library is None:
        return 1
    check_calendar(settings)  # before the runtime connects with the same credentials
    open_database(settings.database_url, current=True).dispose()
    checked = build_runtime(settings, library)
    check_token(checked.messenger, settings.api_url)
    checked.db.dispose()

    def build():
        # In each serving process: its own database connections, scheduler and pools.
        from bot.app.replacements import settle_questions
        from bot.reminders.scheduler import serving_dispatcher, start_scheduler
        from bot.startup import reload_on_hangup

        runtime = build_runtime(settings, library)
        app = create_app(runtime)
        start_scheduler(
            runtime,
            serving_dispatcher(runtime),
            every_minute={"replacement-questions": lambda: settle_questions(runtime)},
        )
        reload_on_hangup(runtime)
        return app, runtime

    if args.socket_mode:
        from handlers.socket_mode import serve_socket_mode

        alone = " (one process: LOOPBOT_PROCESSES is for HTTP)"
        many = settings.loopbot_processes > 1
        print(
            f"loopbot connecting to Slack over Socket Mode{alone if many else ''}", file=sys.stderr
        )
        return _ended(
            serve_socket_mode(
                build,
                settings.slack_app_token.get_secret_value(),
                grace_s=settings.loopbot_grace_seconds,
            )
        )
    listener = listen(settings.host, settings.port)
    processes = settings.loopbot_processes
    print(
        f"loopbot listening on {settings.host}:{settings.port} (POST /slack/events, GET /healthz)"
        f"; {processes} process{'es' if processes > 1 else ''} x {settings.loopbot_threads} "
        "threads",
        file=sys.stderr,
    )

    def wsgi():
        app, runtime = build()
        return make_wsgi_app(app, runtime), runtime.drain

    return _ended(
        serve_forever(
            wsgi,
            listener=listener,
            threads=settings.loopbot_threads,
            processes=processes,
            grace_s=settings.loopbot_grace_seconds,
        )
    )


def _ended(status: int) -> int:
    """A stop that left work behind (a call to a Slack that stalls) exits now, with its status:
    the threads still at that work must not hold the process past LOOPBOT_GRACE_SECONDS."""
    if status:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo
    from handlers import create_app
    from handlers.http import make_wsgi_app

    return run_demo(create_app, make_wsgi_app, speed=args.speed)


ABOUT = "loopbot runs interview loops in Slack, driven by the hiring team's own documents."
SETTINGS_HELP = """settings come from the environment (or a .env file in the current folder):
  DATABASE_URL      sqlite:///loopbot.db (default), or postgresql://user:pass@host/db
  LOOPBOT_DOCS      folder of loop documents (default: the documents shipped with loopbot)
  SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL   for serve and purge
  LOOPBOT_LOG_LEVEL, LOOPBOT_LOG_JSON   logging
every setting and its default: the README's Configuration table"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("loopbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="loopbot", description=ABOUT, epilog=SETTINGS_HELP, formatter_class=formatter
    )
    parser.add_argument("--version", action="version", version=f"loopbot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent, name: str, summary: str, epilog: str | None = None):
        return parent.add_parser(
            name, help=summary, description=summary, epilog=epilog, formatter_class=formatter
        )

    docs = command(commands, "docs", "check and inspect loop documents (LOOPBOT_DOCS)")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True, metavar="COMMAND")
    check = command(
        docs_commands,
        "check",
        "validate every document: one line per file, file:line for each error; "
        "exits non-zero on any error",
    )
    check.add_argument("path", nargs="?", help="file or folder (default: LOOPBOT_DOCS)")
    check.set_defaults(run=_docs_check)
    docs_list = command(docs_commands, "list", "list the documents loaded from LOOPBOT_DOCS")
    docs_list.set_defaults(run=_docs_list)
    show = command(docs_commands, "show", "what loopbot understood from one LOOPBOT_DOCS document")
    show.add_argument("id", help="the document's id (see `loopbot docs list`)")
    show.add_argument("--json", action="store_true", help="stable machine-readable form")
    show.set_defaults(run=_docs_show)

    db = command(commands, "db", "the database schema (DATABASE_URL)")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = command(db_commands, "upgrade", "apply migrations to DATABASE_URL (once per deploy)")
    upgrade.set_defaults(run=store_commands.db_upgrade)
    compact = command(
        db_commands,
        "compact",
        "rewrite a SQLite file so nothing erased stays in its free pages (after a purge)",
    )
    compact.set_defaults(run=store_commands.db_compact)

    export = command(commands, "export", "a loop's debrief as a Markdown document (DATABASE_URL)")
    export.add_argument("loop", help="the loop's short id, as on its card")
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(run=_export)

    purge = command(
        commands,
        "purge",
        "erase a candidate's loops and loopbot's messages about them",
        "reads DATABASE_URL; deletes the Slack messages with SLACK_BOT_TOKEN (and SLACK_API_URL)",
    )
    purge.add_argument("--candidate", metavar="KEY", help="the candidate key")
    purge.add_argument(
        "--older-than-days", type=int, metavar="N", help="every finished loop untouched for N days"
    )
    purge.set_defaults(run=store_commands.purge)

    serve = command(
        commands,
        "serve",
        "serve Slack's requests (HTTP, or Socket Mode) and send the reminders",
        "needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for --socket-mode);\n"
        "reads DATABASE_URL, LOOPBOT_DOCS, PORT, LOOPBOT_PROCESSES, LOOPBOT_THREADS and the\n"
        "LOOPBOT_* policy settings (see the README's Configuration table);\n"
        "POST /slack/events, GET /healthz, GET /metrics; kill -HUP re-reads the documents",
    )
    serve.add_argument("--socket-mode", action="store_true", help="connect with SLACK_APP_TOKEN")
    serve.set_defaults(run=_serve)

    demo = command(
        commands,
        "demo",
        "play a whole loop offline against the built-in Slack emulator (needs no settings)",
    )
    demo.add_argument("--speed", type=seconds, default=0.0, help="seconds to pause between steps")
    demo.set_defaults(run=_demo)
    return parser


def seconds(text: str) -> float:
    """A pause in seconds, from 0 to 3600 (an hour)."""
    value = float(text)  # argparse names the option when this raises ValueError
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("give seconds from 0 to 3600")
    return value


def main(argv: list[str] | None = None) -> int:
    from bot.settings import BadSettings
    from bot.startup import StartupError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args, get_settings())
    except KeyboardInterrupt:  # Ctrl-C: the operator knows why it stopped
        print(file=sys.stderr)
        return 130
    except BadSettings as exc:
        print(f"loopbot: setting {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"loopbot: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
