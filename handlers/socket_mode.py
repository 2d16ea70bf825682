"""Socket Mode: Slack's requests over a WebSocket the bot opens (`loopbot serve --socket-mode`).

A stop (SIGTERM, SIGINT) drains as the HTTP server does: envelopes that arrive after it are
left unacknowledged (Slack gives them to another connection), the ones in hand are processed
and acknowledged, the connection is closed, then what acknowledged requests started finishes
(`Runtime.drain`: work after acknowledgements, coalesced card refreshes, the dispatcher's
leases), all within the grace period.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.server import stop_on_signals

log = logging.getLogger(__name__)


class DrainingSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler that can stop taking envelopes and count the ones in hand."""

    def __init__(self, app: Any, app_token: str, **options: Any):
        super().__init__(app, app_token, **options)
        self._lock = threading.Lock()
        self._in_hand = 0
        self.stopping = False
        """Set by a stop: envelopes from then on are not taken (nor acknowledged)."""

    def handle(self, client: Any, req: Any) -> None:
        with self._lock:
            if self.stopping:
                return
            self._in_hand += 1
        try:
            super().handle(client, req)
        finally:
            with self._lock:
                self._in_hand -= 1

    @property
    def in_hand(self) -> int:
        """Envelopes taken and not yet acknowledged."""
        with self._lock:
            return self._in_hand


def _say_connection(handler: SocketModeHandler, was: bool | None) -> bool:
    """Log the WebSocket's state when it changes: Slack's client opens it again on its own
    after a refusal or a drop, and the log says so rather than claiming a connection."""
    now = handler.client.is_connected()
    if now != was:
        if now:
            log.info("connected over Socket Mode")
        elif was is None:
            log.warning("Socket Mode connection not open yet: retrying")
        else:
            log.warning("Socket Mode connection lost: reconnecting")
    return now


def serve_socket_mode(
    build: Callable[[], tuple[Any, Any]],
    app_token: str,
    *,
    grace_s: float,
    stop: threading.Event | None = None,
) -> int:
    """Serve over Socket Mode until SIGTERM or SIGINT drains it: 0 when everything finished
    within the grace period, 1 when it had to leave work behind."""
    stop = stop or stop_on_signals()
    app, runtime = build()
    handler = DrainingSocketModeHandler(app, app_token)
    handler.connect()
    connected = _say_connection(handler, None)
    while not stop.wait(0.5):
        connected = _say_connection(handler, connected)
    log.info("stopping: finishing the requests in flight", extra={"grace_s": grace_s})
    deadline = time.monotonic() + grace_s
    handler.stopping = True
    while handler.in_hand and time.monotonic() < deadline:
        time.sleep(0.02)
    in_hand = handler.in_hand
    handler.close()
    finishing = threading.Thread(target=runtime.drain, name="loopbot-drain", daemon=True)
    finishing.start()
    finishing.join(timeout=max(0.0, deadline - time.monotonic()))
    if in_hand or finishing.is_alive():
        log.error(
            "grace period over with work left",
            extra={"requests": in_hand, "after_ack": finishing.is_alive()},
        )
        return 1
    log.info("stopped")
    return 0
