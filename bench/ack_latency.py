"""Acknowledgement latency of `loopbot serve` under load, against a bare Bolt app in the same run.

Slack gives an app 3 s to acknowledge a request; people notice anything over a few hundred ms.
This starts the Slack emulator in a process of its own (so Slack's side of the traffic does not
share an interpreter lock with the threads timing the acknowledgements), seeds a SQLite database
with real loops and scorecards, then serves it with `python -m bot.cli serve` (waitress,
LOOPBOT_THREADS) next to `bench/bare_app.py` (a Bolt app whose listeners only acknowledge, same
thread count). Both get the same signed
traffic, in turn: `/loop list` and `/loop show LOOP` by the hiring manager, a scorecard
submission by the round's interviewer (a valid edit, stored as a new revision) and a click on a
loop card's "Reschedule a round" button (which opens a modal after the acknowledgement):

- steady: open loop at a fixed rate, each request sent on schedule whatever the earlier ones do;
- burst: N requests released at once.

Phases alternate between the two servers (bare, loopbot, bare, loopbot) to spread the noise of
a shared machine; the table compares them as ratios measured in the same run.

    python bench/ack_latency.py [--rate 50] [--seconds 20] [--burst 100] [--smoke]

Exits non-zero only when something is broken (a request refused or unanswered, an unexpected
acknowledgement, one over 3 s); a missed latency target is reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.emulator import ModalForm, SlackClient, SlackEmulator

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ack_latency.json"
BARE_APP = ROOT / "bench" / "bare_app.py"

ACK_DEADLINE_S = 3.0
TARGET_RATE = 50.0
TARGET_RATIO = 1.5
TARGET_P99_MS = 250.0
TARGET_TEXT = "p99 within 1.5x of bare and under 250 ms at 50 req/s; no request over 3 s"

THREADS = 8  # LOOPBOT_THREADS' default, given to both servers
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 10.0
CHANNEL = "C0HIRING1"  # where the seeded loop cards are posted
HM = "U0HM00001"  # hiring manager of every seeded loop
KINDS = ("list", "show", "submit", "click")
SERVERS = ("bare", "floor", "loopbot")
"""In the order their phases alternate; "floor" runs only with --floor."""


# seeding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededScorecard:
    """A submitted scorecard, with the modal and answers its interviewer sends again."""

    loop_id: str
    number: int
    user_id: str
    view: dict[str, Any]
    values: dict[str, Any]


@dataclass
class Seed:
    loop_ids: list[str]
    scorecards: list[SeededScorecard]
    cards: dict[str, dict[str, Any]]
    """Each loop's card message in CHANNEL, as a click on it carries it."""


