"""Prometheus metrics for operators: `GET /metrics` on `loopbot serve`.

Acknowledgement latency and requests by kind and outcome (recorded where requests are served),
reminders taken up, by outcome and late (recorded by the dispatcher), Slack's answers (by the
messenger), and the reminder backlog (read from the database at each scrape). With several
serving processes every process writes its figures to a shared folder and a scrape of any one
of them adds up all (prometheus-client's multi-process mode).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from bot.store import Database

METRICS_PATH = "/metrics"
LATE_AFTER_S = 60.0
"""A reminder sent more than this long after its due time counts as late."""

_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_DELAY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
# Request kinds as Slack names them; anything else is "other", so labels stay few.
_KINDS = {
    "block_actions",
    "block_suggestion",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "event_callback",
    "url_verification",
}
_TYPE = re.compile(r'"type"\s*:\s*"([a-z_]+)"')


class Metrics:
    """The process's metric objects (made once, after the multi-process choice is made)."""

    def __init__(self, registry: CollectorRegistry | None):
        self.ack = Histogram(
            "loopbot_ack_seconds",
            "Time to acknowledge a request from Slack (Slack gives up after 3 s)",
            ["kind"],
            buckets=_ACK_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            "loopbot_requests",
            "Requests on the Slack events path by kind and outcome "
            "(ok, refused: bad signature or replay, rejected: other 4xx, error: 5xx)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.reminders_due = Counter(
            "loopbot_reminders_due",
            "Reminder rows the dispatcher took up as due (a row put back is taken up again)",
            registry=registry,
        )
        self.reminders = Counter(
            "loopbot_reminders",
            "Reminder rows by outcome (sent, skipped, retried, failed, deferred for a rate limit)",
            ["outcome"],
            registry=registry,
        )
        self.reminders_late = Counter(
            "loopbot_reminders_late",
            f"Reminders sent more than {LATE_AFTER_S:.0f} s after their due time",
            ["kind"],
            registry=registry,
        )
        self.reminder_delay = Histogram(
            "loopbot_reminder_delay_seconds",
            "How long after its due time a reminder was sent",
            ["kind"],
            buckets=_DELAY_BUCKETS,
            registry=registry,
        )
        self.slack_calls = Counter(
            "loopbot_slack_calls",
            "Web API calls by method and Slack's answer "
            "(ok, refused: ok=false, rate_limited: 429, unreachable)",
            ["method", "outcome"],
            registry=registry,
        )


_lock = threading.Lock()
_metrics: Metrics | None = None
_registry: CollectorRegistry | None = None
_shared_dir: str | None = None


def get() -> Metrics:
    global _metrics, _registry
    with _lock:
        if _metrics is None:
            _registry = None if _shared_dir else CollectorRegistry()
            _metrics = Metrics(_registry)
        return _metrics


@contextmanager
def shared_between_processes() -> Iterator[str]:
    """Around forking several serving processes: each writes its figures to one folder (removed
    afterwards), and `/metrics` in any of them reports the sum. Call before any is recorded."""
    global _metrics, _shared_dir
    folder = tempfile.mkdtemp(prefix="loopbot-metrics-")
    # prometheus-client finds the folder through this variable when it makes each value file.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    values.ValueClass = values.MultiProcessValue()
    with _lock:
        _metrics, _shared_dir = None, folder
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# recording -------------------------------------------------------------------------------------


def request_kind(body: bytes) -> str:
    """What Slack sent, from the raw body: a slash command, an interaction's type, an event.

    Slack writes an interaction's `type` first, so its head usually tells; an event envelope's
    own `type` comes after the event, whose own types (`app_home_opened`, `section`, ...) are
    none of the kinds, so the first kind named is the envelope's."""
    if body.startswith(b"payload=") or b"&payload=" in body[:64]:
        head = unquote_plus(body.split(b"payload=", 1)[1][:200].decode("latin-1"))
        kind = _first_kind(head) or _payload_type(body)
    elif body.startswith(b"{"):
        kind = _first_kind(body.decode("latin-1")) or "other"
    elif b"command=" in body:
        return "command"
    else:
        return "other"
    return kind if kind in _KINDS else "other"


def _first_kind(text: str) -> str | None:
    return next((m.group(1) for m in _TYPE.finditer(text) if m.group(1) in _KINDS), None)


def _payload_type(body: bytes) -> str:
    try:
        raw = unquote_plus(body.split(b"payload=", 1)[1].split(b"&", 1)[0].decode("utf-8"))
        return str(json.loads(raw).get("type", "other"))
    except (ValueError, AttributeError):
        return "other"


def _outcome(status: str) -> str:
    code = status[:3]
    if code.startswith("2"):
        return "ok"
    if code in ("401", "403"):
        return "refused"
    return "rejected" if code.startswith("4") else "error"


def reminders_due(count: int) -> None:
    if count:
        get().reminders_due.inc(count)


def reminder_outcome(outcome: str) -> None:
    get().reminders.labels(outcome).inc()


def reminder_sent(kind: str, *, due: datetime, at: datetime) -> None:
    delay_s = (at - due).total_seconds()
    m = get()
    m.reminder_delay.labels(kind).observe(max(0.0, delay_s))
    if delay_s > LATE_AFTER_S:
        m.reminders_late.labels(kind).inc()


def slack_call(method: str, outcome: str) -> None:
    get().slack_calls.labels(method, outcome).inc()


# serving ---------------------------------------------------------------------------------------


class _Backlog:
    """Reminder rows waiting now, read from the database at each scrape (shared by replicas)."""

    def __init__(self, db: Database, clock: Callable[[], datetime]):
        self.db = db
        self.clock = clock

    def collect(self):
        depth = GaugeMetricFamily(
            "loopbot_outbox_depth",
            "Reminder rows due and not yet sent (pending or claimed), across all replicas",
        )
        now = self.clock().astimezone(UTC)
        when = now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.db.dialect == "sqlite" else now
        try:
            with self.db.engine.connect() as connection:
                count = connection.execute(
                    text(
                        "SELECT count(*) FROM reminders "
                        "WHERE state IN ('pending', 'claimed') AND due_at <= :now"
                    ),
                    {"now": when},
                ).scalar_one()
        except SQLAlchemyError:
            return  # the scrape still answers; /healthz is where the database's health shows
        depth.add_metric([], float(count))
        yield depth


def exposition(db: Database | None, clock: Callable[[], datetime]) -> bytes:
    """The text a Prometheus scrape gets."""
    get()
    registry = CollectorRegistry()
    if _shared_dir:
        multiprocess.MultiProcessCollector(registry, path=_shared_dir)
    else:
        assert _registry is not None
        registry = _registry
    output = io.BytesIO()
    output.write(generate_latest(registry))
    if db is not None:
        backlog = CollectorRegistry()
        backlog.register(_Backlog(db, clock))
        output.write(generate_latest(backlog))
    return output.getvalue()


def instrument(
    app: Callable,
    *,
    events_path: str,
    db: Database | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable:
    """Wrap a WSGI app: time and count what arrives on `events_path`; serve `GET /metrics`."""
    metrics = get()

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == METRICS_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = exposition(db, clock)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [body]
        if path != events_path:
            return app(environ, start_response)
        started = time.perf_counter()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        kind = request_kind(raw)
        status: list[str] = []

        def capture(status_line: str, headers: list, exc_info=None):
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        try:
            return app(environ, capture)
        finally:
            metrics.ack.labels(kind).observe(time.perf_counter() - started)
            metrics.requests.labels(kind, _outcome(status[0] if status else "500")).inc()

    return wsgi
