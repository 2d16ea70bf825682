"""The HTTP surface: Slack's requests on POST /slack/events, health on GET /healthz, metrics on
GET /metrics (WSGI)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import metrics
from bot.store import Database

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
REPLAY_WINDOW_S = 5 * 60


class ReplayGuard:
    """Remembers accepted signatures for Slack's 5-minute window, so a captured request replayed
    inside it is refused too (Slack signs every delivery, retries included, afresh)."""

    def __init__(self, window_s: int = REPLAY_WINDOW_S, clock: Callable[[], float] = time.time):
        self.window_s = window_s
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(signature: str) -> str:
        return hashlib.sha256(signature.encode()).hexdigest()

    def seen(self, signature: str) -> bool:
        with self._lock:
            self._expire()
            return self.key(signature) in self._seen

    def remember(self, signature: str) -> None:
        with self._lock:
            self._seen[self.key(signature)] = self.clock()

    def _expire(self) -> None:
        cutoff = self.clock() - self.window_s
        while self._seen and next(iter(self._seen.values())) < cutoff:
            self._seen.popitem(last=False)


def make_wsgi_app(app: App, db: Database, guard: ReplayGuard | None = None):
    """A WSGI callable for any production server (loopbot serve uses waitress)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    guard = guard or ReplayGuard()

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = db.ping()
            body = json.dumps({"ok": healthy, "database": "ok" if healthy else "unreachable"})
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json")],
            )
            return [body.encode()]
        if path == EVENTS_PATH and method == "POST":
            signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
            if signature and guard.seen(signature):
                start_response("401 Unauthorized", [("Content-Type", "text/plain")])
                return [b"replayed request"]
            status: list[str] = []

            def capture(status_line: str, headers: list, exc_info=None):
                status.append(status_line)
                return start_response(status_line, headers, exc_info)

            result = slack(environ, capture)
            if signature and status and not status[0].startswith("401"):
                guard.remember(signature)
            return result
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return metrics.instrument(wsgi, events_path=EVENTS_PATH, db=db)