def seed(emulator: SlackEmulator, database_url: str, *, loops: int, scorecards: int) -> Seed:
    """Create `loops` loops through the real modals and submit `scorecards` scorecards in each.

    Runs the bot in-process on the emulator (bot.sandbox), then stops it; the database file and
    the emulator's workspace (channels, cards, DMs) stay for the served bot. The sandbox stops
    the emulator on its way out, so it is started again, on a new port.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the e2e helpers drive the modals the way people do
    from bot.loops.queries import assignments_of
    from bot.sandbox import Sandbox
    from bot.scorecards.service import subject_of
    from handlers import create_app
    from handlers.http import make_wsgi_app
    from tests.e2e.helpers import card_in_channel, create_loop, top_view, wait_for

    result = Seed(loop_ids=[], scorecards=[], cards={})
    sandbox = Sandbox(create_app, make_wsgi_app, database_url=database_url, emulator=emulator)
    sandbox.start()
    try:
        today = datetime.now(UTC).date()
        for i in range(loops):
            first_day = _weekday_after(today + timedelta(days=2 + 2 * i))
            short_id = create_loop(
                sandbox,
                **{
                    "Candidate name": f"Candidate {i + 1:02d}",
                    "Candidate key": "phoenix_005_juyoung_park" if i == 0 else None,
                    "First interview day": first_day.isoformat(),
                },
            )
            result.loop_ids.append(short_id)
            found = card_in_channel(sandbox, short_id)
            if found is None:
                raise RuntimeError(f"no card for loop {short_id} in the channel")
            result.cards[short_id] = found[1].to_slack()
        sandbox.dispatch()  # the guides that are due go out now, not in the first measured tick
        for short_id in result.loop_ids:
            for number in range(1, scorecards + 1):
                with sandbox.db.read() as session:
                    subject = subject_of(session, sandbox.runtime.library, short_id, number)
                    owner = next(
                        a.user_id
                        for a in assignments_of(session, subject.loop)
                        if a.round_id == subject.rnd.id and a.letter == "R"
                    )
                handle = emulator.workspace.user(owner).name
                reply = sandbox.slack.command(owner, "/loop", f"scorecard {short_id} {number}")
                if reply.status != 200:
                    raise RuntimeError(f"/loop scorecard answered {reply.status}")
                modal = wait_for(lambda h=handle: emulator.open_views(h) and top_view(sandbox, h))
                if not modal:
                    raise RuntimeError(f"no scorecard modal opened for {short_id} round {number}")
                form = ModalForm(modal, emulator.workspace)
                values = form.fill(_scorecard_answers(form, number))
                reply = sandbox.slack.submit(owner, modal, values)
                if reply.json != {"response_action": "clear"}:
                    raise RuntimeError(f"scorecard not stored: {reply.body_text[:200]}")
                emulator.close_view(owner)
                result.scorecards.append(
                    SeededScorecard(short_id, number, owner, modal, dict(values))
                )
    finally:
        with _quiet_waitress_shutdown():
            sandbox.stop()
    emulator.start()
    return result


class EmulatorHost:
    """The Slack emulator and the seeding, in a process of their own.

    Slack's side of the traffic (the bot's chat.update, views.open, response URLs) costs CPU;
    in the measuring process it would hold the same interpreter lock as the threads timing the
    acknowledgements and inflate them. The load generator asks this process, over a pipe, only
    for what Slack would put in a request: trigger ids and response URLs.
    """

    def __init__(self, database_url: str, *, loops: int, scorecards: int):
        context = multiprocessing.get_context("fork")  # before any thread is started here
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self._process = context.Process(
            target=_host_main, args=(child, database_url, loops, scorecards), daemon=True
        )
        self._process.start()
        child.close()
        ready = self._conn.recv()
        if isinstance(ready, BaseException):
            self._process.join(timeout=5)
            raise RuntimeError("seeding failed in the emulator process") from ready
        self.data: Seed = ready["data"]
        self.facts: dict[str, Any] = ready["facts"]
        self.bot_token: str = self.facts["bot_token"]
        self.api_url: str = self.facts["api_url"]

    def _ask(self, op: str, *args: Any) -> Any:
        with self._lock:
            self._conn.send((op, args))
            return self._conn.recv()

    def issue_trigger_id(self, user_id: str) -> str:
        return self._ask("issue_trigger_id", user_id)

    def issue_response_url(self, channel_id: str, ts: str | None, user_id: str) -> str:
        return self._ask("issue_response_url", channel_id, ts, user_id)

    def calls_count(self) -> int:
        return self._ask("calls_count")

    def calls_since(self, start: int) -> dict[str, int]:
        """Web API calls the bot made since the call log had `start` entries, by method."""
        return self._ask("calls_since", start)

    def cpu_s(self) -> float:
        return cpu_s(self._process.pid or 0) or 0.0

    def stop(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=10)


def _host_main(conn: Any, database_url: str, loops: int, scorecards: int) -> None:
    emulator = SlackEmulator(rate_limits=False).start()
    try:
        try:
            data = seed(emulator, database_url, loops=loops, scorecards=scorecards)
        except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
            conn.send(RuntimeError(f"{type(error).__name__}: {error}"))
            return
        ws = emulator.workspace
        with emulator.lock:
            people = {HM, *(s.user_id for s in data.scorecards)}
            channel = ws.channel(CHANNEL)
            facts = {
                "team": {"id": ws.team_id, "domain": ws.team_domain},
                "app_id": ws.app_id,
                "names": {u: ws.user(u).name for u in people},
                "ims": {u: ws.im_for(u).id for u in people},
                "channel": {"id": channel.id, "name": channel.name},
                "bot_token": emulator.bot_token,
                "api_url": emulator.api_url,
            }
        conn.send({"data": data, "facts": facts})

        def calls_since(start: int) -> dict[str, int]:
            with emulator.lock:
                methods = [call.method for call in emulator.calls[start:]]
            return {method: methods.count(method) for method in sorted(set(methods))}

        def calls_count() -> int:
            with emulator.lock:
                return len(emulator.calls)

        ops: dict[str, Callable[..., Any]] = {
            "issue_trigger_id": emulator.issue_trigger_id,
            "issue_response_url": emulator.issue_response_url,
            "calls_count": calls_count,
            "calls_since": calls_since,
        }
        while True:
            op, args = conn.recv()
            if op == "stop":
                conn.send(None)
                return
            conn.send(ops[op](*args))
    finally:
        emulator.stop()


@contextmanager
def _quiet_waitress_shutdown() -> Iterator[None]:
    """Stopping the in-process server can race a worker that is still finishing its last
    response (waitress then reports a closed descriptor); that noise is not a result."""
    waitress_log = logging.getLogger("waitress")
    previous_hook, previous_disabled = threading.excepthook, waitress_log.disabled

    def hook(args: threading.ExceptHookArgs) -> None:
        if not isinstance(args.exc_value, OSError):
            previous_hook(args)

    threading.excepthook, waitress_log.disabled = hook, True
    try:
        yield
    finally:
        threading.excepthook, waitress_log.disabled = previous_hook, previous_disabled


def _weekday_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _scorecard_answers(form: ModalForm, number: int) -> dict[str, str]:
    answers: dict[str, str] = {}
    for f in form.fields:
        if f.block_id.endswith("evidence"):
            continue
        if f.block_id.startswith("signal:"):
            answers[f.label] = "Solid"
        elif f.block_id.startswith("value:"):
            answers[f.label] = "PROVEN"
    answers["Overall recommendation"] = "Hire"
    answers["Key evidence"] = f"Round {number}: clear reasoning, tested the edge cases first."
    return answers


# servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds a process (all its threads, and its children that ended) has
    used, from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLOCK_TICKS


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (a server started with LOOPBOT_PROCESSES forks them)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    client: SlackClient
    log_path: Path
    startup_s: float = 0.0
    rss: dict[str, int | None] = field(default_factory=dict)

    def cpu_s(self) -> float:
        return sum(cpu_s(pid) or 0.0 for pid in process_tree(self.process.pid))

    def settle(self, timeout: float = 3.0) -> None:
        """Wait until the process stops using CPU: work after an acknowledgement is done."""
        deadline = time.monotonic() + timeout
        last = self.cpu_s()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.cpu_s()
            if now == last:
                return
            last = now

    def measure_rss(self, when: str) -> None:
        self.rss[when] = sum(rss_kib(pid) or 0 for pid in process_tree(self.process.pid)) or None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    name: str,
    argv: list[str],
    env: dict[str, str],
    slack: EmulatorHost,
    workdir: Path,
    processes: int,
) -> Server:
    """Start a server process and wait for its first 200 on /healthz (that is its start-up time).

    The caller must stop() the returned server; one that never answers is stopped here."""
    port = free_port()
    secret = secrets.token_hex(16)
    full_env = {
        **env,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": slack.api_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOOPBOT_THREADS": str(THREADS),
        "LOOPBOT_PROCESSES": str(processes),
    }
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
    # Only signs and sends here: the requests are built by Traffic.
    client = SlackClient(f"{url}/slack/events", secret, None, timeout=REQUEST_TIMEOUT_S)  # type: ignore[arg-type]
    server = Server(name, process, url, client, log_path)
    try:
        deadline = started + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log_tail()}")
            if _healthy(url):
                server.startup_s = time.monotonic() - started
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer /healthz in {START_TIMEOUT_S:.0f} s")
            time.sleep(0.005)
        # The first process to answer is the start-up; the others are ready soon after.
        while len(process_tree(process.pid)) < (processes + 1 if processes > 1 else 1):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start {processes} serving processes")
            time.sleep(0.01)
        server.settle()
    except BaseException:
        server.stop()
        raise
    server.measure_rss("idle")
    return server


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1.0) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


# traffic -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    body: bytes
    content_type: str
    expect: Callable[[str], bool]
    """Whether the acknowledgement's body is the one this server gives when it works."""


