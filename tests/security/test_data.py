"""Candidate data: never in logs, never past its purpose, erasable on request."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import pytest
from sqlmodel import col, select

from bot.logs import JsonLines, Redact
from bot.purge import loops_older_than, purge_loops, retention_cutoff
from bot.sandbox import Sandbox
from bot.settings import Settings
from bot.slack.client import make_client
from bot.slack.messenger import Messenger
from bot.store.models import (
    AuditEntry,
    Loop,
    Reminder,
    Scorecard,
    ScorecardRevision,
    SlackMessage,
)
from tests.e2e.helpers import (
    HM,
    MONDAY,
    REC,
    card_in_channel,
    create_loop,
    dm_texts,
    reschedule_by_modal,
    said,
    wait_for,
)
from tests.e2e.test_debrief import _decide, all_in, summaries

EVIDENCE = "Round {n} evidence."
NOTE = "Asked about the on-call rota twice."


@pytest.fixture
def story(sandbox: Sandbox):
    """A whole loop: created, guided, scored, debriefed and decided, with logs at DEBUG."""
    sandbox.now = MONDAY
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(Redact())
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        short_id = create_loop(sandbox)
        reschedule_by_modal(sandbox, REC, short_id, 6, MONDAY.replace(day=27, hour=1))
        wait_for(lambda: any(t.startswith("Moved 6.") for t in dm_texts(sandbox, REC)))
        sandbox.dispatch()
        all_in(sandbox, short_id, ["Hire", "Mixed", "Hire", "Hire", "No Hire", "Hire"], NOTE)
        _decide(sandbox, short_id, HM, "Hire", "Confident in the panel's evidence.")
        sandbox.dispatch(MONDAY.replace(day=30))
        wait_for(
            lambda: [m for m in summaries(sandbox, short_id) if "Decision" in json.dumps(m.blocks)]
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    yield sandbox, short_id, [handler.format(r) for r in records]


def test_logs_carry_no_candidate_data_scorecard_text_or_tokens(story) -> None:
    sb, _, lines = story
    assert len(lines) > 50
    text = "\n".join(lines)
    for secret in (
        "Juyoung",
        "Park",
        "Round 1 evidence",
        "Confident in the panel",
        sb.emulator.bot_token,
        sb.signing_secret,
        "What would you log",
    ):
        assert secret not in text, secret


def test_settings_never_show_tokens() -> None:
    settings = Settings(slack_bot_token="xoxb-real-token", slack_signing_secret="s3cr3t")
    shown = repr(settings) + str(settings.model_dump())
    assert "xoxb-real-token" not in shown and "s3cr3t" not in shown


def test_purge_erases_the_candidate_and_loopbots_messages(story) -> None:
    sb, short_id, _ = story
    with sb.db.read() as session:
        loop_id = session.exec(select(Loop.id).where(Loop.short_id == short_id)).one()
        posted = {(m.channel_id, m.ts) for m in session.exec(select(SlackMessage)).all()}
        posted |= set(
            session.exec(
                select(Reminder.channel_id, Reminder.sent_ts).where(
                    col(Reminder.sent_ts).is_not(None)
                )
            ).all()
        )
    bot = sb.emulator.workspace.bot.id
    about_candidate = {
        (m.channel, m.ts)
        for c in list(sb.emulator.workspace.channels.values())
        for m in sb.emulator.messages_in(c.id)
        if m.user == bot and (short_id in json.dumps(m.to_slack()) or "Juyoung" in (m.text or ""))
    }
    # Every kind a person received: the card (channel and DM), summary, receipts, guides, notices.
    assert about_candidate <= posted and len(about_candidate) > 20
    report = purge_loops(
        db=sb.db,
        messenger=sb.runtime.messenger,
        loop_ids=[loop_id],
        actor="cli",
        reason="candidate request",
        now=sb.clock(),
    )
    assert report.loops == 1 and report.scorecards == 6
    assert report.messages_deleted == len(posted) and report.messages_left == 0
    deleted = {
        (c.args["channel"], c.args["ts"])
        for c in sb.emulator.calls_to("chat.delete")
        if c.status == 200
    }
    assert deleted == posted
    left = [
        m
        for c in list(sb.emulator.workspace.channels.values())
        for m in sb.emulator.messages_in(c.id)
        if m.user == bot and (short_id in json.dumps(m.to_slack()) or "Juyoung" in (m.text or ""))
    ]
    assert left == []
    with sb.db.read() as session:
        for table in (Loop, Scorecard, ScorecardRevision, Reminder, SlackMessage):
            assert session.exec(select(table)).all() == [], table.__name__
        entries = session.exec(select(AuditEntry)).all()
    assert entries[-1].action == "candidate.purged" and entries[-1].loop_id is None
    audit = json.dumps([e.detail for e in entries] + [e.action for e in entries])
    assert "phoenix" not in audit and "Juyoung" not in audit
    assert all(e.loop_id is None for e in entries)


def test_purge_leaves_nothing_readable_in_the_sqlite_files(story) -> None:
    """The raw bytes of the database and its write-ahead log, searched after an erasure."""
    from pathlib import Path

    sb, short_id, _ = story
    database = Path(sb.database_url.removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    secrets = [b"Juyoung", b"phoenix_005_juyoung_park", NOTE.encode(), b"Round 3 evidence."]
    before = b"".join(f.read_bytes() for f in files if f.exists())
    assert all(s in before for s in secrets)  # the search finds them while they are there
    with sb.db.read() as session:
        loop_id = session.exec(select(Loop.id).where(Loop.short_id == short_id)).one()
    purge_loops(
        db=sb.db, messenger=None, loop_ids=[loop_id], actor="cli", reason="x", now=sb.clock()
    )
    after = {f.name: f.read_bytes() for f in files if f.exists()}
    assert {name: [s for s in secrets if s in raw] for name, raw in after.items()} == {
        name: [] for name in after
    }


def _sqlite_files(sb: Sandbox) -> list:
    from pathlib import Path

    database = Path(sb.database_url.removeprefix("sqlite:///"))
    return [database, database.with_name(database.name + "-wal")]


def _reader_on_a_snapshot(sb: Sandbox):
    """Another process's connection in the middle of a read: it pins the pages it can see."""
    import sqlite3

    reader = sqlite3.connect(_sqlite_files(sb)[0], isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM loops").fetchone()
    return reader


def test_purge_waits_for_a_reader_before_rewriting_the_file(story) -> None:
    """A reader still on the old snapshot when the purge ends would keep the erased pages in
    the file; the purge waits for it to finish rather than leave them there."""
    import threading

    from bot.store import Database

    sb, short_id, _ = story
    with sb.db.read() as session:
        loop_id = session.exec(select(Loop.id).where(Loop.short_id == short_id)).one()
    reader = _reader_on_a_snapshot(sb)
    threading.Timer(0.5, reader.commit).start()
    impatient = Database(sb.database_url, busy_timeout_ms=50)
    report = purge_loops(
        db=impatient, messenger=None, loop_ids=[loop_id], actor="cli", reason="x", now=sb.clock()
    )
    reader.close()
    assert report.compacted
    raw = b"".join(f.read_bytes() for f in _sqlite_files(sb) if f.exists())
    assert b"Juyoung" not in raw and NOTE.encode() not in raw


def test_a_reader_that_never_finishes_is_reported_not_hidden(story) -> None:
    sb, short_id, _ = story
    reader = _reader_on_a_snapshot(sb)
    try:
        started = time.monotonic()
        assert sb.db.compact(wait_seconds=0.3) is False
        assert time.monotonic() - started < 2  # the wait asked for, not a busy timeout on top
    finally:
        reader.close()
    assert sb.db.compact(wait_seconds=0.3) is True


def test_db_compact_rewrites_the_file(story, monkeypatch, capsys) -> None:
    from bot.cli import main

    sb, _, _ = story
    # Stopped first, as an operator does: a running bot may still write (a card refresh
    # waiting to coalesce), which starts a new write-ahead log right after the compaction.
    sb.stop_bot()
    monkeypatch.setenv("DATABASE_URL", sb.database_url)
    assert main(["db", "compact"]) == 0
    assert capsys.readouterr().out.strip() == "compacted"
    assert _sqlite_files(sb)[1].stat().st_size == 0  # the write-ahead log is empty


def test_retention_erases_only_finished_loops_past_the_window(story) -> None:
    sb, short_id, _ = story
    other = create_loop(
        sb,
        **{
            "Candidate name": "Ada Lovelace",
            "Candidate key": None,
            "First interview day": "2026-12-02",
        },
    )
    with sb.db.read() as session:
        decided = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        early = loops_older_than(session, retention_cutoff(decided.updated_at, 30))
        later = loops_older_than(
            session,
            retention_cutoff(decided.updated_at.replace(year=decided.updated_at.year + 1), 30),
        )
    assert early == [] and later == [decided.id]
    purge_loops(
        db=sb.db, messenger=None, loop_ids=later, actor="retention", reason="x", now=sb.clock()
    )
    with sb.db.read() as session:
        left = session.exec(select(Loop.short_id)).all()
    assert left == [other]


def test_the_purge_command_needs_a_target(capsys) -> None:
    from bot.cli import main

    assert main(["purge"]) == 2
    assert "--candidate KEY or --older-than-days N" in capsys.readouterr().err


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path) -> None:
    import stat

    from bot.store import Database

    Database(f"sqlite:///{tmp_path / 'private.db'}").ping()
    assert stat.S_IMODE((tmp_path / "private.db").stat().st_mode) == 0o600


