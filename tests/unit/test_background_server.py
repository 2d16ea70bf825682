"""The threaded server the sandbox and the tests use stops cleanly whatever state waitress is in."""

from __future__ import annotations

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
