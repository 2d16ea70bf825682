"""The HTTP surface: Slack's requests on POST /slack/events, health on GET /healthz, metrics on
GET /metrics (WSGI).

A request reaches Bolt only once it is signed, fresh, not seen before (by any process or replica,
across restarts: the database remembers each signature for Slack's 5-minute window) and shaped
the way Slack shapes its requests; anything else gets a 4xx saying why, never a 500.
"""

from __future__ import annotations

import binascii
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.events import claim_request
from bot.runtime import Runtime
from bot.store import UNAVAILABLE
from bot.store.migrate import schema_state
from handlers.middleware import INTERACTIONS

log = logging.getLogger("loopbot.requests")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 2 * 1024 * 1024
"""Far above anything Slack sends (a large modal's state is tens of kilobytes)."""
FORM = "application/x-www-form-urlencoded"
REPLAY_WINDOW_S = 5 * 60


class Refused(Exception):
    """A request answered with `status` and a one-line reason, before Bolt sees it."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def make_wsgi_app(app: App, runtime: Runtime):
    """A WSGI callable for any production server (loopbot serve uses waitress)."""
    verifier = SignatureVerifier(runtime.settings.slack_signing_secret.get_secret_value() or "-")
    local = LocalGuard()

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _health(runtime, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _answer(start_response, "404 Not Found", "not found")
        try:
            body = _body(environ)
            text = _text(body)
            _verify(verifier, runtime, local, environ, text)
            parsed = _check_shape(environ.get("CONTENT_TYPE", ""), text)
            request = _bolt_request(environ, text, parsed)
        except Refused as refused:
            log.info("request refused", extra={"status": refused.status[:3]})
            return _answer(start_response, refused.status, refused.reason)
        except UNAVAILABLE:
            return _answer(start_response, "503 Service Unavailable", "database unavailable")
        with runtime.acks.pending():
            answer = app.dispatch(request)
        response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    return metrics.instrument(wsgi, events_path=EVENTS_PATH, db=runtime.db)


def _answer(start_response: Callable, status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


def _health(runtime: Runtime, start_response: Callable) -> list[bytes]:
    """The database (reachable, schema current) and this process's dispatcher; 503 if either
    is down, so a load balancer takes the replica out."""
    database = schema_state(runtime.db)
    dispatcher = runtime.heartbeat.state() if runtime.heartbeat else "not run here"
    healthy = database == "ok" and dispatcher in ("ok", "not run here")
    body = json.dumps({"ok": healthy, "database": database, "dispatcher": dispatcher})
    start_response(
        "200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")]
    )
    return [body.encode()]


def _body(environ: dict) -> bytes:
    raw = environ.get("CONTENT_LENGTH") or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise Refused("400 Bad Request", "bad Content-Length")
    length = int(raw)
    if length > MAX_BODY:
        raise Refused("413 Content Too Large", "request too large")
    return environ["wsgi.input"].read(length) if length else b""


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("400 Bad Request", "body is not UTF-8") from None


class LocalGuard:
    """Signatures this process accepted in the last 5 minutes, for when the database cannot
    say (the shared guard is `bot.events.claim_request`)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, signature: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - REPLAY_WINDOW_S:
                self._seen.popitem(last=False)
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True


def _verify(
    verifier: SignatureVerifier, runtime: Runtime, local: LocalGuard, environ: dict, body: str
) -> None:
    """Signed with our secret, within 5 minutes, and never accepted before."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused("401 Unauthorized", "missing or malformed X-Slack-Request-Timestamp")
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        raise Refused("401 Unauthorized", "invalid or stale signature")
    try:
        first = claim_request(runtime.db, signature, datetime.now(UTC))
    except UNAVAILABLE:
        # A locked or unreachable database should still let the listener answer the person
        # ("busy, try again"); this process's own memory guards the window meanwhile.
        log.warning("replay guard fell back to this process's memory")
        first = local.claim(signature)
    if not first:
        raise Refused("401 Unauthorized", "replayed request")


def _bolt_request(environ: dict, text: str, body: dict[str, Any]) -> BoltRequest:
    """The request as Bolt reads it, from the body this module already parsed and checked:
    Bolt's own parser (urllib's, in Python) would decode it a second time."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    request = BoltRequest(body="", headers=headers)
    request.raw_body = text
    request.body = body
    try:  # who and where the request is from: team, enterprise, channel, authorizations
        request.context = build_context(BoltContext({}), body)
    except (TypeError, AttributeError, KeyError, ValueError):
        raise Refused("400 Bad Request", "sender fields that are not Slack's") from None
    return request


