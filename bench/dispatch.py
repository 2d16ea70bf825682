"""Dispatch throughput: a backlog of due reminders sent at Slack's pace, by one or two dispatchers.

Seeds N loops of the shipped AI-first document (six rounds each, every round with its R/A/C/I
people and the reminders `create_loop` plans), as a database that has been in use for a few
days: older loops' first messages were sent long ago, every interview is still ahead. The
newest loops' first messages (six "you're assigned" DMs, the hiring manager's summary, the
interview lead's calibration brief, the recruiter's status card) have not gone out yet: M of
them are due at once, as after an outage. Then one dispatcher (or two, in separate processes)
ticks until none is left, against the Slack emulator enforcing chat.postMessage's limit of about
one post a second per channel and a workspace-wide ceiling.

Measured: wall time, messages delivered (200s to chat.postMessage), duplicates, lost messages,
the achieved rate against the ceiling the emulator allows for this traffic (min(workspace
ceiling, DM channels x 1/s)), and where each replica's time went.

    python bench/dispatch.py                                  # 10,000 loops, 5,000 due, SQLite
    python bench/dispatch.py --postgres URL [--replicas 2]    # PostgreSQL (an admin URL)
    python bench/dispatch.py --people 1000                    # DMs to 1,000 people, not 10
    python bench/dispatch.py --smoke                          # tiny; fails on duplicates or losses

By default DMs go to the emulator's sample team (ten people; nine of them get these messages),
so each DM channel gets hundreds of messages and the per-channel limit sets the pace; with
`--people K` they go to K extra people, so the workspace ceiling does. Each replica knows every
DM channel before it starts, as a replica that has been running a while does; `--cold-dms`
makes it open each one with conversations.open (Tier 3: 50 a minute) as a fresh replica must.
`--rate-scale` runs every emulated limit that many times faster (Retry-After stays whole
seconds, as on the wire); results say when it was used. `--lease` gives the dispatchers a shorter
lease than the shipped one, to see what happens when a batch outlasts it. `--latency MS` answers
every post MS later, as Slack does across the internet (loopback answers in about a millisecond).

Results go to bench/results/dispatch.json, one entry per case (database, replicas, sizes, and
the commit measured), replacing an earlier run of the same case; `--smoke` writes none unless
given `--out`.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bot.documents import load_library  # noqa: E402
from bot.documents.models import LoopTemplate  # noqa: E402
from bot.documents.models import Round as TemplateRound  # noqa: E402
from bot.emulator import SlackEmulator  # noqa: E402
from bot.emulator.ratelimit import POST_BURST, POST_PER_SECOND  # noqa: E402
from bot.loops.service import template_record  # noqa: E402
from bot.reminders.dispatcher import LEASE, Dispatcher  # noqa: E402
from bot.reminders.plan import BEFORE_START, DEFAULT_OFFSETS, Kind  # noqa: E402
from bot.settings import SEEDS_DIR  # noqa: E402
from bot.slack.client import make_client  # noqa: E402
from bot.slack.messenger import Messenger, Posted  # noqa: E402
from bot.store import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Assignment, Loop, Reminder, Round  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "dispatch.json"
TEMPLATE = "ai-first-engineering"
LOOP_ROLE = "-"
# The emulator's sample team: hiring manager, recruiter, interview lead, executive sponsor, and
# six panel interviewers; each loop draws four of the six for its pool.
HM, REC, IL, XS = "U0HM00001", "U0RC00001", "U0IL00001", "U0EX00001"
PANEL = [f"U0PN0000{n}" for n in range(1, 7)]
POOL_SIZE = 4
# Time between two loops' creation: 10,000 loops are a few days of a busy team's history.
LOOP_SPACING = timedelta(seconds=30)
FIRST_ROUND_AFTER = timedelta(days=5)
ROUND_SPACING = timedelta(minutes=90)
CHUNK = 500  # loops per seeding transaction
POLL_S = 0.2  # a replica's pause when nothing is due yet but someone still holds rows

SMOKE = {"loops": 200, "due": 300, "people": 20, "ceiling": 20.0}
FULL = {"loops": 10_000, "due": 5_000, "people": None, "ceiling": 100.0}


# seeding ------------------------------------------------------------------------------------


@dataclass
class Seeded:
    due_ids: list[int]
    due_targets: dict[int, str]  # reminder id -> user it DMs
    first_due_loop: int
    horizon: datetime  # every due row is due before this; every other pending row after it
    rows: dict[str, int]
    seconds: float


def people_for(index: int, people: list[str] | None) -> dict[str, list[str]]:
    """Who holds each role in loop `index`: the sample team, or a slice of K extra people."""
    if people is None:
        pool = [PANEL[(index + j) % len(PANEL)] for j in range(POOL_SIZE)]
        return {"HM": [HM], "REC": [REC], "IL": [IL], "XS": [XS], "PI": pool}
    base = index * 8
    picked = [people[(base + j) % len(people)] for j in range(8)]
    return {
        "HM": [picked[0]],
        "REC": [picked[1]],
        "IL": [picked[2]],
        "XS": [picked[3]],
        "PI": picked[4:8],
    }


CREATION_KINDS = (Kind.ASSIGNED, Kind.SUMMARY, Kind.CALIBRATE, Kind.STATUS)


class _Seeder:
    """Builds the rows of one loop after another, with ids given here (not by the database)."""

    def __init__(self, template: LoopTemplate, version_id: int, *, loops: int, due: int) -> None:
        self.template = template
        self.version_id = version_id
        self.due = due
        self.letters: dict[str, set[str]] = defaultdict(set)
        for spec in template.rounds:
            for letter, codes in _raci(spec):
                for code in codes:
                    self.letters[code].add(letter)
        self.finalists_only = {r.code for r in template.roles if r.finalists_only}
        # What create_loop sends at once: one DM per round's Responsible, and the loop-wide
        # summary, calibration brief and status card.
        self.per_loop = sum(len(s.responsible) for s in template.rounds) + sum(
            1 for r in template.roles if self._opening_kind(r.code) is not None
        )
        owed_loops = min(loops, math.ceil(due / self.per_loop))
        if due > owed_loops * self.per_loop:
            raise SystemExit(f"--due {due} needs more than {loops} loops")
        self.first_owed = loops - owed_loops  # the newest loops still owe their first messages
        self.assignment_id = 0
        self.reminder_id = 0
        self.due_ids: list[int] = []
        self.due_targets: dict[int, str] = {}
        self.latest_due: datetime | None = None
        self.clear()

    def clear(self) -> None:
        self.loops: list[dict[str, Any]] = []
        self.rounds: list[dict[str, Any]] = []
        self.assignments: list[dict[str, Any]] = []
        self.reminders: list[dict[str, Any]] = []

    def _opening_kind(self, code: str) -> Kind | None:
        held = self.letters[code]
        if code in self.finalists_only:
            return None
        if "A" in held:
            return Kind.SUMMARY
        if "C" in held:
            return Kind.CALIBRATE
        if "I" in held:
            return Kind.STATUS
        return None

    def loop(self, index: int, created: datetime, roles: dict[str, list[str]]) -> None:
        loop_id = index + 1
        owed = index >= self.first_owed
        self.loops.append(
            {
                "id": loop_id,
                "short_id": f"B{loop_id:07d}",
                "candidate_name": f"Candidate {loop_id}",
                "candidate_key": None,
                "template_version_id": self.version_id,
                "variant": None,
                "candidate_tz": "Asia/Seoul",
                "channel_id": "C0HIRING1",
                "status": "scheduled",
                "finalist": False,
                "version": 1,
                "created_by": roles["REC"][0],
                "created_at": created,
                "updated_at": created,
            }
        )
        holders: dict[str, tuple[int, str]] = {}
        for role in self.template.roles:
            for user_id in roles.get(role.code, []):
                holders.setdefault(
                    role.code, (self._assign(loop_id, None, LOOP_ROLE, role.code, user_id), user_id)
                )
        pool = roles["PI"]
        for number, spec in enumerate(self.template.rounds, start=1):
            round_id = index * len(self.template.rounds) + number
            starts = created + FIRST_ROUND_AFTER + ROUND_SPACING * (number - 1)
            self.rounds.append(
                {
                    "id": round_id,
                    "loop_id": loop_id,
                    "number": number,
                    "name": spec.name,
                    "starts_at": starts,
                    "duration_minutes": spec.duration_minutes,
                    "format": "on-site",
                    "version": 1,
                    "cancelled": False,
                }
            )
            first: dict[str, tuple[int, str]] = {}
            for letter, codes in _raci(spec):
                for code in codes:
                    user_id = pool[(number - 1) % len(pool)] if code == "PI" else roles[code][0]
                    row_id = self._assign(loop_id, round_id, letter, code, user_id)
                    first.setdefault(letter, (row_id, user_id))
            end = starts + timedelta(minutes=spec.duration_minutes)
            self._remind(Kind.ASSIGNED, first["R"], loop_id, round_id, created, owed, created)
            # What creation plans; each later reminder is written when the one before it goes.
            for kind in (Kind.GUIDE, Kind.HEADS_UP, Kind.DUE):
                at = (starts if kind in BEFORE_START else end) + timedelta(
                    minutes=DEFAULT_OFFSETS[kind]
                )
                self._remind(kind, first["R"], loop_id, round_id, at, owed, created)
        for role in self.template.roles:
            kind = self._opening_kind(role.code)
            if kind is not None and role.code in holders:
                self._remind(kind, holders[role.code], loop_id, None, created, owed, created)

    def _assign(
        self, loop_id: int, round_id: int | None, letter: str, code: str, user_id: str
    ) -> int:
        self.assignment_id += 1
        self.assignments.append(
            {
                "id": self.assignment_id,
                "loop_id": loop_id,
                "round_id": round_id,
                "letter": letter,
                "role_code": code,
                "user_id": user_id,
                "active": True,
            }
        )
        return self.assignment_id

    def _remind(
        self,
        kind: Kind,
        target: tuple[int, str],
        loop_id: int,
        round_id: int | None,
        due_at: datetime,
        owed: bool,
        created: datetime,
    ) -> None:
        self.reminder_id += 1
        state = "pending"
        if kind in CREATION_KINDS:
            if owed and len(self.due_ids) < self.due:
                self.due_ids.append(self.reminder_id)
                self.due_targets[self.reminder_id] = target[1]
                self.latest_due = max(self.latest_due or due_at, due_at)
            else:
                state = "sent"  # went out when the loop was created
        self.reminders.append(
            {
                "id": self.reminder_id,
                "assignment_id": target[0],
                "loop_id": loop_id,
                "round_id": round_id,
                "kind": str(kind),
                "round_version": 1,
                "due_at": due_at,
                "state": state,
                "attempts": 1 if state == "sent" else 0,
                "updated_at": due_at if state == "sent" else created,
            }
        )


def _raci(spec: TemplateRound) -> list[tuple[str, list[str]]]:
    return list(
        zip(
            "RACI", (spec.responsible, spec.accountable, spec.consulted, spec.informed), strict=True
        )
    )


def seed(db: Database, *, loops: int, due: int, people: list[str] | None, now: datetime) -> Seeded:
    """Bulk-insert the loops, rounds, assignments and reminders; M opening messages due now."""
    started = time.perf_counter()
    template = load_library(SEEDS_DIR).loops[TEMPLATE]
    with db.session() as session:
        version_id = template_record(session, template).id
    assert version_id is not None
    seeder = _Seeder(template, version_id, loops=loops, due=due)
    counts: Counter[str] = Counter()
    for chunk_start in range(0, loops, CHUNK):
        for index in range(chunk_start, min(loops, chunk_start + CHUNK)):
            seeder.loop(index, now - LOOP_SPACING * (loops - index), people_for(index, people))
        with db.session() as session:
            conn = session.connection()
            conn.execute(insert(Loop), seeder.loops)
            conn.execute(insert(Round), seeder.rounds)
            conn.execute(insert(Assignment), seeder.assignments)
            conn.execute(insert(Reminder), seeder.reminders)
        counts.update(
            loops=len(seeder.loops),
            rounds=len(seeder.rounds),
            assignments=len(seeder.assignments),
            reminders=len(seeder.reminders),
        )
        seeder.clear()
    if db.dialect == "postgresql":
        with db.session() as session:
            # Ids given here leave the sequences behind; a later insert must not collide.
            for table in ("loops", "rounds", "assignments", "reminders"):
                session.connection().execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                )
        # What autovacuum would have done by now in a database of this size.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    if len(seeder.due_ids) != due or seeder.latest_due is None:
        raise SystemExit(f"seeded {len(seeder.due_ids)} due messages, not {due}")
    return Seeded(
        due_ids=seeder.due_ids,
        due_targets=seeder.due_targets,
        first_due_loop=seeder.first_owed + 1,
        horizon=seeder.latest_due + timedelta(hours=2),
        rows=dict(counts),
        seconds=time.perf_counter() - started,
    )


# one replica --------------------------------------------------------------------------------


@dataclass
class ReplicaStats:
    worker: str
    ticks: int = 0
    idle_ticks: int = 0
    claims: int = 0
    claimed: int = 0
    claim_s: float = 0.0
    delivered: int = 0
    deliver_s: float = 0.0
    outcomes: dict[str, int] | None = None
    posts: int = 0
    post_s: float = 0.0  # chat.postMessage
    opens: int = 0
    open_s: float = 0.0  # conversations.open, the same
    waits: int = 0
    wait_s: float = 0.0  # asleep until a rate-limited row may go (Retry-After)
    idle_s: float = 0.0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    error: str | None = None


class _TimedMessenger(Messenger):
    """The real Messenger, timing its Slack calls; DM channels known in advance when given."""

    def __init__(self, client: Any, stats: ReplicaStats, known: dict[str, str]) -> None:
        super().__init__(client)
        self.stats = stats
        self.known = known

    def dm_channel(self, user_id: str) -> str:
        if user_id in self.known:
            return self.known[user_id]
        started = time.perf_counter()
        try:
            return super().dm_channel(user_id)
        finally:
            self.stats.opens += 1
            self.stats.open_s += time.perf_counter() - started

    def post(self, channel: str, **kwargs: Any) -> Posted:
        started = time.perf_counter()
        try:
            return super().post(channel, **kwargs)
        finally:
            self.stats.posts += 1
            self.stats.post_s += time.perf_counter() - started


class _TimedDispatcher(Dispatcher):
    stats: ReplicaStats

    def claim(self, now: datetime) -> list[int]:
        started = time.perf_counter()
        ids = super().claim(now)
        self.stats.claims += 1
        self.stats.claimed += len(ids)
        self.stats.claim_s += time.perf_counter() - started
        return ids

    def deliver(self, reminder_id: int, now: datetime) -> str:
        started = time.perf_counter()
        try:
            return super().deliver(reminder_id, now)
        finally:
            self.stats.delivered += 1
            self.stats.deliver_s += time.perf_counter() - started


def _outstanding(db: Database, horizon: datetime) -> int:
    with db.read() as session:
        return (
            session.connection()
            .execute(
                text(
                    "SELECT count(*) FROM reminders WHERE state IN ('pending', 'claimed') "
                    "AND due_at < :horizon"
                ),
                {"horizon": horizon.replace(tzinfo=None) if db.dialect == "sqlite" else horizon},
            )
            .scalar_one()
        )


def replica(
    url: str,
    api_url: str,
    token: str,
    worker: str,
    known: dict[str, str],
    horizon: datetime,
    lease: float,
    deadline: float,
    ready: Any,
    go: Any,
    out: Any,
) -> None:
    """One dispatcher process: tick until no due row is left (or the deadline passes)."""
    stats = ReplicaStats(worker=worker)
    db = Database(url)
    try:
        try:
            # As `loopbot serve` builds it: a 429 puts that person's row back, not the replica
            # to sleep.
            client = make_client(token, api_url, wait_on_rate_limits=False)
            messenger = _TimedMessenger(client, stats, known)
            dispatcher = _TimedDispatcher(
                db=db,
                messenger=messenger,
                library=load_library(SEEDS_DIR),
                worker=worker,
                lease=timedelta(seconds=lease),
            )
            dispatcher.stats = stats
            _outstanding(db, horizon)  # connected, and the first query paid for
        finally:
            ready.put(worker)
        if not go.wait(timeout=max(0.0, deadline - time.time())):
            raise TimeoutError("never told to start")
        cpu, started = time.process_time(), time.perf_counter()
        totals: Counter[str] = Counter()
        while time.time() < deadline:
            outcome = asdict(dispatcher.tick(datetime.now(UTC)))
            stats.ticks += 1
            totals.update({k: v for k, v in outcome.items() if v})
            if sum(v for k, v in outcome.items() if k != "deferred"):
                continue
            if (resume := dispatcher.resume_at) is not None:
                # Only rate-limited rows are left to this replica for now: wait for the first.
                wait = max(0.0, (resume - datetime.now(UTC)).total_seconds())
                time.sleep(wait)
                stats.waits += 1
                stats.wait_s += wait
                continue
            stats.idle_ticks += 1
            if _outstanding(db, horizon) == 0:
                break
            time.sleep(POLL_S)  # another replica still holds rows, or a retry is not due yet
            stats.idle_s += POLL_S
        stats.outcomes = dict(totals)
        stats.cpu_s = time.process_time() - cpu
        stats.wall_s = time.perf_counter() - started
    except Exception as exc:  # reported to the parent, which fails the run
        stats.error = f"{type(exc).__name__}: {exc}"
    finally:
        db.dispose()
        out.put(asdict(stats))


# one run ------------------------------------------------------------------------------------


@dataclass
class Case:
    backend: str
    replicas: int
    loops: int
    due: int
    people: int | None
    ceiling: float
    rate_scale: float
    cold_dms: bool
    smoke: bool
    lease_s: float = LEASE.total_seconds()
    latency_ms: float = 0.0

    @property
    def key(self) -> str:
        who = f"{self.people}people" if self.people else "team"
        parts = [self.backend, f"{self.replicas}r", f"{self.loops}x{self.due}", who]
        parts.append(f"ceil{self.ceiling:g}")
        if self.rate_scale != 1:
            parts.append(f"scale{self.rate_scale:g}")
        if self.cold_dms:
            parts.append("cold")
        if self.lease_s != LEASE.total_seconds():
            parts.append(f"lease{self.lease_s:g}")
        if self.latency_ms:
            parts.append(f"latency{self.latency_ms:g}ms")
        if self.smoke:
            parts.append("smoke")
        return "-".join(parts)


def run(case: Case, postgres: str | None, timeout: float | None) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    scratch = tempfile.mkdtemp(prefix="loopbot-bench-")
    admin = None
    dbname = None
    emulator = None
    db = None
    procs: list[Any] = []
    try:
        if postgres:
            admin_url = make_url(postgres).set(drivername="postgresql+psycopg")
            dbname = f"loopbot_bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{dbname}"'))
            url = admin_url.set(database=dbname).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        db = Database(url)
        upgrade(db)

        emulator = SlackEmulator(
            rate_scale=case.rate_scale, workspace_posts_per_second=case.ceiling
        ).start()
        ws = emulator.workspace
        if case.latency_ms:
            # Every answer to these two comes that much later, as from Slack across the internet.
            for method in ("chat.postMessage", "conversations.open"):
                emulator.fail_next(method, delay=case.latency_ms / 1000, times=10**9)
        extra: list[str] | None = None
        if case.people:
            extra = [f"U0BN{n:05d}" for n in range(1, case.people + 1)]
            for n, user_id in enumerate(extra, start=1):
                ws.add_user(f"bench.{n}", f"Person {n}", f"b{n}@example.com", "UTC", id=user_id)

        print(f"seeding {case.loops:,} loops on {case.backend} ...", flush=True)
        seeded = seed(db, loops=case.loops, due=case.due, people=extra, now=now)
        print(f"  {seeded.rows} in {seeded.seconds:.1f} s; {len(seeded.due_ids):,} due", flush=True)
        targets = sorted(set(seeded.due_targets.values()))
        known = {} if case.cold_dms else {u: ws.im_for(u).id for u in targets}
        per_channel = Counter(seeded.due_targets.values())
        ceiling = min(case.ceiling, len(per_channel) * POST_PER_SECOND) * case.rate_scale
        # The quickest the emulator lets this traffic through, bursts included.
        ideal_s = max(
            max(n - POST_BURST for n in per_channel.values()) / (POST_PER_SECOND * case.rate_scale),
            (case.due - max(1.0, case.ceiling)) / (case.ceiling * case.rate_scale),
            0.0,
        )
        budget = timeout or (180 + 4 * ideal_s)

        ctx = mp.get_context("spawn")
        ready, go, out = ctx.Queue(), ctx.Event(), ctx.Queue()
        deadline = time.time() + budget + 60  # children start slower than this line runs
        procs += [
            ctx.Process(
                target=replica,
                args=(
                    url,
                    emulator.api_url,
                    emulator.bot_token,
                    f"bench-{n}",
                    known,
                    seeded.horizon,
                    case.lease_s,
                    deadline,
                    ready,
                    go,
                    out,
                ),
                name=f"bench-replica-{n}",
            )
            for n in range(1, case.replicas + 1)
        ]
        for proc in procs:
            proc.start()
        for _ in procs:  # each has imported, loaded the documents and connected
            ready.get(timeout=120)
        emulator.reset_calls()
        emulator.limiter.refused.clear()
        load_before = os.getloadavg()[0]
        cpu_before = time.process_time()
        started_at = time.time()
        started = time.perf_counter()
        go.set()
        stats = []
        for _ in procs:
            try:
                stats.append(out.get(timeout=max(1.0, deadline - time.time() + 30)))
            except Exception:
                break
        wall = time.perf_counter() - started
        emulator_cpu = time.process_time() - cpu_before
        for proc in procs:
            proc.join(timeout=10)
        errors = [s["error"] for s in stats if s.get("error")]
        if len(stats) < len(procs):
            errors.append(f"{len(procs) - len(stats)} replica(s) never reported")
        return _measure(
            case,
            db,
            emulator,
            seeded,
            stats,
            errors,
            wall=wall,
            started_at=started_at,
            ceiling=ceiling,
            ideal_s=ideal_s,
            per_channel=per_channel,
            emulator_cpu=emulator_cpu,
            load=load_before,
            budget=budget,
        )
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        if emulator is not None:
            emulator.stop()
        if db is not None:
            db.dispose()
        if admin is not None and dbname is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(scratch, ignore_errors=True)


def _measure(
    case: Case,
    db: Database,
    emulator: SlackEmulator,
    seeded: Seeded,
    stats: list[dict[str, Any]],
    errors: list[str],
    **facts: Any,
) -> dict[str, Any]:
    """Check every due row was sent exactly once, count the posts, and put the figures together."""
    calls = list(emulator.calls)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    ok_posts = [c for c in posts if c.status == 200 and c.ok]
    with db.read() as session:
        rows = (
            session.connection()
            .execute(
                text(
                    "SELECT id, state, channel_id, sent_ts, attempts, last_error, claimed_by "
                    "FROM reminders WHERE loop_id >= :first OR claimed_by IS NOT NULL"
                ),
                {"first": seeded.first_due_loop},
            )
            .all()
        )
    due = set(seeded.due_ids)
    by_id = {r.id: r for r in rows}
    states = Counter(by_id[i].state for i in due)
    sent_by = {(r.channel_id, r.sent_ts): r.id for r in rows if r.id in due and r.sent_ts}
    stray_claims = sum(1 for r in rows if r.claimed_by and r.id not in due)
    # Claimed again by someone: its lease ran out (or a send failed and was retried).
    reclaimed = sum(1 for i in due if by_id[i].attempts > 1)
    most_attempts = max((by_id[i].attempts for i in due), default=0)
    # Each post is matched to the row that recorded it; same text in the same channel twice is a
    # duplicate unless two different rows recorded the two posts.
    groups: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for call in ok_posts:
        key = (call.response["channel"], call.response["ts"])
        groups[(call.response["channel"], str(call.args.get("text")))].append(sent_by.get(key))
    duplicates = sum(len(g) - max(1, len({r for r in g if r is not None})) for g in groups.values())
    unrecorded = sum(1 for g in groups.values() for r in g if r is None)
    matched = Counter(r for g in groups.values() for r in g if r is not None)
    # A row recorded as sent with no post of its own never reached anyone: lost as well.
    lost = sum(1 for i in due if by_id[i].state != "sent" or matched[i] != 1)
    last_ok = max((c.at for c in ok_posts), default=facts["started_at"])
    send_window = max(1e-9, last_ok - facts["started_at"])
    statuses = Counter(c.status for c in posts)
    opens = [c for c in calls if c.method == "conversations.open"]
    delivered = len(ok_posts)
    rate = delivered / send_window
    per_message = _per_message(stats, delivered)
    result = {
        "case": case.key,
        "params": asdict(case),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seeded": {"rows": seeded.rows, "seconds": round(seeded.seconds, 1)},
        "due": len(due),
        "delivered": delivered,
        "duplicates": duplicates,
        "lost": lost,
        "due_states": dict(states),
        "unrecorded_posts": unrecorded,
        "stray_claims": stray_claims,
        "reclaimed": reclaimed,
        "most_attempts": most_attempts,
        "code": code_version(),
        "wall_s": round(facts["wall"], 2),
        "send_window_s": round(send_window, 2),
        "rate_per_s": round(rate, 2),
        "dm_channels": len(facts["per_channel"]),
        "messages_per_channel_max": max(facts["per_channel"].values()),
        "ceiling_per_s": round(facts["ceiling"], 2),
        "achieved_vs_ceiling": round(rate / facts["ceiling"], 3),
        "ideal_s": round(facts["ideal_s"], 1),
        "post_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "refused_by": dict(emulator.limiter.refused),
        "conversations_open": len(opens),
        "dm_channels_known_in_advance": not case.cold_dms,
        "added_latency_ms": case.latency_ms,
        "rate_scale": case.rate_scale,
        "per_message_ms": per_message,
        "emulator_cpu_s": round(facts["emulator_cpu"], 1),
        "load_average_before": round(facts["load"], 2),
        "time_budget_s": round(facts["budget"]),
        "replicas": [_rounded(s) for s in stats],
        "errors": errors,
    }
    return result


def code_version() -> str:
    """The commit measured, and whether the product code had changes on top of it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot", "handlers", "templates", "seeds"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"