def test_the_daily_retention_job_erases_finished_loops_past_the_setting() -> None:
    """LOOPBOT_RETENTION_DAYS=30 as `loopbot serve` runs it (its scheduler's job, at start and
    daily): a loop cancelled 31 days ago is erased with its channel's messages; one still
    running stays."""
    from datetime import timedelta

    from bot.reminders.scheduler import start_scheduler
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app, settings={"loopbot_retention_days": 30}) as sb:
        sb.now = MONDAY
        gone = create_loop(sb)
        kept = create_loop(sb, **{"Candidate name": "Ada Lovelace", "Candidate key": None})
        assert "is cancelled" in said(sb, REC, f"cancel {gone}")
        channel, _ = card_in_channel(sb, gone)
        assert sb.emulator.messages_in(channel.id)
        sb.now = MONDAY + timedelta(days=31)
        scheduler = start_scheduler(sb.runtime, sb.dispatcher)
        try:
            erased = wait_for(lambda: _short_ids(sb) == [kept], timeout=10)
        finally:
            scheduler.shutdown(wait=True)
        assert erased, _short_ids(sb)
        assert not sb.emulator.messages_in(channel.id)


def test_a_purge_with_slack_unreachable_erases_and_asks_slack_no_more(sandbox: Sandbox) -> None:
    """Slack not answering (the client's retries spent) leaves every message for the operator
    to delete by hand, named as such, after one message's attempts, not one per message."""
    sandbox.now = MONDAY
    short_id = create_loop(sandbox)
    sandbox.dispatch()
    with sandbox.db.read() as session:
        loop_id = session.exec(select(Loop.id).where(Loop.short_id == short_id)).one()
        posted = len(session.exec(select(SlackMessage)).all())
    attempts = []
    with socket.create_server(("127.0.0.1", 0)) as dead:  # accepts, then hangs up at once

        def hang_up() -> None:
            while True:
                try:
                    conn, _ = dead.accept()
                except OSError:
                    return
                attempts.append(1)
                conn.close()

        threading.Thread(target=hang_up, daemon=True).start()
        url = f"http://127.0.0.1:{dead.getsockname()[1]}/api/"
        messenger = Messenger(make_client(sandbox.emulator.bot_token, url, retries=1))
        report = purge_loops(
            db=sandbox.db,
            messenger=messenger,
            loop_ids=[loop_id],
            actor="cli",
            reason="candidate request",
            now=sandbox.clock(),
        )
    assert report.loops == 1 and report.messages_deleted == 0
    assert report.refusals == {"Slack unreachable": report.messages_left}
    assert report.messages_left >= posted > 5
    assert len(attempts) <= 2  # one message: a try and one retry
    assert _short_ids(sandbox) == []


