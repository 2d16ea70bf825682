"""An operator's mistake gets one line naming it and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.cli import main
from bot.emulator import SlackEmulator
from bot.reminders.plan import DEFAULT_OFFSETS
from bot.runtime import Heartbeat
from bot.sandbox import Sandbox
from bot.settings import REMINDER_KINDS, SEEDS_DIR, get_settings
from bot.store import Database
from bot.store.migrate import downgrade, upgrade


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture):
    """`loopbot ARGS` with these settings: (exit code, what it printed on stderr); what it
    printed on standard output is kept as `run.out`."""
    monkeypatch.chdir(tmp_path)  # no .env from the checkout

    def run(args: list[str], **env: str) -> tuple[int, str]:
        for name in list(__import__("os").environ):
            if name.startswith(("SLACK_", "LOOPBOT_", "DATABASE_", "PORT")):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            code = main(args)
        finally:
            get_settings.cache_clear()
        printed = capsys.readouterr()
        run.out = printed.out
        return code, printed.err.strip()

    run.out = ""
    return run


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"LOOPBOT_REMINDERS": "{bad"}, "loopbot: setting LOOPBOT_REMINDERS: not valid JSON"),
        (
            {"LOOPBOT_REMINDERS": '{"gide": 5}'},
            "loopbot: setting LOOPBOT_REMINDERS: unknown reminder kind 'gide' (known: guide, "
            "heads_up, due)",
        ),
        (
            {"LOOPBOT_REMINDERS": '{"guide": 2880}'},
            "loopbot: setting LOOPBOT_REMINDERS: guide must come before the start: negative "
            "minutes (got 2880)",
        ),
        (
            {"LOOPBOT_REMINDERS": '{"heads_up": 5}'},
            "loopbot: setting LOOPBOT_REMINDERS: heads_up must come before the start: negative "
            "minutes (got 5)",
        ),
        (
            {"LOOPBOT_REMINDERS": '{"due": -60}'},
            "loopbot: setting LOOPBOT_REMINDERS: due must come at or after the end: 0 or more "
            "(got -60)",
        ),
        (
            {"LOOPBOT_REMINDERS": '{"nudge": 4000}'},
            "loopbot: setting LOOPBOT_REMINDERS: nudge: no longer an offset, the daily reminders "
            "after `due` follow LOOPBOT_FEEDBACK_DAYS",
        ),
        (
            {"LOOPBOT_REMINDERS": '{"escalation": 4000}'},
            "loopbot: setting LOOPBOT_REMINDERS: escalation: no longer an offset, the hiring "
            "manager and recruiter hear on LOOPBOT_FEEDBACK_ESCALATE_DAY",
        ),
        (
            # Over the default heads-up (-15): the guide would come after it.
            {"LOOPBOT_REMINDERS": '{"guide": -10}'},
            "loopbot: setting LOOPBOT_REMINDERS: guide (-10 min) must come before heads_up "
            "(-15 min)",
        ),
        (
            {"LOOPBOT_FEEDBACK_DAYS": "30"},
            "loopbot: setting LOOPBOT_FEEDBACK_DAYS: Input should be less than or equal to 20",
        ),
        (
            {"LOOPBOT_PLACES": '{"remote": ""}'},
            "loopbot: setting LOOPBOT_PLACES: give a room or a link per variant",
        ),
        (
            {"PORT": "eighty"},
            "loopbot: setting PORT: Input should be a valid integer, unable to parse string as "
            "an integer",
        ),
        ({"PORT": "70000"}, "loopbot: setting PORT: Input should be less than or equal to 65535"),
        (
            {"LOOPBOT_PROCESSES": "0"},
            "loopbot: setting LOOPBOT_PROCESSES: Input should be greater than or equal to 1",
        ),
        (
            {"DATABASE_URL": "mysql://db.internal/loopbot"},
            "loopbot: setting DATABASE_URL: unsupported database 'mysql' (use sqlite or "
            "postgresql)",
        ),
        (
            {"DATABASE_URL": "not a url"},
            "loopbot: setting DATABASE_URL: not a database URL (sqlite:///FILE or postgresql://…)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xapp-1"},
            "loopbot: setting SLACK_BOT_TOKEN: should start with xoxb-",
        ),
        ({"LOOPBOT_LOG_LEVEL": "LOUD"}, "loopbot: setting LOOPBOT_LOG_LEVEL: not a log level"),
        (
            {"LOOPBOT_WORKING_HOURS": "weekdays"},
            "loopbot: setting LOOPBOT_WORKING_HOURS: write days and hours like "
            "'Mon-Fri 09:00-17:30'",
        ),
        (
            {"LOOPBOT_WORKING_HOURS": "Mon-Fri 17:00-09:00"},
            "loopbot: setting LOOPBOT_WORKING_HOURS: end at least 30 minutes after the start",
        ),
        (
            {"LOOPBOT_DAILY_MAX": "0"},
            "loopbot: setting LOOPBOT_DAILY_MAX: Input should be greater than or equal to 1",
        ),
        (
            {"LOOPBOT_TICK_SECONDS": "inf"},
            "loopbot: setting LOOPBOT_TICK_SECONDS: Input should be a finite number",
        ),
        ({"SLACK_API_URL": "slack.com/api"}, "loopbot: setting SLACK_API_URL: not a web address"),
        (
            {"DATABASE_URL": "postgresql+pg8000://db/lb"},
            "loopbot: setting DATABASE_URL: unsupported driver 'postgresql+pg8000' (write "
            "postgresql://…)",
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line(run, env: dict, said: str) -> None:
    code, err = run(["db", "upgrade"], **env)
    assert code == 2
    assert err.startswith(said) and "\n" not in err, err


@pytest.mark.parametrize("setting", ["", '{"guide": -2880, "heads_up": -2000}'])
def test_a_document_s_reminders_are_checked_over_the_setting_in_force(
    run, tmp_path: Path, capsys: pytest.CaptureFixture, setting: str
) -> None:
    """Each layer may be in order alone and the two together not: the guide would come after
    the heads-up. The document is refused at its line, by the loading start-up does (and a
    reload) and by docs check."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    loop.write_text(
        loop.read_text().replace("version: 1\n", "version: 1\nreminders:\n  guide: -1500\n", 1)
    )
    env = {"LOOPBOT_REMINDERS": setting} if setting else {}
    # What start-up reads (the documents as `serve` loads them), then what docs check says.
    code, _ = run(["docs", "list"], LOOPBOT_DOCS=str(docs), **env)
    capsys.readouterr()
    code_again = main(["docs", "check", str(docs)])
    printed = capsys.readouterr().out
    refusal = (
        "ai-first-engineering.md:6: front matter 'reminders': guide (-1500 min) must come "
        "before heads_up (-2000 min), with LOOPBOT_REMINDERS in force"
    )
    assert (code, code_again, refusal in printed) == ((1, 1, True) if setting else (0, 0, False))