class Traffic:
    """Builds the request mix, as Slack would send it; every body is unique (trigger id)."""

    def __init__(self, slack: EmulatorHost, data: Seed):
        self.emulator = slack
        self.data = data
        facts = slack.facts
        self.team = facts["team"]
        self.app_id = facts["app_id"]
        self.names: dict[str, str] = facts["names"]
        self.ims: dict[str, str] = facts["ims"]
        self.channel: dict[str, str] = facts["channel"]

    def build(self, index: int, server: str, kind: str | None = None) -> Request:
        kind = kind or KINDS[index % len(KINDS)]
        turn = index // len(KINDS)
        loop_id = self.data.loop_ids[turn % len(self.data.loop_ids)]
        if kind == "list":
            return self._command(server, HM, "list", ())
        if kind == "show":
            return self._command(server, HM, f"show {loop_id}", (loop_id,))
        if kind == "submit":
            card = self.data.scorecards[turn % len(self.data.scorecards)]
            return self._submit(server, card)
        return self._click(server, HM, loop_id)

    def _command(self, server: str, user_id: str, text: str, shows: tuple[str, ...]) -> Request:
        fields = {
            "token": "emulator-verification-token",
            "team_id": self.team["id"],
            "team_domain": self.team["domain"],
            "channel_id": self.ims[user_id],
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": self.names[user_id],
            "command": "/loop",
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.emulator.issue_response_url(self.ims[user_id], None, user_id),
            "trigger_id": self.emulator.issue_trigger_id(user_id),
        }
        # loopbot acknowledges /loop list and show at once and answers through the response URL,
        # so both servers' acknowledgements are empty; what is measured is the acknowledgement.
        del shows
        expect = _empty
        kind = text.split()[0]
        return Request(kind, urlencode(fields).encode(), FORM, expect)

    def _base(self, user_id: str, kind: str) -> dict[str, Any]:
        name = self.names[user_id]
        return {
            "type": kind,
            "team": self.team,
            "user": {
                "id": user_id,
                "username": name,
                "name": name,
                "team_id": self.team["id"],
            },
            "api_app_id": self.app_id,
            "token": "emulator-verification-token",
            "trigger_id": self.emulator.issue_trigger_id(user_id),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _submit(self, server: str, card: SeededScorecard) -> Request:
        payload = self._base(card.user_id, "view_submission")
        payload["view"] = {**card.view, "state": {"values": card.values}}
        payload["response_urls"] = []
        expect = _cleared if server == "loopbot" else _empty
        return Request("submit", _interaction(payload), FORM, expect)

    def _click(self, server: str, user_id: str, loop_id: str) -> Request:
        message = self.data.cards[loop_id]
        payload = self._base(user_id, "block_actions")
        payload["channel"] = dict(self.channel)
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": self.channel["id"],
            "is_ephemeral": False,
        }
        payload["message"] = message
        payload["state"] = {"values": {}}
        payload["response_url"] = self.emulator.issue_response_url(
            self.channel["id"], message["ts"], user_id
        )
        payload["actions"] = [
            {
                "action_id": "loop_card_reschedule",
                "block_id": _block_with(message, "loop_card_reschedule"),
                "type": "button",
                "text": {"type": "plain_text", "text": "Reschedule a round"},
                "value": loop_id,
                "action_ts": f"{time.time():.6f}",
            }
        ]
        return Request("click", _interaction(payload), FORM, _empty)


FORM = "application/x-www-form-urlencoded"