def _short_ids(sb: Sandbox) -> list[str]:
    with sb.db.read() as session:
        return list(session.exec(select(Loop.short_id)).all())


def test_the_purge_command_erases_the_candidate_by_key_and_says_what_slack_kept(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    """`loopbot purge --candidate KEY` as an operator runs it: the candidate's loop and its
    messages go, another candidate's stay, and the message Slack would not delete is named by
    Slack's error, with what to do."""
    from bot.cli import main
    from bot.settings import get_settings

    sandbox.now = MONDAY
    gone = create_loop(sandbox)  # candidate key phoenix_005_juyoung_park
    kept = create_loop(sandbox, **{"Candidate name": "Ada Lovelace", "Candidate key": None})
    sandbox.dispatch()  # what is due goes out: the candidate's guides and notices
    with sandbox.db.read() as session:
        ours = session.exec(select(Loop.id).where(Loop.short_id == gone)).one()
        mine = select(SlackMessage.channel_id, SlackMessage.ts).where(SlackMessage.loop_id == ours)
        sent = select(Reminder.channel_id, Reminder.sent_ts).where(
            Reminder.loop_id == ours, col(Reminder.sent_ts).is_not(None)
        )
        posted = len(set(session.exec(mine).all()) | set(session.exec(sent).all()))
    assert posted > 5
    sandbox.emulator.fail_next("chat.delete", error="cant_delete_message")
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name, value in {
        "DATABASE_URL": sandbox.database_url,
        "SLACK_BOT_TOKEN": sandbox.emulator.bot_token,
        "SLACK_API_URL": sandbox.emulator.api_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        code = main(["purge", "--candidate", "phoenix_005_juyoung_park"])
    finally:
        get_settings.cache_clear()
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert printed.out.strip() == (
        f"erased 1 loop(s), 0 scorecard(s); Slack messages deleted: {posted - 1}, left: 1"
    )
    assert printed.err.strip() == (
        "1 Slack message(s) not deleted (cant_delete_message ×1); delete them by hand"
    )
    assert _short_ids(sandbox) == [kept]
    bot = sandbox.emulator.workspace.bot.id
    left = [
        m
        for c in list(sandbox.emulator.workspace.channels.values())
        for m in sandbox.emulator.messages_in(c.id)
        if m.user == bot and gone in json.dumps(m.to_slack())
    ]
    assert len(left) == 1  # the one Slack kept
    assert card_in_channel(sandbox, kept) is not None  # the other candidate's card stays
