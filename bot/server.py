"""Serving a WSGI app with waitress, in the foreground (`loopbot serve`) or in a thread (tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from waitress.server import create_server


def _create(app: Callable, *, host: str, port: int, threads: int):
    # Behind a load balancer: forwarded headers from untrusted peers are dropped, not believed.
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        clear_untrusted_proxy_headers=True,
        ident="loopbot",
    )


class BackgroundServer:
    """A waitress server on a thread; `url` is where it listens."""

    def __init__(self, app: Callable, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
        self._server = _create(app, host=host, port=port, threads=threads)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="loopbot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            # Closing the sockets under waitress's select() ends its loop this way; only a
            # failure we did not ask for is an error.
            if not self._stopping:
                raise

    def stop(self) -> None:
        self._stopping = True
        self._server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(app: Callable, *, host: str, port: int, threads: int) -> None:
    _create(app, host=host, port=port, threads=threads).run()