def _per_message(stats: list[dict[str, Any]], delivered: int) -> dict[str, float]:
    """Milliseconds of a replica's time per message sent, by where it went."""
    if not delivered:
        return {}
    deliver = sum(s["deliver_s"] for s in stats)
    post = sum(s["post_s"] for s in stats)
    opened = sum(s["open_s"] for s in stats)
    wait = sum(s["wait_s"] for s in stats)
    claim = sum(s["claim_s"] for s in stats)
    n = delivered / 1000
    return {
        "claim": round(claim / n, 2),
        "database_and_compose": round((deliver - post - opened) / n, 2),
        "slack_http": round((post + opened) / n, 2),
        # A replica waits for a rate-limited person's slot between ticks, not while sending.
        "retry_after_waits": round(wait / n, 2),
        "total_busy_without_waits": round((claim + deliver) / n, 2),
        "cpu_of_replicas": round(sum(s["cpu_s"] for s in stats) / n, 2),
    }


def _rounded(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in stats.items()}


# output -------------------------------------------------------------------------------------


def save(result: dict[str, Any], path: Path) -> dict[str, Any]:
    """Merge this run into the results file; returns every run it now holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Any] = {}
    if path.exists():
        try:
            runs = json.loads(path.read_text()).get("runs", {})
        except (json.JSONDecodeError, AttributeError):
            runs = {}
    runs[result["case"]] = result
    for entry in runs.values():
        entry.pop("scaling_vs_1_replica", None)
        twin = runs.get(entry["case"].replace(f"-{entry['params']['replicas']}r-", "-1r-", 1))
        if entry["params"]["replicas"] > 1 and twin and twin["rate_per_s"]:
            entry["scaling_vs_1_replica"] = round(entry["rate_per_s"] / twin["rate_per_s"], 2)
    path.write_text(json.dumps({"runs": runs}, indent=2, sort_keys=True) + "\n")
    return runs


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: dict[str, Any], runs: dict[str, Any]) -> str:
    head = [
        "case",
        "wall s",
        "sent",
        "dup",
        "lost",
        "rate/s",
        "ceiling/s",
        "achieved",
        "ideal s",
        "429s",
        "x1r",
    ]
    rows = [head]
    for key in sorted(runs):
        r = runs[key]
        rows.append(
            [
                ("* " if key == result["case"] else "  ") + key,
                f"{r['wall_s']:.1f}",
                f"{r['delivered']:,}",
                str(r["duplicates"]),
                str(r["lost"]),
                f"{r['rate_per_s']:.1f}",
                f"{r['ceiling_per_s']:.0f}",
                f"{r['achieved_vs_ceiling']:.0%}",
                f"{r['ideal_s']:.0f}",
                str(r["post_statuses"].get("429", 0)),
                f"{r['scaling_vs_1_replica']:.2f}" if "scaling_vs_1_replica" in r else "",
            ]
        )
    out = [table(rows), ""]
    r = result
    out.append(
        f"this run ({r['case']}): {r['delivered']:,} of {r['due']:,} due messages in "
        f"{r['send_window_s']:.1f} s over {r['dm_channels']} DM channels (up to "
        f"{r['messages_per_channel_max']} each); ceiling {r['ceiling_per_s']:.0f}/s = "
        f"min(workspace {r['params']['ceiling'] * r['rate_scale']:g}/s, "
        f"{r['dm_channels']} channels x {POST_PER_SECOND * r['rate_scale']:g}/s)"
    )
    if r["rate_scale"] != 1:
        out.append(f"  NOTE: emulated limits ran {r['rate_scale']:g}x faster than Slack's")
    if r.get("added_latency_ms"):
        out.append(f"  every post answered {r['added_latency_ms']:g} ms later (network latency)")
    out.append(
        "  DM channels known to each replica in advance (steady state)"
        if r["dm_channels_known_in_advance"]
        else f"  DM channels opened by each replica: {r['conversations_open']} conversations.open"
    )
    out.append(
        f"  chat.postMessage statuses {r['post_statuses']}; refusals by limit "
        f"(one 429 can meet both) {r['refused_by']}; due rows end {r['due_states']}; "
        f"unrecorded posts {r['unrecorded_posts']}; rows claimed more than once "
        f"{r.get('reclaimed', '?')} (most claims of one row {r.get('most_attempts', '?')})"
    )
    pm = r["per_message_ms"]
    if pm:
        out.append(
            "  per message (ms of replica time): "
            + ", ".join(f"{k.replace('_', ' ')} {v:.1f}" for k, v in pm.items())
        )
    for s in r["replicas"]:
        out.append(
            f"  {s['worker']}: {s['delivered']} delivered, outcomes {s['outcomes']}, "
            f"{s['claims']} claims ({s['claim_s']:.1f} s), delivering {s['deliver_s']:.1f} s "
            f"(posting {s['post_s']:.1f} s), waiting for a rate-limited slot {s['waits']}x "
            f"{s['wait_s']:.1f} s, idle {s['idle_s']:.1f} s, cpu {s['cpu_s']:.1f} s, "
            f"wall {s['wall_s']:.1f} s"
        )
    out.append(
        f"  emulator cpu {r['emulator_cpu_s']:.1f} s; "
        f"load average before {r['load_average_before']}"
    )
    for error in r["errors"]:
        out.append(f"  ERROR: {error}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, help="loops seeded (10,000)")
    parser.add_argument("--due", type=int, help="messages due at once (5,000)")
    parser.add_argument("--ceiling", type=float, help="workspace posts per second (100)")
    parser.add_argument("--people", type=int, help="DM K extra people instead of the sample team")
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL admin URL (else SQLite)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; for CI")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="run limits N times faster")
    parser.add_argument("--cold-dms", action="store_true", help="replicas open every DM first")
    parser.add_argument(
        "--lease",
        type=float,
        default=LEASE.total_seconds(),
        help=f"the dispatcher's lease in seconds ({LEASE.total_seconds():g}, as shipped)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms added to every post, as Slack's round trip"
    )
    parser.add_argument("--timeout", type=float, help="seconds before the replicas give up")
    parser.add_argument(
        "--out", type=Path, help=f"results file ({RESULTS.name} in bench/results; none for --smoke)"
    )
    args = parser.parse_args(argv)
    defaults = SMOKE if args.smoke else FULL
    case = Case(
        backend="postgresql" if args.postgres else "sqlite",
        replicas=args.replicas,
        loops=args.loops if args.loops is not None else defaults["loops"],
        due=args.due if args.due is not None else defaults["due"],
        people=args.people if args.people is not None else defaults["people"],
        ceiling=args.ceiling if args.ceiling is not None else defaults["ceiling"],
        rate_scale=args.rate_scale,
        cold_dms=args.cold_dms,
        smoke=args.smoke,
        lease_s=args.lease,
        latency_ms=args.latency,
    )
    if case.people is not None and case.people < 8:
        parser.error("--people needs at least 8 (one loop's distinct people)")
    result = run(case, args.postgres, args.timeout)
    out = args.out or (None if args.smoke else RESULTS)
    runs = save(result, out) if out else {result["case"]: result}
    print(report(result, runs))
    bad = result["duplicates"] or result["lost"]
    if bad:
        print(f"FAILED: {result['duplicates']} duplicates, {result['lost']} lost")
    elif result["errors"]:
        print("replica errors (no duplicates or losses)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
