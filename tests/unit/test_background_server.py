"""The threaded server the sandbox and the tests use stops cleanly whatever state waitress is in."""

from __future__ import annotations

import threading
import urllib.request

from bot.server import BackgroundServer


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_a_server_stops_even_when_waitress_closed_its_trigger() -> None:
    server = BackgroundServer(_hello).start()
    assert urllib.request.urlopen(server.url, timeout=5).read() == b"hello"
    server._server.trigger.close()  # as waitress does itself after an error in its loop

    server.stop()

    assert not server._thread.is_alive()


def test_a_stopped_server_ends_its_request_threads() -> None:
    """Waitress keeps its request threads waiting for more work, each holding the app and all
    it refers to: a bot stopped and started again (each test's sandbox) would leave them behind."""
    server = BackgroundServer(_hello, threads=3).start()
    for _ in range(3):
        assert urllib.request.urlopen(server.url, timeout=5).read() == b"hello"
    running = [t for t in threading.enumerate() if t.name.startswith("waitress")]
    assert running

    server.stop()

    for thread in running:
        thread.join(timeout=5)
    assert not [t for t in running if t.is_alive()]
