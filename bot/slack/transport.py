"""Kept-alive HTTP connections to Slack, shared by the threads of one process.

slack_sdk's WebClient opens a new connection (and, to slack.com, a new TLS session) for every
call through urllib; under a burst that was about a sixth of loopbot's CPU per request. Here
each call borrows an idle connection to the same host, or opens one, and gives it back when
Slack's answer leaves it open.
"""

from __future__ import annotations

import http.client
import io
import ssl
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

IDLE_PER_HOST = 16
"""Idle connections kept per host; more are closed when given back."""

Key = tuple[str, str, int]


class ConnectionPool:
    def __init__(self, *, timeout: float, context: ssl.SSLContext | None = None):
        self.timeout = timeout
        self.context = context
        self._idle: dict[Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self.opened = 0
        """Connections opened so far (each one a TCP, and for https a TLS, handshake)."""

    def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, http.client.HTTPMessage, bytes]:
        """POST and read the whole answer: (status, reason, headers, body)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise URLError(f"not an http(s) URL: {scheme}")
        key = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        while True:
            connection, reused = self._take(key)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                connection.close()
                if reused:
                    continue  # Slack had closed the idle connection: once more on a new one
                raise URLError(e) from e
            except (ConnectionError, ssl.SSLError, http.client.HTTPException) as e:
                connection.close()
                raise URLError(e) from e
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                self._give(key, connection)
            return response.status, response.reason, response.headers, data

    def _take(self, key: Key) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop(), True
            self.opened += 1
        scheme, host, port = key
        if scheme == "https":
            context = self.context or ssl.create_default_context()
            return http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=context
            ), False
        return http.client.HTTPConnection(host, port, timeout=self.timeout), False

    def _give(self, key: Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < IDLE_PER_HOST:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class PooledWebClient(WebClient):
    """slack_sdk's WebClient (retry handlers, errors, responses) over a connection pool."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool = ConnectionPool(timeout=self.timeout, context=self.ssl)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:  # the SDK's own way through a proxy
            return super()._perform_urllib_http_request_internal(url, req)
        body = req.data if isinstance(req.data, bytes) else None
        status, reason, headers, data = self.pool.post(url, body or b"", dict(req.header_items()))
        if status >= 400:  # as urllib reports it, for the SDK's retry handlers and errors
            raise HTTPError(url, status, reason, headers, io.BytesIO(data))
        charset = headers.get_content_charset() or "utf-8"
        return {"status": status, "headers": headers, "body": data.decode(charset)}
