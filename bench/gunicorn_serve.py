"""`loopbot serve` on gunicorn instead of waitress and loopbot's own supervisor, for comparison.

The same app, settings and drain: gunicorn forks LOOPBOT_PROCESSES workers (gthread, with
LOOPBOT_THREADS threads each), each builds its own runtime after the fork, and each runs the
runtime's drain when gunicorn stops it (SIGTERM: graceful, within LOOPBOT_GRACE_SECONDS).

    python bench/gunicorn_serve.py        # reads the same environment as `loopbot serve`
"""

from __future__ import annotations

import sys

from gunicorn.app.base import BaseApplication

from bot.cli import build_runtime
from bot.documents import load_deployed
from bot.settings import get_settings


class LoopbotOnGunicorn(BaseApplication):
    def __init__(self) -> None:
        self.settings = get_settings()
        self.library = load_deployed(self.settings)
        self.runtime = None
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        for name, value in {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.loopbot_processes,
            "worker_class": "gthread",
            "threads": settings.loopbot_threads,
            "graceful_timeout": int(settings.loopbot_grace_seconds),
            "backlog": 1024,
            "worker_exit": self._drain,
        }.items():
            self.cfg.set(name, value)

    def load(self):
        # In each worker, after the fork: its own database connections, scheduler and pools.
        from bot.reminders.scheduler import serving_dispatcher, start_scheduler
        from handlers import create_app
        from handlers.http import make_wsgi_app

        runtime = self.runtime = build_runtime(self.settings, self.library)
        app = create_app(runtime)
        start_scheduler(runtime, serving_dispatcher(runtime))
        return make_wsgi_app(app, runtime)

    def _drain(self, _server, _worker) -> None:
        if self.runtime is not None:
            self.runtime.drain()


if __name__ == "__main__":
    print("loopbot on gunicorn", file=sys.stderr)
    LoopbotOnGunicorn().run()