def _check_shape(content_type: str, text: str) -> dict[str, Any]:
    """The body as Bolt reads it, once the fields Bolt and the listeners read without checking
    are there, with their types."""
    if content_type.split(";")[0].strip().lower() == "application/json" or text.startswith("{"):
        body = _json_object(text, "body")
        _check_event(body)
        return body
    payload = _lone_payload(text)
    if payload is not None:
        interaction = _json_object(payload, "payload")
        _check_interaction(interaction)
        return interaction
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        interaction = _json_object(form["payload"], "payload")
        _check_interaction(interaction)
        return interaction
    if "command" in form:
        for name in ("command", "user_id", "response_url"):
            if not form.get(name, ""):
                raise Refused("400 Bad Request", f"a slash command without {name}")
    elif "ssl_check" not in form:
        raise Refused("400 Bad Request", "neither a command nor an interaction payload")
    return form


_NOT_AN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# `=` and ASCII whitespace, each looked for on its own (a scan in C): one pattern with both
# alternatives tried at every character cost five times as much as all seven scans.
_NOT_IN_A_VALUE = "= \t\n\r\x0b\x0c"


def _lone_payload(text: str) -> str | None:
    """The value of a body that is only `payload=…` (an interaction, as Slack sends it), decoded
    in C: urllib's percent-decoding, in Python, cost more than the rest of the check for a
    modal's state. None when the body has another shape (parse_qs then reads it)."""
    if not text.startswith("payload=") or "&" in text:
        return None
    value = text[len("payload=") :]
    if not value.isascii() or any(c in value for c in _NOT_IN_A_VALUE):
        return None
    if _NOT_AN_ESCAPE.search(value):
        return None
    # Every `%XX` becomes `=XX`, which quoted-printable decoding turns into its byte.
    raw = binascii.a2b_qp(value.replace("+", " ").replace("%", "=").encode("ascii"))
    return raw.decode("utf-8", errors="replace")  # as parse_qs (and Bolt after it) decode


# `\ud800`…`\udfff` written as escapes: a pair is an emoji, a lone one no character at all.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # nested deeper than Python reads
        raise Refused("400 Bad Request", f"{what} is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise Refused("400 Bad Request", f"{what} is not an object with a type")
    if _ESCAPED_SURROGATE.search(text):  # rare: only then is the whole read again
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise Refused("400 Bad Request", f"{what} holds text that is not Unicode") from None
    return value


def _check_event(body: dict[str, Any]) -> None:
    if body["type"] == "url_verification" and not isinstance(body.get("challenge"), str):
        raise Refused("400 Bad Request", "url_verification without a challenge")
    if body["type"] == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise Refused("400 Bad Request", "event_callback without an event")
        if not isinstance(body.get("event_id", ""), str):
            raise Refused("400 Bad Request", "an event_id that is not text")


# The interactions loopbot has listeners for, and the views they come from: a workflow step's or
# a legacy type would only reach Bolt's own guesses.
_INTERACTIONS = frozenset(INTERACTIONS.values())
_VIEW_TYPES = frozenset({"modal"})


def _check_interaction(payload: dict[str, Any]) -> None:
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise Refused("400 Bad Request", "interaction without a user")
    kind = payload["type"]
    if kind not in _INTERACTIONS:
        raise Refused("400 Bad Request", f"an interaction loopbot does not take ({kind[:40]})")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            raise Refused("400 Bad Request", "block_actions without actions")
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
                raise Refused("400 Bad Request", "an action without an action_id")
            if not isinstance(action.get("value", ""), str):
                raise Refused("400 Bad Request", "an action value that is not text")
    elif kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            raise Refused("400 Bad Request", f"{kind} without a view")
        if view.get("type") not in _VIEW_TYPES:
            raise Refused("400 Bad Request", f"{kind} of a view that is not a modal")
        urls = payload.get("response_urls", [])
        if not isinstance(urls, list) or not all(
            isinstance(u, dict) and isinstance(u.get("response_url"), str) for u in urls
        ):
            raise Refused("400 Bad Request", "response_urls that are not Slack's")
        if not isinstance(view.get("private_metadata", ""), str):
            raise Refused("400 Bad Request", "private_metadata that is not text")
        state = view.get("state", {"values": {}})
        if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
            raise Refused("400 Bad Request", "view state that is not an object")