def test_the_reminder_kinds_a_setting_may_move_are_the_planned_ones() -> None:
    assert set(REMINDER_KINDS) == set(DEFAULT_OFFSETS)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def refusing_port():
    """A port that refuses connections for the whole test: bound and not listening, so no
    server started meanwhile (the emulator, another test's) can be given it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def test_db_upgrade_names_the_unreachable_host_and_why(run, refusing_port: int) -> None:
    port = refusing_port
    code, err = run(["db", "upgrade"], DATABASE_URL=f"postgresql://me:pw@127.0.0.1:{port}/lb")
    assert (code, err) == (
        1,
        f"loopbot: cannot reach the database at 127.0.0.1:{port}/lb (Connection refused)",
    )
    assert "pw" not in err


def test_a_database_url_without_a_host_is_named_by_its_socket(run, tmp_path: Path) -> None:
    """PostgreSQL's client takes a URL without a host to mean the server's local socket."""
    code, err = run(["db", "upgrade"], DATABASE_URL=f"postgresql:///lb?host={tmp_path}")
    assert (code, err) == (
        1,
        f"loopbot: cannot reach the database lb on the socket in {tmp_path} "
        "(No such file or directory)",
    )
    code, err = run(["db", "upgrade"], DATABASE_URL="postgresql://me:pw@/lb")
    assert code == 1 and err.startswith("loopbot: cannot reach the database lb on the local socket")
    assert "localhost" not in err and "pw" not in err


def test_export_and_purge_say_in_one_line_what_is_wrong_with_the_database(
    run, refusing_port: int, tmp_path: Path
) -> None:
    """They read the store as `serve` does: a file that is not there (and is not made, by them,
    `serve` or `db compact`), a server that does not answer, a schema to upgrade first."""
    missing = tmp_path / "nowhere.db"
    tokens = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}
    for args in (["export", "ABC123"], ["purge", "--candidate", "key"], ["db", "compact"]):
        for command in (args, ["serve"]) if args[0] == "export" else (args,):
            code, err = run(command, DATABASE_URL=f"sqlite:///{missing}", **tokens)
            assert (code, err) == (
                1,
                f"loopbot: there is no database at {missing} (`loopbot db upgrade` makes one)",
            )
            assert not missing.exists()
        url = f"postgresql://me:pw@127.0.0.1:{refusing_port}/lb"
        code, err = run(args, DATABASE_URL=url)
        assert (code, err) == (
            1,
            f"loopbot: cannot reach the database at 127.0.0.1:{refusing_port}/lb "
            "(Connection refused)",
        )
    empty = tmp_path / "empty.db"
    empty.touch()
    assert run(["export", "ABC123"], DATABASE_URL=f"sqlite:///{empty}") == (
        1,
        f"loopbot: the database at {empty} needs `loopbot db upgrade` first",
    )


def test_a_database_file_where_none_can_be_made_is_named(run, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    where = tmp_path / "afile" / "loopbot.db"
    assert run(["db", "upgrade"], DATABASE_URL=f"sqlite:///{where}") == (
        1,
        f"loopbot: cannot open the database at {where} ({tmp_path / 'afile'} is a file, not a "
        "folder)",
    )


def test_a_dotenv_that_is_not_text_is_named(run, tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LOOPBOT_LOG_LEVEL=\xff\n")
    assert run(["db", "upgrade"]) == (2, "loopbot: setting file .env: not UTF-8 text")


def test_a_dotenv_line_that_cannot_be_read_is_named_not_dropped(run, tmp_path: Path) -> None:
    """python-dotenv would drop the line with a warning, and the setting with it."""
    (tmp_path / ".env").write_text('PORT=3001\nSLACK_BOT_TOKEN="xoxb-1\nLOOPBOT_LOG_LEVEL=INFO\n')
    assert run(["db", "upgrade"]) == (
        2,
        "loopbot: setting file .env: line 2 is not NAME=value (an unclosed quote?)",
    )


def test_documents_with_no_loop_document_are_refused_by_what_serves_them(
    run, tmp_path: Path
) -> None:
    """An empty LOOPBOT_DOCS (a wrong path to a mounted folder) would serve a bot that can run
    no loop: `docs list`, `export` and `serve` refuse it as a broken set of documents."""
    empty = tmp_path / "docs"
    empty.mkdir()
    said = f"documents in {empty} have errors:\n{empty}: no loop document here (LOOPBOT_DOCS)"
    assert run(["docs", "list"], LOOPBOT_DOCS=str(empty)) == (1, said)
    assert run(["export", "ABC123"], LOOPBOT_DOCS=str(empty)) == (1, said)
    tokens = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}
    assert run(["serve"], LOOPBOT_DOCS=str(empty), **tokens) == (1, said)


def test_ctrl_c_stops_a_command_without_a_traceback(run, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.demo.run_demo", interrupted)
    assert run(["demo"]) == (130, "")


@pytest.mark.parametrize("speed", ["-1", "nan", "inf", "soon"])
def test_a_demo_pause_that_is_no_pause_is_refused_by_name(
    speed: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--speed", speed])
    assert stopped.value.code == 2
    assert "argument --speed:" in capsys.readouterr().err


def _serve_env(emulator: SlackEmulator, db_url: str, port: int) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }


def test_serve_refuses_an_unreachable_database(run, refusing_port: int) -> None:
    port = refusing_port
    with SlackEmulator(rate_limits=False) as emulator:
        url = f"postgresql://me@127.0.0.1:{port}/lb"
        code, err = run(["serve"], **_serve_env(emulator, url, _closed_port()))
    assert code == 1
    assert err.endswith(
        f"loopbot: cannot reach the database at 127.0.0.1:{port}/lb (Connection refused)"
    ), err


def test_serve_refuses_a_database_that_needs_an_upgrade(run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    upgrade(db, "0004")
    db.dispose()
    with SlackEmulator(rate_limits=False) as emulator:
        code, err = run(["serve"], **_serve_env(emulator, url, _closed_port()))
    assert code == 1
    assert err.endswith(
        f"loopbot: the database at {tmp_path / 'old.db'} needs `loopbot db upgrade` first"
    ), err


def test_serve_refuses_a_token_slack_refuses(run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(Database(url))
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, url, _closed_port()) | {"SLACK_BOT_TOKEN": "xoxb-revoked"}
        code, err = run(["serve"], **env)
    assert (code, err.splitlines()[-1]) == (
        1,
        "loopbot: Slack refused SLACK_BOT_TOKEN (invalid_auth)",
    )


def test_serve_on_a_port_in_use_says_so_before_claiming_to_listen(run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(Database(url))
    with (
        SlackEmulator(rate_limits=False) as emulator,
        socket.create_server(("127.0.0.1", 0)) as taken,
    ):
        port = taken.getsockname()[1]
        code, err = run(["serve"], **_serve_env(emulator, url, port))
    assert code == 1
    assert (
        err.splitlines()[-1]
        == f"loopbot: cannot listen on 127.0.0.1:{port} (Address already in use)"
    )
    assert "listening" not in err
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, url, 3000) | {"HOST": "999.1.1.1"}
        code, err = run(["serve"], **env)
    assert code == 1
    assert err.splitlines()[-1].startswith("loopbot: cannot listen on 999.1.1.1:3000 (")
    assert "Unknown error" not in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--older-than-days", "0"], "--older-than-days must be 1 or more"),
        (["--older-than-days", "-3"], "--older-than-days must be 1 or more"),
        (["--candidate", "k", "--older-than-days", "30"], "give one of --candidate KEY or"),
    ],
)
def test_purge_refuses_an_age_that_erases_everything_or_two_answers(
    run, tmp_path, args, said
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    code, err = run(["purge", *args], DATABASE_URL=url)
    assert code == 2 and err.startswith(said) and "\n" not in err


def _health(sb: Sandbox) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(sb.url + "/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_is_503_when_the_schema_is_behind_or_the_dispatcher_is_down(
    sandbox: Sandbox,
) -> None:
    assert _health(sandbox) == (200, {"ok": True, "database": "ok", "dispatcher": "not run here"})
    beat = sandbox.runtime.heartbeat = Heartbeat(5)
    assert _health(sandbox)[1]["dispatcher"] == "ok"
    for _ in range(3):
        beat.started()
        beat.finished(ok=False)
    assert _health(sandbox) == (503, {"ok": False, "database": "ok", "dispatcher": "failing"})
    # A tick under way for over two minutes, or none finished for a minute: stalled.
    now = [0.0]
    beat = sandbox.runtime.heartbeat = Heartbeat(5, clock=lambda: now[0])
    beat.started()
    now[0] = 119.0
    assert _health(sandbox)[1]["dispatcher"] == "ok"
    now[0] = 121.0
    assert _health(sandbox) == (503, {"ok": False, "database": "ok", "dispatcher": "stalled"})
    beat.finished(ok=True)
    now[0] = 121.0 + 61.0
    assert _health(sandbox)[1]["dispatcher"] == "stalled"
    sandbox.runtime.heartbeat = None
    downgrade(sandbox.db, "0004")
    assert _health(sandbox) == (
        503,
        {"ok": False, "database": "needs `loopbot db upgrade`", "dispatcher": "not run here"},
    )
    upgrade(sandbox.db)


def test_the_dispatcher_looks_for_due_reminders_every_tick_seconds() -> None:
    """LOOPBOT_TICK_SECONDS=0.2: a reminder that falls due goes out within a few ticks, with
    no other nudge (at the default 5 s it would still be waiting)."""
    import time as clock

    from sqlmodel import select

    from bot.reminders.scheduler import start_scheduler
    from bot.store.models import Reminder, ReminderState
    from handlers import create_app
    from handlers.http import make_wsgi_app
    from tests.e2e.helpers import MONDAY, create_loop, wait_for

    with Sandbox(create_app, make_wsgi_app, settings={"loopbot_tick_seconds": 0.2}) as sb:
        sb.now = MONDAY
        create_loop(sb)
        sb.dispatch()
        scheduler = start_scheduler(sb.runtime, sb.dispatcher)
        try:
            clock.sleep(0.5)  # its first ticks find nothing due
            due = sb.next_due()
            assert due is not None
            sb.now = due

            def sent() -> bool:
                with sb.db.read() as session:
                    row = session.exec(select(Reminder).where(Reminder.due_at == due)).first()
                return row is not None and row.state == ReminderState.SENT

            started = clock.monotonic()
            assert wait_for(sent, timeout=3)
            assert clock.monotonic() - started < 2
        finally:
            scheduler.shutdown(wait=True)


def test_a_stopping_dispatcher_says_stopped_and_hands_its_reminders_back(
    sandbox: Sandbox,
) -> None:
    """A graceful stop (SIGTERM runs the same `on_stop`): /healthz answers 503 `stopped`, so
    the load balancer takes the replica out, and the reminders it had claimed go back at once:
    another replica claims them now, not once their lease runs out."""
    from datetime import timedelta

    from bot.reminders.scheduler import start_scheduler
    from tests.e2e.helpers import MONDAY, create_loop, impatient_dispatcher

    sandbox.now = MONDAY
    create_loop(sandbox)
    sandbox.dispatch()  # what is due now goes out: the scheduler's ticks find nothing more
    start_scheduler(sandbox.runtime, sandbox.dispatcher)
    assert _health(sandbox)[1]["dispatcher"] == "ok"
    later = MONDAY + timedelta(days=30)  # everything is due by then
    held = sandbox.dispatcher.claim(later)
    assert len(held) > 5
    other = impatient_dispatcher(sandbox)
    assert other.claim(later) == []  # leased to the first
    for stop in sandbox.runtime.on_stop:
        stop()
    assert _health(sandbox) == (503, {"ok": False, "database": "ok", "dispatcher": "stopped"})
    assert other.claim(later) == held


def test_settings_come_from_a_dot_env_file_in_the_working_folder(run, tmp_path: Path) -> None:
    """The README's `.env`: the tokens and settings may sit in a file where loopbot runs; the
    environment wins over it."""
    (tmp_path / ".env").write_text("LOOPBOT_PROCESSES=0\n", encoding="utf-8")
    code, err = run(["docs", "list"])
    assert code == 2
    assert err == "loopbot: setting LOOPBOT_PROCESSES: Input should be greater than or equal to 1"
    code, err = run(["docs", "list"], LOOPBOT_PROCESSES="2")
    assert code == 0, err
    # A JSON setting too: the file's line is named when it is bad, and unread when overridden.
    (tmp_path / ".env").write_text("LOOPBOT_REMINDERS={bad\n", encoding="utf-8")
    assert run(["docs", "list"]) == (2, "loopbot: setting LOOPBOT_REMINDERS: not valid JSON")
    code, err = run(["docs", "list"], LOOPBOT_REMINDERS='{"guide": -2000}')
    assert code == 0, err


def test_docs_list_names_each_document_its_type_and_file(run, seeds: Path) -> None:
    assert run(["docs", "list"], LOOPBOT_DOCS=str(seeds)) == (0, "")
    listed = [line.split() for line in run.out.splitlines()]
    shipped = sorted(seeds.rglob("*.md"))
    assert len(listed) == len(shipped)
    assert ["loop", "ai-first-engineering", "seeds/loops/ai-first-engineering.md"] in listed
    assert [
        "interview_guide",
        "interview_guide_2025-08-20",
        "seeds/candidates/phoenix_005_interview_guide.md",
    ] in listed
    assert {kind for kind, *_ in listed} == {
        "loop",
        "round_type",
        "prep_guide",
        "interview_guide",
        "candidate_context",
    }


def test_an_unknown_loop_or_candidate_key_is_said_in_the_command_line_s_words(
    run, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'loopbot.db'}"
    assert run(["db", "upgrade"], DATABASE_URL=database)[0] == 0
    assert run(["export", "NOPE1"], DATABASE_URL=database) == (1, "loopbot: No loop NOPE1")
    # A key with no loop erases nothing, and says so rather than "erased 0 loop(s)".
    assert run(["purge", "--candidate", "typo_key"], DATABASE_URL=database) == (0, "")
    assert run.out.strip() == "no loop has the candidate key typo_key: nothing erased"
