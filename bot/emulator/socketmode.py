"""Socket Mode, Slack's side: `apps.connections.open` hands out a WebSocket URL; the app
connects, is greeted with `hello`, and then receives each delivery as an envelope
(`slash_commands`, `interactive`, `events_api`) that it must acknowledge with the envelope's id,
optionally with a response payload. `disconnect` asks it to open a fresh connection.

The WebSocket side is the minimum RFC 6455 a Slack client needs: text, ping/pong and close
frames, unfragmented, server frames unmasked and client frames masked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
PATH = "/socket-mode/"


class NotConnected(Exception):
    """No app is connected over Socket Mode (or it did not acknowledge in time)."""


@dataclass
class _Connection:
    sock: socket.socket
    ticket: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True
    retiring: bool = False
    """Told to `disconnect`: nothing more is delivered on it."""
    ponged: threading.Event = field(default_factory=threading.Event)
    """Set when the app answers a ping: it is reading from this connection."""

    def send(self, opcode: int, data: bytes) -> None:
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with self.lock:
            self.sock.sendall(header + data)

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(TEXT, json.dumps(message).encode())

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self._exactly(2)
        opcode, masked, size = first & 0x0F, second & 0x80, second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._exactly(8))
        mask = self._exactly(4) if masked else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._exactly(size)))
        return opcode, data

    def _exactly(self, count: int) -> bytes:
        chunks = b""
        while len(chunks) < count:
            chunk = self.sock.recv(count - len(chunks))
            if not chunk:
                raise ConnectionError("closed")
            chunks += chunk
        return chunks


class SocketModeHub:
    """The connections apps hold and the envelopes waiting for their acknowledgement."""

    def __init__(self, base_url: Callable[[], str], app_id: str = "A0LOOPBOT"):
        self._base_url = base_url
        self.app_id = app_id
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._acks: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self.opened = 0
        """How many connections apps have opened (reconnects included)."""
        self.refusing = False
        """While set, every WebSocket upgrade is answered 503 (Slack's edge unavailable)."""

    def new_url(self) -> str:
        """apps.connections.open: a URL to connect to."""
        ticket = secrets.token_urlsafe(12)
        with self._lock:
            self._tickets.add(ticket)
        return self._base_url().replace("http://", "ws://", 1) + PATH + ticket

    @property
    def connected(self) -> int:
        with self._lock:
            return sum(c.open and not c.retiring for c in self._connections)

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.connected < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """Ping the newest open connection and wait for the pong: True once the app reads from
        it. An app replacing its connection may still be reading the old one for a while (up
        to its receive timeout), and an envelope sent meanwhile waits unacknowledged."""
        with self._lock:
            live = [c for c in self._connections if c.open and not c.retiring]
        if not live:
            return False
        newest = live[-1]
        newest.ponged.clear()
        newest.send(PING, b"emulator")
        return newest.ponged.wait(timeout)

    def serve(self, request: BaseHTTPRequestHandler, ticket: str) -> None:
        """Take over an HTTP request asking to upgrade to a WebSocket, until it closes."""
        key = request.headers.get("Sec-WebSocket-Key")
        with self._lock:
            valid = ticket in self._tickets  # reusable: clients reconnect to the URL they hold
        upgrade = (request.headers.get("Upgrade") or "").lower()
        if self.refusing or not valid or not key or upgrade != "websocket":
            request.send_response(503 if self.refusing else 401 if key else 400)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        request.send_response(101, "Switching Protocols")
        request.send_header("Upgrade", "websocket")
        request.send_header("Connection", "Upgrade")
        request.send_header("Sec-WebSocket-Accept", accept)
        request.end_headers()
        request.wfile.flush()
        request.close_connection = True
        connection = _Connection(request.connection, ticket)
        with self._lock:
            self._connections.append(connection)
            self.opened += 1
        try:
            connection.send_json(
                {
                    "type": "hello",
                    "num_connections": self.connected,
                    "connection_info": {"app_id": self.app_id},
                    "debug_info": {"host": "emulator", "approximate_connection_time": 18060},
                }
            )
            self._read(connection)
        except (ConnectionError, OSError):
            pass
        finally:
            connection.open = False

    def _read(self, connection: _Connection) -> None:
        while connection.open:
            opcode, data = connection.read_frame()
            if opcode == PING:
                connection.send(PONG, data)
            elif opcode == PONG:
                connection.ponged.set()
            elif opcode == CLOSE:
                try:
                    connection.send(CLOSE, data[:2])
                except OSError:
                    pass
                return
            elif opcode == TEXT:
                self._acknowledged(json.loads(data))

    def _acknowledged(self, message: dict[str, Any]) -> None:
        with self._lock:
            waiting = self._acks.get(str(message.get("envelope_id")))
        if waiting is not None:
            waiting[1].append(message.get("payload") or {})
            waiting[0].set()

    def deliver(
        self, kind: str, payload: dict[str, Any], *, timeout: float = 3.0, retry_attempt: int = 0
    ) -> dict[str, Any]:
        """Send one envelope to the newest open connection and wait for its acknowledgement;
        returns the response payload it carried (empty when none)."""
        with self._lock:
            live = [c for c in self._connections if c.open and not c.retiring]
        if not live:
            raise NotConnected("no app is connected over Socket Mode")
        envelope_id = str(uuid.uuid4())
        done = threading.Event()
        answer: list[dict[str, Any]] = []
        with self._lock:
            self._acks[envelope_id] = (done, answer)
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": ""}
        deadline = time.monotonic() + timeout
        try:
            # Sent again on a newer connection if the one it went out on closes unacknowledged
            # (the app replacing its connection after a `disconnect`).
            target = live[-1]
            target.send_json(envelope)
            while not done.wait(0.02):
                if time.monotonic() > deadline:
                    raise NotConnected(f"envelope {kind} not acknowledged within {timeout} s")
                if not target.open or target.retiring:
                    with self._lock:
                        newer = [c for c in self._connections if c.open and not c.retiring]
                    if newer:
                        target = newer[-1]
                        target.send_json(envelope)
            return answer[0]
        finally:
            with self._lock:
                self._acks.pop(envelope_id, None)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected app to reconnect, as Slack does every few hours."""
        with self._lock:
            live = [c for c in self._connections if c.open and not c.retiring]
        for connection in live:
            connection.retiring = True
            connection.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
            )

    def close_all(self) -> None:
        with self._lock:
            live, self._connections = self._connections, []
        for connection in live:
            connection.open = False
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
