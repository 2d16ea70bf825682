"""A stop (SIGTERM, as at every deploy) finishes what was acknowledged before the process exits,
over HTTP (one or two serving processes) and over Socket Mode."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from subprocess import STDOUT

import pytest
from sqlmodel import select

from bot.emulator import SlackClient, SlackEmulator
from bot.emulator.socketmode import NotConnected
from bot.sandbox import Sandbox
from bot.store.models import Loop, Round
from tests.e2e.helpers import MONDAY, REC, create_loop
from tests.e2e.test_cli_serve import LOOPBOT, _children, _healthy, _said, _serve_env

GRACE_S = 15


def _a_loop_to_serve(
    tmp_path: Path, emulator: SlackEmulator, **settings: str
) -> tuple[Sandbox, str, dict[str, str]]:
    """A loop created in a sandbox on `emulator` (its bot then stopped), and the environment
    for a real `loopbot serve` of the same database with these settings."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    sb = Sandbox(create_app, make_wsgi_app, database_url=url, emulator=emulator).start()
    sb.now = MONDAY
    short_id = create_loop(sb)
    sb.stop_bot()
    env = _serve_env(
        emulator, tmp_path, DATABASE_URL=url, SLACK_SIGNING_SECRET=sb.signing_secret, **settings
    )
    return sb, short_id, env


@pytest.mark.parametrize(
    # Socket Mode serves from one process whatever LOOPBOT_PROCESSES says, and says so.
    ("processes", "transport"),
    [("1", "http"), ("2", "http"), ("2", "socket")],
)
def test_acknowledged_commands_are_applied_and_answered_when_a_stop_comes(
    tmp_path: Path, processes: str, transport: str
) -> None:
    with SlackEmulator(rate_limits=False) as emulator:
        sb, short_id, env = _a_loop_to_serve(
            tmp_path,
            emulator,
            LOOPBOT_PROCESSES=processes,
            LOOPBOT_GRACE_SECONDS=str(GRACE_S),
            SLACK_APP_TOKEN=emulator.app_token,
        )
        socket_mode = transport == "socket"
        log_path = tmp_path / "serve.log"
        proc = subprocess.Popen(
            [*LOOPBOT, "serve", *(["--socket-mode"] if socket_mode else [])],
            env=env,
            stdout=log_path.open("w"),
            stderr=STDOUT,
        )
        base = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(
            base + "/slack/events", sb.signing_secret, emulator, socket_mode=socket_mode
        )
        try:
            if socket_mode:
                assert emulator.socket_mode.wait_connected(timeout=30), log_path.read_text()
            else:
                assert _healthy(base)
            # Each command is acknowledged at once; its work then waits on a slow Slack (which
            # answers early once the stop is under way: the test need not wait it out).
            emulator.fail_next("users.info", delay=2.0, times=3)
            moves = {2: "2027-01-11 10:00", 3: "2027-01-12 10:00", 4: "2027-01-13 10:00"}
            for number, when in moves.items():
                reply = slack.command(REC, "/loop", f"reschedule {short_id} {number} {when}")
                assert reply.status == 200
            stopped_at = time.monotonic()
            proc.terminate()
            if socket_mode:
                # It lets go of the connection at once, while the acknowledged work finishes:
                # what Slack sends from then on goes to another connection, not to this one.
                while emulator.socket_mode.connected and time.monotonic() - stopped_at < 5:
                    time.sleep(0.02)
                assert proc.poll() is None, "the acknowledged work should still be running"
                with pytest.raises(NotConnected):
                    slack.command(REC, "/loop", f"show {short_id}")
            serving = 1 if socket_mode else int(processes)
            _said(log_path, "stopping: finishing the requests in flight", times=serving)
            if socket_mode:
                assert "(one process: LOOPBOT_PROCESSES is for HTTP)" in log_path.read_text()
                assert not _children(proc.pid)  # no serving processes of its own
            emulator.end_delays()
            assert proc.wait(timeout=GRACE_S + 5) == 0, log_path.read_text()[-2000:]
            assert time.monotonic() - stopped_at < GRACE_S
            said = [r.get("text", "") for r in emulator.all_responses()]
            for number in moves:
                assert any(f"Moved {number}." in text for text in said), said
            with sb.db.read() as session:
                loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
                rounds = session.exec(select(Round).where(Round.loop_id == loop.id)).all()
            moved = {r.number: r.starts_at.date().isoformat() for r in rounds if r.number in moves}
            assert moved == {n: w[:10] for n, w in moves.items()}
            _said(log_path, "stopped")
        finally:
            if proc.poll() is None:
                proc.kill()
            sb.stop()


def test_work_that_outlasts_the_grace_period_is_named_and_the_exit_is_1(tmp_path: Path) -> None:
    """LOOPBOT_GRACE_SECONDS=1 and a Slack that stalls the acknowledged work: serve stops
    within the grace, says work was left, and exits 1 (the deploy can tell)."""
    with SlackEmulator(rate_limits=False) as emulator:
        sb, short_id, env = _a_loop_to_serve(tmp_path, emulator, LOOPBOT_GRACE_SECONDS="1")
        log_path = tmp_path / "serve.log"
        proc = subprocess.Popen(
            [*LOOPBOT, "serve"], env=env, stdout=log_path.open("w"), stderr=STDOUT
        )
        base = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(base + "/slack/events", sb.signing_secret, emulator)
        try:
            assert _healthy(base)
            emulator.fail_next("users.info", delay=30.0)
            reply = slack.command(REC, "/loop", f"reschedule {short_id} 2 2027-01-11 10:00")
            assert reply.status == 200
            stopped_at = time.monotonic()
            proc.terminate()
            assert proc.wait(timeout=15) == 1, log_path.read_text()[-2000:]
            assert time.monotonic() - stopped_at < 6  # the grace, not the stalled call
            _said(log_path, "grace period over with work left")
        finally:
            emulator.end_delays()
            if proc.poll() is None:
                proc.kill()
            sb.stop()
