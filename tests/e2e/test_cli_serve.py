"""The real `loopbot serve` and `loopbot demo` processes, as an operator runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import STDOUT
from urllib.parse import urlencode

import pytest

from bot.emulator import SlackClient, SlackEmulator
from bot.settings import SEEDS_DIR
from bot.store import Database
from bot.store.migrate import upgrade

LOOPBOT = [sys.executable, "-m", "bot.cli"]
SEEDS = SEEDS_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_env(emulator: SlackEmulator, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": "s3cret-for-tests",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PORT": str(_free_port()),
        "HOST": "127.0.0.1",
        "LOOPBOT_LOG_JSON": "true",
        **more,
    }


def _upgraded(env: dict[str, str]) -> None:
    """What `loopbot db upgrade` does, run here: the `served` fixture runs the command itself,
    and another Python start-up per test would only cost time."""
    db = Database(env["DATABASE_URL"])
    upgrade(db)
    db.dispose()


def _healthy(url: str, timeout: float = 20) -> bool:
    """True once /healthz answers, trying until `timeout` (at least once)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


@pytest.fixture
def served(tmp_path: Path):
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path)
        subprocess.run([*LOOPBOT, "db", "upgrade"], env=env, check=True, capture_output=True)
        log = (tmp_path / "serve.log").open("w+")
        proc = subprocess.Popen([*LOOPBOT, "serve"], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{env['PORT']}"
        _healthy(url)
        try:
            yield url, SlackClient(url + "/slack/events", "s3cret-for-tests", emulator), log
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _children(pid: int) -> set[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in found.read_text().split()} if found.exists() else set()


def _alive(pid: int) -> bool:
    """Running, not dead or a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


# A supervisor over one serving process, where the machine is slow to run one side of the
# start for a second: the new process, before it has set up its own handling of signals; or the
# supervisor, before it has noted the process it started.
_SLOW_START = """
import os, socket, sys, time
import bot.server as server
slow = sys.argv[1]
if slow == "process":
    own_handlers = server.stop_on_signals
    server.stop_on_signals = lambda: (time.sleep(1.0), own_handlers())[1]
else:
    set_blocking = os.set_blocking
    os.set_blocking = lambda fd, blocking: (time.sleep(1.0), set_blocking(fd, blocking))[1]
listener = socket.create_server(("127.0.0.1", 0))
build = lambda: ((lambda environ, start: [b""]), lambda: None)
sys.exit(server.Supervisor(listener, build, threads=1, processes=1, grace_s=2).run())
"""


@pytest.mark.parametrize("slow", ["process", "supervisor"])
def test_a_stop_that_comes_as_a_serving_process_starts_stops_it(slow: str) -> None:
    """A stop that comes while a serving process is being started stops it too. Once it was
    lost (in the new process, which still had the supervisor's handlers; or by the supervisor,
    which had not noted it yet), and the supervisor waited for it forever."""
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_START, slow])
    try:
        deadline = time.monotonic() + 20
        while not _children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _children(proc.pid)
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


_ONE_CANNOT_START = """
import os, socket, sys
from bot import server

flag = sys.argv[1]


def build():
    try:  # the first process to get here serves; the second cannot start
        os.close(os.open(flag, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        raise RuntimeError("cannot start") from None
    return (lambda environ, start: [b""]), lambda: None


listener = socket.create_server(("127.0.0.1", 0))
sys.exit(server.Supervisor(listener, build, threads=1, processes=2, grace_s=2).run())
"""


def test_a_serving_process_that_cannot_start_stops_the_whole_server(tmp_path: Path) -> None:
    """One of two processes fails before it is ready: retrying would fail again, so the
    supervisor stops the one that did start and exits non-zero, saying why."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _ONE_CANNOT_START, str(tmp_path / "first")],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
    assert proc.returncode == 1, err
    assert "loopbot: serving process stopped: RuntimeError" in err
    assert "a serving process failed to start (exit 1); stopping" in err


def test_serve_with_two_processes_outlives_one_and_stops_as_a_whole(tmp_path: Path) -> None:
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path, LOOPBOT_PROCESSES="2")
        _upgraded(env)
        log_path = tmp_path / "serve.log"
        log = log_path.open("w")
        proc = subprocess.Popen([*LOOPBOT, "serve"], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(url + "/slack/events", "s3cret-for-tests", emulator)
        try:
            assert _healthy(url)
            started = _said(log_path, "serving process ready (2 of 2)")
            # A clean start says what loopbot is doing, not the libraries' routine.
            lines = [json.loads(line) for line in started.splitlines() if line.startswith("{")]
            assert [line["msg"] for line in lines if line["logger"] == "loopbot.server"] == [
                "serving process ready (1 of 2)",
                "serving process ready (2 of 2)",
            ]
            routine = ("apscheduler", "alembic", "slack_bolt")
            assert [line for line in lines if line["logger"].startswith(routine)] == []
            first = _children(proc.pid)
            assert len(first) == 2
            lost = next(iter(first))
            os.kill(lost, signal.SIGKILL)
            while _alive(lost):
                time.sleep(0.01)
            for _ in range(10):  # the survivor answers while the lost one is replaced
                reply = slack.command("oliver.rec", "/loop", "help")
                assert reply.status == 200 and "`/loop help`" in reply.json["text"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(_children(proc.pid) - first) < 1:
                time.sleep(0.1)
            serving = _children(proc.pid)
            assert len(serving) == 2 and serving != first
            proc.terminate()
            assert proc.wait(timeout=10) == 0, log_path.read_text()[-3000:]
            # Stopped as a whole: no serving process outlives it, and nothing answers.
            assert not any(_alive(pid) for pid in serving)
            assert not _healthy(url, timeout=0)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_hangup_reaches_every_serving_process(tmp_path: Path) -> None:
    """`kill -HUP` on `loopbot serve` re-reads the documents in each of its processes."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path, LOOPBOT_PROCESSES="2", LOOPBOT_DOCS=str(docs))
        _upgraded(env)
        log_path = tmp_path / "serve.log"
        proc = subprocess.Popen(
            [*LOOPBOT, "serve"], env=env, stdout=log_path.open("w"), stderr=STDOUT
        )
        slack = SlackClient(
            f"http://127.0.0.1:{env['PORT']}/slack/events", "s3cret-for-tests", emulator
        )
        try:
            _said(log_path, "serving process ready (2 of 2)")
            original = (SEEDS / "loops" / "ai-first-engineering.md").read_text()
            (docs / "loops" / "platform.md").write_text(
                original.replace("id: ai-first-engineering", "id: platform-engineering").replace(
                    "# Interview Loop Proposal: AI-First Engineering",
                    "# Interview Loop Proposal: Platform Engineering",
                )
            )
            proc.send_signal(signal.SIGHUP)
            _said(log_path, "documents reloaded", times=2)
            emulator.reset_calls()
            for _ in range(8):  # both processes take some of these
                assert slack.command("oliver.rec", "/loop", "create").status == 200
            # The modal opens after each acknowledgement: wait for all eight.
            deadline = time.monotonic() + 10
            while len(emulator.calls_to("views.open")) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            opened = [json.dumps(c.args) for c in emulator.calls_to("views.open")]
            assert len(opened) == 8
            assert all("Platform Engineering" in view for view in opened)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _said(log_path: Path, text: str, *, times: int = 1, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while (said := log_path.read_text()).count(text) < times:
        assert time.monotonic() < deadline, said[-2000:]
        time.sleep(0.05)
    return said


def test_one_signed_request_sent_20_times_to_two_processes_and_after_a_restart_counts_once(
    tmp_path: Path,
) -> None:
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path, LOOPBOT_PROCESSES="2")
        _upgraded(env)
        log_path = tmp_path / "serve.log"
        url = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(url + "/slack/events", "s3cret-for-tests", emulator)
        user = emulator.workspace.user("oliver.rec")
        body = urlencode(
            {
                "command": "/loop",
                "text": "create",
                "user_id": user.id,
                "trigger_id": "t.1",
                "response_url": emulator.issue_response_url(),
            }
        ).encode()
        headers = slack.signed_headers(body, "application/x-www-form-urlencoded")
        proc = subprocess.Popen(
            [*LOOPBOT, "serve"], env=env, stdout=log_path.open("w"), stderr=STDOUT
        )
        try:
            _said(log_path, "serving process ready (2 of 2)")
            with ThreadPoolExecutor(max_workers=20) as pool:
                statuses = sorted(
                    pool.map(lambda _: slack.send_raw(body, headers).status, range(20))
                )
            assert statuses == [200] + [401] * 19
            proc.terminate()
            assert proc.wait(timeout=20) == 0
            proc = subprocess.Popen(
                [*LOOPBOT, "serve"], env=env, stdout=log_path.open("a"), stderr=STDOUT
            )
            assert _healthy(url)
            assert slack.send_raw(body, headers).status == 401
            assert len(emulator.calls_to("views.open")) == 1
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _signed_command(slack: SlackClient, user_id: str, text: str) -> bytes:
    """The HTTP request Slack would send for `/loop text`, signed, as bytes for a socket."""
    body = urlencode(slack.command_fields(user_id, "/loop", text)).encode()
    headers = slack.signed_headers(body, "application/x-www-form-urlencoded")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _status(wire: socket.socket) -> int:
    """The status of the answer that comes back on `wire`."""
    return int(wire.makefile("rb").readline().split()[1])


def _read_by_server(port: int, client_port: int, timeout: float = 10) -> None:
    """Wait until the server has read everything sent on the connection from `client_port`
    (its receive queue in /proc/net/tcp is empty): the request is in its queue of work."""
    ours = f":{client_port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, remote, _, queues = line.split()[1:5]
            if local.endswith(f":{port:04X}") and remote.endswith(ours):
                if int(queues.split(":")[1], 16) == 0:
                    return
        time.sleep(0.005)
    raise AssertionError("the server never read the request")


@pytest.mark.parametrize("threads", [1, 2])
def test_loopbot_threads_is_how_many_requests_a_process_serves_at_once(
    tmp_path: Path, threads: int
) -> None:
    """A command whose replay guard waits for a database another process holds locked (up to
    1.5 s) keeps its thread: with LOOPBOT_THREADS=1 a health check sent meanwhile is answered
    after it, with 2 at once."""
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(emulator, tmp_path, LOOPBOT_THREADS=str(threads))
        _upgraded(env)
        url = f"http://127.0.0.1:{env['PORT']}"
        slack = SlackClient(url + "/slack/events", "s3cret-for-tests", emulator)
        user = emulator.workspace.user("oliver.rec")
        proc = subprocess.Popen(
            [*LOOPBOT, "serve"], env=env, stdout=(tmp_path / "serve.log").open("w"), stderr=STDOUT
        )
        holder = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
        try:
            assert _healthy(url)
            holder.execute("BEGIN IMMEDIATE")  # another process writing, for a while
            wire = socket.create_connection(("127.0.0.1", int(env["PORT"])), timeout=10)
            with wire, ThreadPoolExecutor(max_workers=1) as pool:
                wire.sendall(_signed_command(slack, user.id, "help"))
                command = pool.submit(_status, wire)
                _read_by_server(int(env["PORT"]), wire.getsockname()[1])  # queued before health
                asked = time.monotonic()
                _healthy(url, timeout=10)
                waited, beside = time.monotonic() - asked, not command.done()
                assert command.result(timeout=10) == 200
        finally:
            holder.rollback()
            holder.close()
            proc.terminate()
            proc.wait(timeout=20)
    # One thread: the health check waits behind the command's wait for the lock (which order the
    # two threads here note the answers in is no evidence). Two: it is answered beside it.
    if threads == 1:
        assert waited >= 1.0, waited
    else:
        assert beside, "the health check was answered only once the command was"


def test_serve_with_a_database_it_cannot_reach_stops_in_one_line(tmp_path: Path) -> None:
    """Checked before any process is started: reported once, not retried forever."""
    with SlackEmulator(rate_limits=False) as emulator:
        env = _serve_env(
            emulator,
            tmp_path,
            LOOPBOT_PROCESSES="2",
            DATABASE_URL=f"postgresql://loopbot@127.0.0.1:{_free_port()}/loopbot",
        )
        done = subprocess.run(
            [*LOOPBOT, "serve"], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"loopbot: cannot reach the database at {env['DATABASE_URL'][21:]} (Connection refused)"
    ]


def test_serve_answers_health_help_and_refuses_unsigned(served) -> None:
    url, slack, log = served
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True, "database": "ok", "dispatcher": "ok"}
    help_reply = slack.command("oliver.rec", "/loop", "help")
    assert help_reply.status == 200 and "`/loop help`" in help_reply.json["text"]
    unsigned = slack.send_raw(
        b"command=%2Floop&text=help", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status == 401
    log.seek(0)
    logs = log.read()
    assert "xoxb-" not in logs and "s3cret-for-tests" not in logs


def test_serve_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    done = subprocess.run(
        [*LOOPBOT, "serve"], env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in done.stderr


def test_demo_runs_offline_and_shows_the_help(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    done = subprocess.run(
        [*LOOPBOT, "demo"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Oliver Bennett types `/loop help`" in done.stdout
    assert "`/loop help`: show this list" in done.stdout
    assert "violations: 0" in done.stdout
    assert "Oliver Bennett types `/loop create`" in done.stdout
    assert "→ DM to Diego Ramirez (times in America/Los_Angeles)" in done.stdout
    assert "ROUND GUIDE: LIVE AI PAIRING" in done.stdout
    # The Async Build is proposed with a deadline, not a slot; its submission is marked
    # received on the card; the heads-up names the room and opens the guide.
    assert "*1. Async Build* · asynchronous (a submission, no meeting), due Mon 30 Nov" in (
        done.stdout
    )
    assert "presses 'Submission received: 1. Async Build'" in done.stdout
    assert "In 15 min: *2. Live AI Pairing*" in done.stdout
    assert "*Where:* https://meet.example.com/loop-interviews" in done.stdout
    assert "[Open the round guide]" in done.stdout
    # What falls due between the story's scenes goes out at its own time, as under serve: every
    # live round's guide a day before it, every heads-up, every first scorecard reminder.
    ticks = re.findall(r"^⏱  (.+?) UTC: as it falls due\n((?:   → .+\n)+)", done.stdout, re.M)
    sent = "".join(lines for _, lines in ticks)
    for name in ("Production Engineering", "Evals and Data Quality", "AI-Mediated System Design"):
        assert f"Round guide: {name} with Juyoung Park" in sent
    assert sent.count("In 15 min:") >= 4 and sent.count("has ended (1 h ago)") >= 4
    # The candidate's own guide briefs the live round on her take-home, and reaches its
    # interviewer there.
    assert "*About Juyoung Park* · _Their documents brief 2. Live AI Pairing" in done.stdout
    # An interviewer who can't make it, and the pool member who takes the round over.
    assert "presses Can't make it on round 6" in done.stdout
    assert "presses Accept" in done.stdout and "You now run *6." in done.stdout
    assert "now runs *6. Communication and Execution* instead of @" in done.stdout
    assert "presses Open scorecard for round 6" in done.stdout
    assert "DEBRIEF: JUYOUNG PARK" in done.stdout and "*Decision: Hire*" in done.stdout
    assert "The hiring manager recorded *Hire*" in done.stdout
    # The late scorecards raised on a live round's escalation day, the whole list in one message;
    # the receipt of a scorecard submitted right after a nudge on the same DM; the early
    # debrief's last scorecard said in the channel (the summary's edit notifies nobody).
    assert "scorecards are late for *Juyoung Park*" in done.stdout
    # Shown later than it went out, the recruiter's message says when that was: its lines
    # quote how late each scorecard was then. It went out at that tick.
    shown = re.search(r"latest message for the loop, as it went out (.+?) UTC", done.stdout)
    assert shown, "the late scorecards are shown at the time they went out"
    went = next(lines for at, lines in ticks if at == shown.group(1))
    assert "→ DM to Oliver Bennett: 5 scorecards are late" in went
    assert "→ DM to João Silva: Your scorecard for 1. Async Build with Juyoung Park is in" in (
        done.stdout
    )
    assert "hears the last scorecard is in" in done.stdout
    # The recruiter's Scorecards modal says who reads a submitted one: an interviewer once
    # their own are in, not once every interviewer's are.
    assert "for each of the loop's interviewers once their own scorecards are in" in (
        done.stdout.replace("\n   │     ", " ")
    )
    # Once marked a finalist, the summary no longer says the hiring manager may mark one.
    marked = done.stdout.split("Marked a finalist: the Executive Sponsor @Robert Chen has been", 1)[
        1
    ]
    assert "Only the hiring manager can record the decision." in marked[:400]
    assert "or mark a finalist" not in marked[:400]
    assert "Asia/Seoul.Loop `" not in done.stdout  # a DM's second line stays a line of its own
    assert "the debrief summary above now counts them all" in done.stdout
    reads = done.stdout.split("the debrief summary, as it reads now:", 1)[1].split("\n── ", 1)[0]
    assert "every scorecard is in" in reads and "Still missing" not in reads, reads
