"""SlackEmulator: Slack's Web API and response_urls over real HTTP on loopback."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import chat, files, methods, socketmode, views
from .chat import ResponseUrl
from .common import ApiCall, ApiError, Fault, decode_json_args
from .inspection import Inspection
from .ratelimit import RateLimiter
from .workspace import Workspace, sample_workspace

log = logging.getLogger(__name__)

METHODS: dict[str, Callable[[SlackEmulator, dict[str, Any]], dict[str, Any]]] = {
    **methods.METHODS,
    **chat.METHODS,
    **views.METHODS,
    **files.METHODS,
}
# Socket Mode's method takes the app-level token (xapp-); every other one the bot token.
APP_TOKEN_METHODS = {"apps.connections.open": lambda em, args: {"url": em.socket_mode.new_url()}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as slack.com does: every answer carries its Content-Length, and goes out at
    # once (headers and body are two writes; Nagle would hold the second for the client's ACK).
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.server.emulator._serve(self)

    def do_POST(self) -> None:
        self.server.emulator._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        # The default handler writes every request line to stderr; the call log is enough.
        return


class _Server(ThreadingHTTPServer):
    """One thread per connection (kept alive between requests); `close_connections` ends them
    all, so nothing the emulator serves outlives `stop()`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._run, args=(request, client_address), daemon=True)
        with self._open_lock:
            self._open[request] = thread
        thread.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(request, None)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Hang up on every caller and wait for their threads to finish."""
        with self._open_lock:
            open_now = dict(self._open)
        for request in open_now:
            try:
                request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread in open_now.values():
            thread.join(max(0.0, deadline - time.monotonic()))


class SlackEmulator(Inspection):
    """A local stand-in for slack.com: start(), point a WebClient at .api_url, inspect state."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        workspace_posts_per_second: float | None = None,
        bot_token: str = "xoxb-emulator",
        app_token: str = "xapp-emulator",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock = clock
        self.workspace = workspace if workspace is not None else sample_workspace(clock)
        self.workspace.clock = clock
        self.bot_token = bot_token
        self.app_token = app_token
        self.socket_mode = socketmode.SocketModeHub(lambda: self.base_url)
        self.limiter = RateLimiter(
            clock,
            enabled=rate_limits,
            scale=rate_scale,
            workspace_posts_per_second=workspace_posts_per_second,
        )
        self.calls: list[ApiCall] = []
        self.violations: list[str] = []
        self.triggers: dict[str, views.Trigger] = {}
        self.lock = threading.RLock()
        self._response_urls: dict[str, ResponseUrl] = {}
        self._faults: dict[str, deque[Fault]] = {}
        self.uploads: dict[str, files.Upload] = {}
        """Files sent with files.getUploadURLExternal, by id (`data`: the bytes received)."""
        self.file_uploads_disabled = False
        """The workspace's admins turned file uploads off (file_uploads_disabled)."""
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._delays_over = threading.Event()
        """Set by `end_delays()` and `stop()`: calls stalled by an injected delay answer now."""

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Bind the port and serve in a background thread."""
        if self._server is None:
            self._delays_over.clear()
            self._server = _Server(self._address, self)
            self._thread = threading.Thread(
                # A short poll keeps stop() quick; shutdown waits for the loop to notice.
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="slack-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.socket_mode.close_all()
        if self._server is not None:
            self._delays_over.set()
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (only once started)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Base URL for slack_sdk's WebClient(base_url=...), with its trailing slash."""
        return f"{self.base_url}/api/"

    # test controls -------------------------------------------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id for the user, valid once within 3 s of the emulator's clock."""
        with self.lock:
            return views.issue_trigger(self, self.workspace.user(user_id).id)

    def issue_response_url(
        self,
        channel_id: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """A response_url; tied to a message when channel_id/message_ts are given."""
        with self.lock:
            rid = secrets.token_hex(12)
            self._response_urls[rid] = ResponseUrl(
                rid, self.clock(), channel_id, message_ts, user_id
            )
        return f"{self.base_url}/response/{rid}"

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("response_url": posts to response URLs)
        fail (or stall `delay` s, or to end_delays())."""
        if error is None and status is None and retry_after is None and delay is None:
            raise ValueError("fail_next needs error, status, retry_after or delay")
        if delay:
            self._delays_over.clear()
        with self.lock:
            queue = self._faults.setdefault(method, deque())
            queue.append(Fault(error, status, retry_after, delay, times))

    def end_delays(self) -> None:
        """Let every call stalled by an injected delay answer now."""
        self._delays_over.set()

    def record_violation(self, where: str, problems: list[str]) -> None:
        """Note Block Kit (or protocol) problems so a test fixture can fail on them."""
        with self.lock:
            self.violations.extend(f"{where}: {problem}" for problem in problems)

    def close_view(self, user: str, view_id: str | None = None) -> None:
        """The user dismisses a modal view (or, with no id, the whole stack)."""
        with self.lock:
            views.close_views(self, self.workspace.user(user).id, view_id)

    def acknowledge_submission(self, user: str, view_id: str, body: str) -> None:
        """Apply the bot's reply to a view_submission (close, update, push, errors)."""
        with self.lock:
            views.apply_submission_ack(self, self.workspace.user(user).id, view_id, body)

    def show_reply(self, channel_id: str, user: str, body: str, where: str = "ack") -> None:
        """Show what the bot answered in an acknowledgement body, as Slack would."""
        if not body.strip():
            return
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            payload = {"text": body}
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return
        with self.lock:
            chat.deliver(self, channel_id, None, self.workspace.user(user).id, payload, where)

    # HTTP ------------------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        if parts.path.startswith(socketmode.PATH) and request.command == "GET":
            self.socket_mode.serve(request, parts.path[len(socketmode.PATH) :])
            return
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        if parts.path.startswith("/api/"):
            status, body, headers = self._api(parts.path[5:], parts.query, raw, request)
        elif parts.path.startswith(files.UPLOAD_PATH) and request.command == "POST":
            with self.lock:
                status, body = files.receive(self, parts.path[len(files.UPLOAD_PATH) :], raw)
        elif parts.path.startswith("/response/") and request.command == "POST":
            status, body = self._response_url(
                parts.path[len("/response/") :], raw, request.client_address[1]
            )
        else:
            status, body = 404, {"ok": False, "error": "not_found"}
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json; charset=utf-8")
            request.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # A caller that timed out on an injected delay has gone; nothing to tell it.
            log.debug("caller hung up before the answer to %s", parts.path)

    def _parse(
        self, query: str, raw: bytes, request: BaseHTTPRequestHandler
    ) -> tuple[dict[str, Any], str | None]:
        args: dict[str, Any] = {
            k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()
        }
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if raw and content_type == "application/json":
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ApiError("invalid_json") from None
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            args.update(body)
        elif raw:
            text = raw.decode("utf-8", errors="replace")
            args.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
        token = args.pop("token", None)
        auth = request.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return decode_json_args(args), (str(token) if token else None)

    def _api(
        self, method: str, query: str, raw: bytes, request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            args, token = self._parse(query, raw, request)
        except ApiError as exc:
            args, token, parse_error = {}, None, exc
        else:
            parse_error = None
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            self._delays_over.wait(fault.delay)  # outside the lock: others keep being served
        status, headers, injected = 200, {}, False
        with self.lock:
            if method not in METHODS and method not in APP_TOKEN_METHODS:
                body = {"ok": False, "error": "unknown_method", "req_method": method}
            elif parse_error is not None:
                body = parse_error.body()
            elif not token:
                body = {"ok": False, "error": "not_authed"}
            elif token not in (self.app_token, self.bot_token):
                body = {"ok": False, "error": "invalid_auth"}
            elif (token == self.app_token) != (method in APP_TOKEN_METHODS):
                body = {"ok": False, "error": "not_allowed_token_type"}
            elif fault is not None and fault.fails:
                status, body, headers = fault.answer()
                injected = True
            else:
                retry = self.limiter.check(method, self._channel_key(method, args))
                if retry is not None:
                    status, headers = 429, {"Retry-After": str(retry)}
                    body = {"ok": False, "error": "ratelimited"}
                else:
                    try:
                        call = METHODS.get(method) or APP_TOKEN_METHODS[method]
                        body = {"ok": True, **call(self, args)}
                    except ApiError as exc:
                        body = exc.body()
            call = ApiCall(method, args, body, status, self.clock(), dict(headers), injected)
            call.connection = request.client_address[1]
            self.calls.append(call)
        log.debug("%s -> %s %s", method, status, body.get("error") or "ok")
        return status, body, headers

    def _take_fault(self, method: str) -> Fault | None:
        with self.lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.popleft()
            return fault

    def _channel_key(self, method: str, args: dict[str, Any]) -> str | None:
        if method != "chat.postMessage":
            return None
        key = str(args.get("channel") or "")
        if key in self.workspace.users:
            return self.workspace.im_id(key)
        found = self.workspace.find_channel(key)
        return found.id if found else key

    def _response_url(self, rid: str, raw: bytes, port: int) -> tuple[int, dict[str, Any]]:
        if (fault := self._take_fault("response_url")) is not None and fault.fails:
            return fault.answer()[:2]
        with self.lock:
            record = self._response_urls.get(rid)
            if record is None:
                return 404, {"ok": False, "error": "expired_url"}
            record.connections.append(port)
            try:
                payload = json.loads(raw or b"null")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return 400, {"ok": False, "error": "invalid_payload"}
            return chat.respond(self, record, payload)
