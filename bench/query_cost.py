"""Query cost: `/loop list`, App Home and the debrief summary as the database grows.

Seeds a database with loops whose rounds all have scorecards, twice (a small and a large size),
and measures for each read: the SQL statements it issues and its latency (p50, p99). The person
reading takes part in the same number of loops at both sizes, as in a growing company: what
grows is everybody else's history.

    python bench/query_cost.py                  # 1,000 vs 100,000 scorecards, SQLite
    python bench/query_cost.py --postgres URL   # the same on PostgreSQL (URL of an admin db)
    python bench/query_cost.py --smoke          # small sizes, for CI
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.debrief.service import gather  # noqa: E402
from bot.documents import load_library  # noqa: E402
from bot.loops.listing import loop_rows  # noqa: E402
from bot.loops.queries import find_loop  # noqa: E402
from bot.loops.service import template_record  # noqa: E402
from bot.loops.views import home_lists  # noqa: E402
from bot.settings import SEEDS_DIR  # noqa: E402
from bot.store import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Assignment, Loop, Round, Scorecard  # noqa: E402

VIEWER = "U0HM00001"
VIEWER_LOOPS = 30
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RESULTS = Path(__file__).parent / "results" / "query_cost.json"


def seed(db: Database, scorecards: int) -> str:
    """Loops of six rounds, every round scored; returns a loop id the viewer is accountable for."""
    template = load_library(SEEDS_DIR).loops["ai-first-engineering"]
    with db.session() as session:
        version = template_record(session, template).id
    loops = max(scorecards // 6, VIEWER_LOOPS)
    start = time.perf_counter()
    batch = 500
    for first in range(0, loops, batch):
        count = min(batch, loops - first)
        with db.session() as session:
            conn = session.connection()
            loop_rows = [
                {
                    "short_id": f"B{first + i:07d}",
                    "candidate_name": f"Candidate {first + i}",
                    "candidate_key": None,
                    "template_version_id": version,
                    "variant": None,
                    "candidate_tz": "Asia/Seoul",
                    "channel_id": "C0BENCH",
                    "status": "debrief",
                    "finalist": False,
                    "version": 1,
                    "created_by": "U0RC00001",
                    "created_at": NOW - timedelta(hours=first + i),
                    "updated_at": NOW - timedelta(hours=first + i),
                    "debrief_opened_at": NOW,
                }
                for i in range(count)
            ]
            conn.execute(insert(Loop), loop_rows)
            ids = [
                row[0]
                for row in conn.execute(
                    text("SELECT id FROM loops ORDER BY id DESC LIMIT :n"), {"n": count}
                )
            ][::-1]
            round_rows = [
                {
                    "loop_id": loop_id,
                    "number": n,
                    "name": r.name,
                    "starts_at": NOW - timedelta(days=3, hours=-n),
                    "duration_minutes": 60,
                    "format": "on-site",
                    "version": 1,
                    "cancelled": False,
                }
                for loop_id in ids
                for n, r in enumerate(template.rounds, start=1)
            ]
            conn.execute(insert(Round), round_rows)
            rounds = conn.execute(
                text(
                    "SELECT id, loop_id, number FROM rounds"
                    " WHERE loop_id >= :low AND loop_id <= :high"
                ),
                {"low": ids[0], "high": ids[-1]},
            ).all()
            people = []
            cards = []
            for round_id, loop_id, number in rounds:
                index = loop_id - ids[0] + first
                # The viewer is accountable only in the newest VIEWER_LOOPS loops.
                accountable = VIEWER if index < VIEWER_LOOPS else f"UHM{index % 50:05d}"
                owner = f"UPN{(index * 6 + number) % 400:05d}"
                for letter, user in (
                    ("R", owner),
                    ("A", accountable),
                    ("C", "U0IL00001"),
                    ("I", "U0RC00001"),
                ):
                    people.append(
                        {
                            "loop_id": loop_id,
                            "round_id": round_id,
                            "letter": letter,
                            "role_code": {"R": "PI", "A": "HM", "C": "IL", "I": "REC"}[letter],
                            "user_id": user,
                            "active": True,
                            "created_at": NOW,
                        }
                    )
                cards.append(
                    {
                        "loop_id": loop_id,
                        "round_id": round_id,
                        "author_id": owner,
                        "submitted": True,
                        "recommendation": "Hire",
                        "revision": 1,
                        "answers": {"ratings": [], "key_evidence": "e", "values": []},
                        "submitted_at": NOW,
                        "updated_at": NOW,
                    }
                )
            conn.execute(insert(Assignment), people)
            conn.execute(insert(Scorecard), cards)
    print(
        f"  seeded {loops:,} loops, {loops * 6:,} scorecards in {time.perf_counter() - start:.1f}s",
        flush=True,
    )
    return "B0000000"


def measure(db: Database, loop_ref: str, repeats: int) -> dict[str, dict]:
    reads = {
        "/loop list": lambda s: loop_rows(s, VIEWER, NOW, admins=[]),
        "App Home": lambda s: home_lists(s, VIEWER, NOW, admins=[]),
        "debrief summary": lambda s: gather(s, find_loop(s, loop_ref)),
    }
    out = {}
    for name, read in reads.items():
        statements: list[str] = []

        def count(conn, cursor, statement, *args, seen=statements) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
                seen.append(statement)

        timings = []
        with db.read() as session:
            read(session)  # warm: a document version is parsed once per process
        for index in range(repeats):
            if index == 0:
                event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            with db.read() as session:
                read(session)
            timings.append((time.perf_counter() - started) * 1000)
            if index == 0:
                event.remove(db.engine, "before_cursor_execute", count)
        timings.sort()
        out[name] = {
            "statements": len(statements),
            "p50_ms": statistics.median(timings),
            "p99_ms": timings[int(len(timings) * 0.99) - 1],
        }
    return out


def database(postgres: str | None, tmp: Path, label: str):
    if postgres is None:
        return Database(f"sqlite:///{tmp / f'{label}.db'}"), None
    admin = create_engine(
        postgres.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"loopbot_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = postgres.rsplit("/", 1)[0]
    return Database(f"{base}/{name}"), (admin, name)


def drop(db: Database, pg) -> None:
    db.dispose()
    if pg:
        admin, name = pg
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    args = parser.parse_args()
    if args.smoke:
        args.small, args.large, args.repeats = 300, 1_200, 30
    engine = "postgresql" if args.postgres else "sqlite"
    results: dict = {"engine": engine, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (args.small, args.large):
            print(f"{engine}, {size:,} scorecards:", flush=True)
            db, pg = database(args.postgres, Path(tmp), f"s{size}")
            try:
                upgrade(db)
                ref = seed(db, size)
                results["sizes"][size] = measure(db, ref, args.repeats)
            finally:
                drop(db, pg)
    small, large = (results["sizes"][s] for s in (args.small, args.large))
    print(
        f"\n{'read':<18}{'statements':>12}{'p50 small':>12}{'p50 large':>12}"
        f"{'p99 small':>12}{'p99 large':>12}{'p99 ratio':>11}"
    )
    flat = True
    for name in small:
        a, b = small[name], large[name]
        ratio = b["p99_ms"] / a["p99_ms"] if a["p99_ms"] else float("inf")
        same = a["statements"] == b["statements"]
        flat &= same
        print(
            f"{name:<18}{a['statements']:>5} → {b['statements']:<4}{a['p50_ms']:>10.2f}ms"
            f"{b['p50_ms']:>10.2f}ms{a['p99_ms']:>10.2f}ms{b['p99_ms']:>10.2f}ms{ratio:>10.2f}x"
        )
    print(f"\nstatements per read independent of size: {'yes' if flat else 'NO'}")
    if not args.smoke:  # a smoke run never overwrites the recorded figures
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str))
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