def _interaction(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def _block_with(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks") or []:
        if any(e.get("action_id") == action_id for e in block.get("elements") or []):
            return str(block.get("block_id"))
    raise RuntimeError(f"the loop card has no {action_id} button")


def _empty(body: str) -> bool:
    return not body.strip()


def _cleared(body: str) -> bool:
    try:
        return json.loads(body) == {"response_action": "clear"}
    except json.JSONDecodeError:
        return False


def _mentions(loop_ids: tuple[str, ...] | list[str], any_of: bool = False) -> Callable[[str], bool]:
    def check(body: str) -> bool:
        found = [f"`{loop_id}`" in body for loop_id in loop_ids]
        return any(found) if any_of else all(found)

    return check


# measuring -----------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    lag_s: float
    """How late the request left against its schedule (generator overhead, not the server's)."""
    latency_s: float
    """Send to full response."""
    status: int
    problem: str | None = None


def send(
    server: Server, request: Request, headers: dict[str, str] | None = None
) -> tuple[float, int, str | None]:
    """Send one request, signed now unless `headers` are given; returns the seconds to the full
    response, the status, and what was wrong with the answer (None when it is right)."""
    if headers is None:
        headers = server.client.signed_headers(request.body, request.content_type)
    started = time.monotonic()
    try:
        reply = server.client.send_raw(request.body, headers)
    except Exception as error:  # noqa: BLE001 - a refused or timed-out request is a result
        return time.monotonic() - started, 0, f"{type(error).__name__}: {error}"[:200]
    elapsed = time.monotonic() - started
    if reply.status != 200:
        return elapsed, reply.status, f"HTTP {reply.status}: {reply.body_text[:120]}"
    if not request.expect(reply.body_text):
        return elapsed, reply.status, f"unexpected acknowledgement: {reply.body_text[:120]}"
    return elapsed, reply.status, None


def run_steady(
    server: Server, traffic: Traffic, *, rate: float, seconds: float, offset: int
) -> list[Sample]:
    """Open loop: request i is due at start + i/rate and is sent then, however slow the others.

    Each request is built (fresh trigger id) and signed by its worker just before it is sent."""
    count = max(1, round(rate * seconds))
    workers = min(512, max(16, math.ceil(rate * ACK_DEADLINE_S)))
    samples: list[Sample | None] = [None] * count

    def one(i: int, due: float) -> None:
        request = traffic.build(offset + i, server.name)
        lag = time.monotonic() - due
        latency, status, problem = send(server, request)
        samples[i] = Sample(request.kind, lag, latency, status, problem)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool:
        start = time.monotonic() + 0.05
        for i in range(count):
            due = start + i / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            pool.submit(one, i, due)
    return [s for s in samples if s is not None]


def run_burst(server: Server, traffic: Traffic, *, size: int, offset: int) -> list[Sample]:
    """`size` requests built and signed up front, then released together."""
    requests = [traffic.build(offset + i, server.name) for i in range(size)]
    signed = [
        (r, server.client.signed_headers(r.body, r.content_type), i) for i, r in enumerate(requests)
    ]
    samples: list[Sample | None] = [None] * size
    ready = threading.Barrier(size + 1)
    fired = [0.0]

    def one(request: Request, headers: dict[str, str], i: int) -> None:
        ready.wait()
        lag = time.monotonic() - fired[0]
        latency, status, problem = send(server, request, headers)
        samples[i] = Sample(request.kind, lag, latency, status, problem)

    threads = [threading.Thread(target=one, args=args, daemon=True) for args in signed]
    for thread in threads:
        thread.start()
    fired[0] = time.monotonic()
    ready.wait()
    deadline = time.monotonic() + REQUEST_TIMEOUT_S + 5
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return [s for s in samples if s is not None]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(samples: list[Sample], expected: int) -> dict[str, Any]:
    latencies = [s.latency_s * 1000 for s in samples]
    problems = [s for s in samples if s.problem]
    out: dict[str, Any] = {
        "count": len(samples),
        "missing": expected - len(samples),
        "errors": len(problems) + (expected - len(samples)),
        "over_3s": sum(1 for s in samples if s.latency_s > ACK_DEADLINE_S),
        "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
        "max_ms": round(max(latencies), 2) if latencies else None,
        "mean_ms": round(sum(latencies) / len(latencies), 2) if latencies else None,
        "lag_max_ms": round(max(s.lag_s for s in samples) * 1000, 2) if samples else None,
        "problems": sorted({f"{s.kind}: {s.problem}" for s in problems})[:5],
    }
    return out


def by_kind(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    out = {}
    for kind in KINDS:
        mine = [s.latency_s * 1000 for s in samples if s.kind == kind]
        if mine:
            out[kind] = {
                "count": len(mine),
                "p50_ms": round(percentile(mine, 50), 2),
                "p99_ms": round(percentile(mine, 99), 2),
                "max_ms": round(max(mine), 2),
            }
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


# profiling -----------------------------------------------------------------------------------

PROFILE_RATE_HZ = 250
PROFILE_TOP = 25
WHERE = (
    # (label, what a sampled leaf frame's file path contains); py-spy names files from the
    # package on (sqlalchemy/engine/base.py); the first match wins
    ("SQLAlchemy (building, running, loading statements)", "sqlalchemy/"),
    ("SQLite driver", "sqlite3/"),
    ("HTTP client (Slack calls, response URLs)", "http/client.py"),
    ("HTTP client (Slack calls, response URLs)", "urllib/"),
    ("HTTP client (Slack calls, response URLs)", "slack_sdk/"),
    ("Bolt (parsing, verifying, routing)", "slack_bolt/"),
    ("waitress (HTTP server)", "waitress/"),
    ("templates (Jinja)", "jinja2/"),
    ("pydantic", "pydantic"),
    ("loopbot's own code", "(bot/"),
    ("loopbot's own code", "(handlers/"),
    ("JSON", "json/"),
    ("logging", "logging/"),
    ("threads and locks", "threading.py"),
    ("threads and locks", "concurrent/"),
)


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("--profile needs py-spy: pip install -e '.[bench]'")
    return found


def profile_steady(server: Server, traffic: Traffic, config: Config, offset: int) -> dict:
    """py-spy on every serving process (samples of the thread holding the interpreter lock)
    during one more steady phase; where that time goes, by frame and by library."""
    spy = _py_spy()
    pids = process_tree(server.process.pid)
    pids = pids[1:] if len(pids) > 1 else pids  # the serving processes, not their supervisor
    with tempfile.TemporaryDirectory(prefix="loopbot-profile-") as tmp:
        outputs = [Path(tmp) / f"{pid}.txt" for pid in pids]
        spies = [
            subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--gil", "--rate", str(PROFILE_RATE_HZ)]
                + ["--format", "raw", "--output", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, out in zip(pids, outputs, strict=True)
        ]
        time.sleep(1.0)  # attached
        server.settle()
        samples = run_steady(
            server, traffic, rate=config.rate, seconds=config.seconds, offset=offset
        )
        server.settle()
        for process in spies:
            process.send_signal(signal.SIGINT)
        for process in spies:
            process.wait(timeout=30)
        stacks = [line for out in outputs if out.exists() for line in out.read_text().splitlines()]
    return {"requests": len(samples), **summarize_stacks(stacks)}


def summarize_stacks(lines: list[str]) -> dict:
    """Inclusive share of each frame, and each library's share of the leaf (self) time."""
    total = 0
    inclusive: dict[str, int] = {}
    by_library: dict[str, int] = {}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in dict.fromkeys(_frame(f) for f in frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        leaf = frames[-1]
        label = next((name for name, part in WHERE if part in leaf), "other (Python itself)")
        by_library[label] = by_library.get(label, 0) + n
    if not total:
        return {"samples": 0, "frames": [], "self_by_library": []}
    ours = [
        (frame, n)
        for frame, n in inclusive.items()
        if any(f"({top}/" in frame for top in ("bot", "handlers", "slack_bolt"))
    ]
    ours.sort(key=lambda item: -item[1])
    return {
        "samples": total,
        "frames": [[frame, round(n / total, 3)] for frame, n in ours[:PROFILE_TOP]],
        "self_by_library": sorted(
            ([name, round(n / total, 3)] for name, n in by_library.items()), key=lambda x: -x[1]
        ),
    }


def _frame(raw: str) -> str:
    """'function (path:line)' as 'function (path)', with the path from the package on."""
    name, _, where = raw.partition(" (")
    path = where.split(":", 1)[0]
    if path.startswith(f"{ROOT}/"):
        path = path[len(f"{ROOT}/") :]
    elif "/site-packages/" in path:
        path = path.split("/site-packages/", 1)[1]
    return f"{name} ({path})"


# the run -------------------------------------------------------------------------------------


@dataclass
class Config:
    rate: float
    seconds: float
    burst: int
    rounds: int
    loops: int
    scorecards: int
    smoke: bool
    processes: int = 1
    profile: bool = False
    probe: int = 40
    server: str = "loopbot"
    """What serves loopbot: `loopbot serve` (waitress), or gunicorn (bench/gunicorn_serve.py)."""
    floor: bool = False
    """Also measure the bare app making the Slack call each request leads to (bench/bare_app.py)."""
    load_before: list[float] = field(default_factory=list)


@contextmanager
def servers_running(
    slack: EmulatorHost,
    database_url: str,
    workdir: Path,
    processes: int,
    server: str = "loopbot",
    floor: bool = False,
) -> Iterator[dict[str, Server]]:
    """The servers, loopbot first (its start-up is measured on an idle machine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPBOT_"))}
    env["DATABASE_URL"] = database_url
    env["PYTHONUNBUFFERED"] = "1"
    running: dict[str, Server] = {}
    try:
        loopbot = [sys.executable, "-m", "bot.cli", "serve"]
        if server == "gunicorn":
            loopbot = [sys.executable, str(ROOT / "bench" / "gunicorn_serve.py")]
        running["loopbot"] = start_server("loopbot", loopbot, env, slack, workdir, processes)
        bare = [sys.executable, str(BARE_APP)]
        running["bare"] = start_server("bare", bare, env, slack, workdir, processes)
        if floor:
            floor_env = {**env, "BARE_SLACK_CALLS": "1"}
            running["floor"] = start_server("floor", bare, floor_env, slack, workdir, processes)
        yield running
    finally:
        for server in running.values():
            server.stop()


def warm_up(server: Server, traffic: Traffic, offset: int) -> list[float]:
    """One request of each kind, one at a time: the first requests after start-up."""
    samples = []
    for i in range(len(KINDS)):
        request = traffic.build(offset + i, server.name)
        latency, _, problem = send(server, request)
        if problem:
            raise RuntimeError(f"{server.name} {request.kind} failed on warm-up: {problem}")
        samples.append(round(latency * 1000, 2))
    return samples


def probe(server: Server, traffic: Traffic, *, count: int, offset: int) -> dict[str, Any]:
    """Each kind alone, one request at a time: its latency without queuing, and the server CPU
    it costs (work done after the acknowledgement included)."""
    out: dict[str, Any] = {}
    for kind in KINDS:
        server.settle()
        cpu_before = server.cpu_s()
        latencies = []
        for i in range(count):
            latency, _, problem = send(server, traffic.build(offset + i, server.name, kind))
            if problem:
                raise RuntimeError(f"{server.name} {kind} failed in the probe: {problem}")
            latencies.append(latency * 1000)
        server.settle()
        out[kind] = {
            "count": count,
            "p50_ms": round(percentile(latencies, 50), 2),
            "max_ms": round(max(latencies), 2),
            "server_cpu_ms_per_req": round((server.cpu_s() - cpu_before) * 1000 / count, 2),
        }
    return out


def run(config: Config) -> dict[str, Any]:
    config.load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="loopbot-bench-") as tmp:
        workdir = Path(tmp)
        database_url = f"sqlite:///{workdir / 'loopbot.db'}"
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            check=True,
            capture_output=True,
        )
        seeded = time.monotonic()
        slack = EmulatorHost(database_url, loops=config.loops, scorecards=config.scorecards)
        try:
            print(
                f"seeded {len(slack.data.loop_ids)} loops, {len(slack.data.scorecards)} "
                f"scorecards in {time.monotonic() - seeded:.1f} s",
                file=sys.stderr,
            )
            traffic = Traffic(slack, slack.data)
            with servers_running(
                slack, database_url, workdir, config.processes, config.server, config.floor
            ) as servers:
                try:
                    return measure(config, slack, traffic, servers)
                except BaseException:
                    for server in servers.values():
                        print(
                            f"--- {server.name} log tail ---\n{server.log_tail()}", file=sys.stderr
                        )
                    raise
        finally:
            slack.stop()


def measure(
    config: Config, slack: EmulatorHost, traffic: Traffic, servers: dict[str, Server]
) -> dict[str, Any]:
    order = [name for name in SERVERS if name in servers]
    offset = 0
    warm = {}
    for name in order:
        warm[name] = warm_up(servers[name], traffic, offset)
        offset += len(KINDS)
    probes = {}
    for name in order:
        probes[name] = probe(servers[name], traffic, count=config.probe, offset=offset)
        offset += config.probe
    phases: list[dict[str, Any]] = []
    collected: dict[tuple[str, str], list[Sample]] = {}
    expected: dict[tuple[str, str], int] = {}
    for round_no in range(1, config.rounds + 1):
        for name in order:
            server = servers[name]
            for phase in ("steady", "burst"):
                server.settle()
                calls_before = slack.calls_count()
                cpu_before, own_before = server.cpu_s(), _own_cpu_s()
                machine_before = CpuSnapshot.take(servers, slack)
                started = time.monotonic()
                if phase == "steady":
                    want = max(1, round(config.rate * config.seconds))
                    samples = run_steady(
                        server, traffic, rate=config.rate, seconds=config.seconds, offset=offset
                    )
                    server.measure_rss(f"after_steady_{round_no}")
                else:
                    want = config.burst
                    samples = run_burst(server, traffic, size=config.burst, offset=offset)
                offset += want
                wall = time.monotonic() - started
                noise = CpuSnapshot.take(servers, slack).noise_since(machine_before)
                server.settle()
                cpu = server.cpu_s() - cpu_before
                own = _own_cpu_s() - own_before
                stats = summarize(samples, want)
                phases.append(
                    {
                        "round": round_no,
                        "server": name,
                        "phase": phase,
                        "wall_s": round(wall, 2),
                        "slack_api_calls": slack.calls_since(calls_before),
                        "server_cpu_s": round(cpu, 3),
                        "server_cpu_ms_per_req": round(cpu * 1000 / want, 2),
                        "generator_cpu_ms_per_req": round(own * 1000 / want, 2),
                        **noise,
                        **stats,
                        "by_kind": by_kind(samples),
                    }
                )
                collected.setdefault((name, phase), []).extend(samples)
                expected[(name, phase)] = expected.get((name, phase), 0) + want
                print(
                    f"round {round_no} {name:<7} {phase:<6} p50 {stats['p50_ms']} ms  "
                    f"p99 {stats['p99_ms']} ms  errors {stats['errors']}  "
                    f"(others {noise['others_cores']} cores, steal {noise['steal_pct']}%)",
                    file=sys.stderr,
                )
    summary = {
        name: {
            phase: {
                **summarize(collected[(name, phase)], expected[(name, phase)]),
                "by_kind": by_kind(collected[(name, phase)]),
                "server_cpu_ms_per_req": round(
                    sum(
                        p["server_cpu_s"]
                        for p in phases
                        if p["server"] == name and p["phase"] == phase
                    )
                    * 1000
                    / expected[(name, phase)],
                    2,
                ),
            }
            for phase in ("steady", "burst")
        }
        for name in order
    }
    ratios = {
        phase: {
            **{
                q: _ratio(summary["loopbot"][phase][f"{q}_ms"], summary["bare"][phase][f"{q}_ms"])
                for q in ("p50", "p99")
            },
            "cpu": _ratio(
                summary["loopbot"][phase]["server_cpu_ms_per_req"],
                summary["bare"][phase]["server_cpu_ms_per_req"],
            ),
        }
        for phase in ("steady", "burst")
    }
    if "floor" in summary:
        for phase in ("steady", "burst"):
            floor_cpu = summary["floor"][phase]["server_cpu_ms_per_req"]
            ratios[phase]["floor_cpu"] = _ratio(
                floor_cpu, summary["bare"][phase]["server_cpu_ms_per_req"]
            )
            ratios[phase]["floor_p99"] = _ratio(
                summary["floor"][phase]["p99_ms"], summary["bare"][phase]["p99_ms"]
            )
            ratios[phase]["cpu_over_floor"] = _ratio(
                summary["loopbot"][phase]["server_cpu_ms_per_req"], floor_cpu
            )
    steady = summary["loopbot"]["steady"]
    over = sum(summary["loopbot"][p]["over_3s"] for p in ("steady", "burst"))
    p99_ratio = ratios["steady"]["p99"]
    target = {
        "text": TARGET_TEXT,
        "rate": config.rate,
        "p99_ms": steady["p99_ms"],
        "p99_ratio": p99_ratio,
        "over_3s": over,
        "met": bool(
            p99_ratio is not None
            and p99_ratio <= TARGET_RATIO
            and steady["p99_ms"] is not None
            and steady["p99_ms"] < TARGET_P99_MS
            and over == 0
        ),
    }
    broken = [
        f"{name} {phase}: {stats['errors']} errors, {stats['over_3s']} over 3 s"
        for name in order
        for phase, stats in summary[name].items()
        if stats["errors"] or stats["over_3s"]
    ]
    profile = (
        profile_steady(servers["loopbot"], traffic, config, offset) if config.profile else None
    )
    return {
        "profile": profile,
        "config": {
            "rate": config.rate,
            "seconds": config.seconds,
            "burst": config.burst,
            "rounds": config.rounds,
            "seeded_loops": len(traffic.data.loop_ids),
            "seeded_scorecards": len(traffic.data.scorecards),
            "threads": THREADS,
            "processes": config.processes,
            "smoke": config.smoke,
            "probe_per_kind": config.probe,
            "mix": list(KINDS),
            "servers": order,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": config.load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": _source(),
        "startup_s": {name: round(servers[name].startup_s, 3) for name in order},
        "rss_kib": {name: servers[name].rss for name in order},
        "warm_up_ms": warm,
        "probe": probes,
        "summary": summary,
        "ratios": ratios,
        "target": target,
        "broken": broken,
        "phases": phases,
    }


@dataclass(frozen=True)
class CpuSnapshot:
    """Machine-wide CPU counters (/proc/stat) and the CPU of the processes this run owns."""

    at: float
    busy_s: float
    steal_s: float
    total_s: float
    ours_s: float

    @classmethod
    def take(cls, servers: dict[str, Server], slack: EmulatorHost) -> CpuSnapshot:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, idle, iowait, irq, softirq, steal = ticks
        ours = _own_cpu_s() + slack.cpu_s() + sum(server.cpu_s() for server in servers.values())
        return cls(
            at=time.monotonic(),
            busy_s=(user + nice + system + irq + softirq) / CLOCK_TICKS,
            steal_s=steal / CLOCK_TICKS,
            total_s=sum(ticks) / CLOCK_TICKS,
            ours_s=ours,
        )

    def noise_since(self, before: CpuSnapshot) -> dict[str, float]:
        """Cores other processes kept busy meanwhile, and the share the hypervisor stole."""
        wall = max(self.at - before.at, 1e-9)
        others = (self.busy_s - before.busy_s) - (self.ours_s - before.ours_s)
        total = max(self.total_s - before.total_s, 1e-9)
        return {
            "others_cores": round(max(0.0, others) / wall, 2),
            "steal_pct": round(100 * (self.steal_s - before.steal_s) / total, 1),
        }


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _source() -> dict[str, Any]:
    """The commit measured, and tracked files that differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {"commit": git("rev-parse", "HEAD").strip(), "changed": [line[3:] for line in changed]}


# report --------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def render(result: dict[str, Any]) -> str:
    cfg = result["config"]
    summary = result["summary"]
    names = cfg.get("servers", ["bare", "loopbot"])
    lines = [
        f"ack latency: steady {cfg['rate']:g} req/s for {cfg['seconds']:g} s, burst of "
        f"{cfg['burst']}, x{cfg['rounds']} rounds per server, alternating {'/'.join(names)}; "
        f"waitress {cfg['processes']} process(es) x {cfg['threads']} threads; "
        f"{result['machine']['cpus']} CPUs; "
        f"{cfg['seeded_loops']} loops, {cfg['seeded_scorecards']} scorecards seeded",
        "mix: " + ", ".join(cfg["mix"]) + " (round robin)",
        "",
        f"{'server':<8} {'phase':<7} {'count':>6} {'errors':>6} {'>3s':>4} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'lag max ms':>10} {'cpu ms/req':>10}",
    ]
    for phase in ("steady", "burst"):
        for name in names:
            s = summary[name][phase]
            lines.append(
                f"{name:<8} {phase:<7} {s['count']:>6} {s['errors']:>6} {s['over_3s']:>4} "
                f"{_ms(s['p50_ms']):>8} {_ms(s['p99_ms']):>8} {_ms(s['max_ms']):>8} "
                f"{_ms(s['lag_max_ms']):>10} {_ms(s['server_cpu_ms_per_req']):>10}"
            )
    lines.append("")
    for phase in ("steady", "burst"):
        r = result["ratios"][phase]
        lines.append(
            f"loopbot/bare {phase:<7} p50 {_x(r['p50'])}  p99 {_x(r['p99'])}  "
            f"cpu/request {_x(r.get('cpu'))}"
        )
        if "floor_cpu" in r:
            lines.append(
                f"floor/bare   {phase:<7} p99 {_x(r['floor_p99'])}  cpu/request "
                f"{_x(r['floor_cpu'])}  (loopbot/floor cpu/request {_x(r['cpu_over_floor'])})"
            )
    lines += [
        "",
        f"one at a time, {cfg['probe_per_kind']} of each kind (p50 ms, server cpu ms/req):",
    ]
    for kind in KINDS:
        cells = []
        for name in names:
            k = result["probe"][name][kind]
            cells.append(f"{name} {_ms(k['p50_ms'])}, cpu {_ms(k['server_cpu_ms_per_req'])}")
        lines.append(f"  {kind:<7} " + "   ".join(cells))
    for phase in ("steady", "burst"):
        lines += ["", f"per request kind, {phase} (p50 / p99 ms):"]
        for kind in KINDS:
            cells = []
            for name in names:
                k = summary[name][phase]["by_kind"].get(kind, {})
                cells.append(f"{name} {_ms(k.get('p50_ms'))} / {_ms(k.get('p99_ms'))}")
            lines.append(f"  {kind:<7} " + "   ".join(cells))
    lines.append("")
    lines.append(
        "start-up (process start to first 200 on /healthz): "
        + ", ".join(f"{n} {result['startup_s'][n]:.2f} s" for n in names)
    )
    for name in names:
        rss = result["rss_kib"][name]
        after = [v for k, v in rss.items() if k.startswith("after_steady") and v is not None]
        lines.append(
            f"RSS {name}: idle {_mib(rss.get('idle'))}, after steady "
            + (", ".join(_mib(v) for v in after) or "-")
        )
    if result.get("profile"):
        profile = result["profile"]
        lines.append(
            f"\nprofile of loopbot at {cfg['rate']:g} req/s ({profile['requests']} requests, "
            f"{profile['samples']} py-spy samples of the thread holding the interpreter lock):"
        )
        lines.append("  where the time is spent, by library (self time):")
        lines += [f"    {share:6.1%}  {name}" for name, share in profile["self_by_library"]]
        lines.append("  inclusive share of loopbot's and Bolt's frames:")
        lines += [f"    {share:6.1%}  {frame}" for frame, share in profile["frames"]]
    lines.append(
        "first requests after start-up (ms, list/show/submit/click): "
        + "; ".join(f"{n} {result['warm_up_ms'][n]}" for n in names)
    )
    lines.append(
        "machine noise per phase (cores other processes used, steal %): "
        + "; ".join(
            f"{p['server']} {p['phase']} {p['others_cores']:.2f}/{p['steal_pct']:.0f}%"
            for p in result["phases"]
        )
    )
    target = result["target"]
    verdict = "met" if target["met"] else "NOT met"
    note = "" if cfg["rate"] == TARGET_RATE else f" (measured at {cfg['rate']:g} req/s)"
    lines += [
        "",
        f"target: {TARGET_TEXT}: {verdict}{note} — loopbot steady p99 {_ms(target['p99_ms'])} ms, "
        f"{_x(target['p99_ratio'])} bare, {target['over_3s']} over 3 s",
    ]
    for problem in result["broken"]:
        lines.append(f"BROKEN: {problem}")
    for name in names:
        for phase in ("steady", "burst"):
            for problem in summary[name][phase]["problems"]:
                lines.append(f"  {name} {phase}: {problem}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> tuple[Config, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="steady requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of a steady phase")
    parser.add_argument("--burst", type=int, default=100, help="requests fired at once")
    parser.add_argument("--rounds", type=int, default=2, help="bare+loopbot rounds to alternate")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="LOOPBOT_PROCESSES for both servers (default: one per core, as the README says)",
    )
    parser.add_argument(
        "--server",
        choices=["loopbot", "gunicorn"],
        default="loopbot",
        help="serve loopbot with `loopbot serve` or with gunicorn (pip install -e '.[bench]')",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure the bare app making the one Slack call each request leads to",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny run for CI (10 req/s, 2 s, burst 10)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then profile loopbot under the steady load with py-spy (pip install -e '.[bench]')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=f"JSON results file (default: {RESULTS.relative_to(ROOT)}; none for --smoke)",
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or min(args.burst, args.rounds, args.processes) < 1:
        parser.error(
            "--rate and --seconds must be positive, --burst, --rounds and --processes at least 1"
        )
    if args.smoke:
        smoke = Config(
            rate=10,
            seconds=2,
            burst=10,
            rounds=1,
            loops=2,
            scorecards=1,
            smoke=True,
            processes=args.processes,
            profile=args.profile,
            probe=4,
            server=args.server,
            floor=args.floor,
        )
        return smoke, args.out
    config = Config(
        rate=args.rate,
        seconds=args.seconds,
        burst=args.burst,
        rounds=args.rounds,
        loops=5,
        scorecards=3,
        smoke=False,
        processes=args.processes,
        profile=args.profile,
        server=args.server,
        floor=args.floor,
    )
    return config, args.out or RESULTS


def main(argv: list[str] | None = None) -> int:
    config, out = parse_args(argv)
    result = run(config)
    print(render(result))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {out}")
    return 1 if result["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
