"""A local stand-in for the Google Calendar v3 endpoints loopbot uses, and for Google's OAuth
token endpoint (service account, domain-wide delegation).

Every request is checked against Google's published discovery document for Calendar v3
(shipped in google-api-python-client, copied beside this file): an unknown parameter or field,
a wrong type, a missing required field is answered 400 as the real API would, and recorded in
`rejected` so a test fails on it. Tokens are JWTs signed with the service account's key and
checked with its public key; the token's subject is who the calendar calls act as.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DISCOVERY = json.loads((Path(__file__).parent / "calendar.v3.json").read_text())
SERVICE_PATH = "/" + DISCOVERY["servicePath"]  # /calendar/v3/
USED = {
    "calendar.freebusy.query": DISCOVERY["resources"]["freebusy"]["methods"]["query"],
    **{
        f"calendar.events.{name}": DISCOVERY["resources"]["events"]["methods"][name]
        for name in ("insert", "patch", "delete", "get", "list")
    },
}
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")


def service_account_key(token_uri: str) -> tuple[dict[str, Any], rsa.RSAPublicKey]:
    """A fresh service account key file's contents, and its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "loopbot-test",
        "private_key_id": secrets.token_hex(8),
        "private_key": pem,
        "client_email": "loopbot@loopbot-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    return info, key.public_key()


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class GoogleStandIn:
    def __init__(self) -> None:
        self.public_keys: list[rsa.RSAPublicKey] = []
        self.domain = "example.com"
        self.people: set[str] = set()
        """Who has a calendar in the domain (others: notFound)."""
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        """Per person, their primary calendar's events by id."""
        self.tokens: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self.rejected: list[str] = []
        self.requests: list[tuple[str, str, dict[str, list[str]], Any]] = []
        """Each calendar request: (method id, whose token, query, body)."""
        self.down = 0
        """Answer the next so many calendar calls with 503."""
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + SERVICE_PATH

    def start(self) -> GoogleStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def key_file(self, folder: Path) -> Path:
        info, public = service_account_key(self.url + "/token")
        self.public_keys.append(public)
        path = folder / "service-account.json"
        path.write_text(json.dumps(info))
        return path

    def add_person(self, email: str) -> None:
        self.people.add(email)
        self.events.setdefault(email, {})

    def add_meeting(self, email: str, start: datetime, end: datetime) -> None:
        self.events[email][secrets.token_hex(8)] = {
            "status": "confirmed",
            "summary": "1:1",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": end.isoformat()},
        }

    def live_events(self, email: str) -> list[dict[str, Any]]:
        return [e for e in self.events.get(email, {}).values() if e["status"] != "cancelled"]

    # HTTP ------------------------------------------------------------------------------------

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _answer(self, status: int, body: dict[str, Any] | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with stand_in.lock:
                    if parts.path == "/token":
                        status, body = stand_in._token(raw)
                    else:
                        auth = self.headers.get("Authorization", "")
                        status, body = stand_in._calendar(self.command, parts, raw, auth)
                self._answer(status, body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        return Handler

    def _token(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        try:
            head, claims, signature = form["assertion"].split(".")
        except (KeyError, ValueError):
            return 400, refused
        signed = f"{head}.{claims}".encode()
        for key in self.public_keys:
            try:
                key.verify(_b64(signature), signed, padding.PKCS1v15(), hashes.SHA256())
                break
            except InvalidSignature:
                continue
        else:
            return 400, refused
        subject = json.loads(_b64(claims)).get("sub") or ""
        if subject and subject.split("@")[-1] != self.domain:
            return 401, {"error": "unauthorized_client"}
        token = secrets.token_hex(16)
        self.tokens[token] = subject
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _calendar(
        self, verb: str, parts: Any, raw: bytes, auth: str
    ) -> tuple[int, dict[str, Any] | None]:
        subject = self.tokens.get(auth.removeprefix("Bearer ").strip())
        if subject is None:
            return 401, _error(401, "Invalid Credentials", "authError")
        path = parts.path.removeprefix(SERVICE_PATH)
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return 400, _error(400, "Parse Error", "parseError")
        method_id, path_params = _route(verb, path)
        if method_id is None:
            return 404, _error(404, "Not Found", "notFound")
        problems = check_request(method_id, query, body)
        self.calls.append((method_id, verb))
        self.requests.append((method_id, subject, query, body))
        if problems:
            self.rejected += [f"{method_id}: {p}" for p in problems]
            return 400, _error(400, "; ".join(problems), "invalid")
        if self.down > 0:
            self.down -= 1
            return 503, _error(503, "Backend Error", "backendError")
        return self._apply(method_id, subject, path_params, body or {})

    def _apply(
        self, method_id: str, subject: str, params: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        if method_id == "calendar.freebusy.query":
            # Busy time within the interval asked for (timeMin to timeMax), as Google answers.
            lo, hi = (_instant(body[key]) for key in ("timeMin", "timeMax"))
            calendars = {}
            for item in body.get("items", []):
                who = item["id"]
                if who not in self.people or (subject and who != subject):
                    calendars[who] = {"errors": [{"domain": "global", "reason": "notFound"}]}
                    continue
                calendars[who] = {
                    "busy": [
                        {"start": e["start"]["dateTime"], "end": e["end"]["dateTime"]}
                        for e in self.live_events(who)
                        if _instant(e["start"]["dateTime"]) < hi
                        and _instant(e["end"]["dateTime"]) > lo
                    ]
                }
            return 200, {"kind": "calendar#freeBusy", "calendars": calendars}
        owner = subject if params["calendarId"] == "primary" else params["calendarId"]
        if owner != subject or owner not in self.people:
            return 404, _error(404, "Not Found", "notFound")
        events = self.events[owner]
        if method_id == "calendar.events.insert":
            event_id = body.get("id") or secrets.token_hex(8)
            if not EVENT_ID.fullmatch(event_id):
                return 400, _error(400, "Invalid resource id value.", "invalid")
            if event_id in events:
                return 409, _error(409, "The requested identifier already exists.", "duplicate")
            events[event_id] = {**body, "id": event_id, "status": body.get("status", "confirmed")}
            return 200, events[event_id]
        event = events.get(params["eventId"])
        if event is None:
            return 404, _error(404, "Not Found", "notFound")
        if method_id == "calendar.events.patch":
            if body.get("sequence", event.get("sequence", 0)) < event.get("sequence", 0):
                return 400, _error(400, "Invalid sequence value.", "invalidSequenceValue")
            event.update(body)
            return 200, event
        if method_id == "calendar.events.delete":
            if event["status"] == "cancelled":
                return 410, _error(410, "Resource has been deleted", "deleted")
            event["status"] = "cancelled"
            return 204, None
        return 200, event


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error(code: int, message: str, reason: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": [{"reason": reason}]}}


def _route(verb: str, path: str) -> tuple[str | None, dict[str, str]]:
    for method_id, method in USED.items():
        if method["httpMethod"] != verb:
            continue
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", method["path"])
        match = re.fullmatch(pattern, path)
        if match:
            return method_id, {k: unquote(v) for k, v in match.groupdict().items()}
    return None, {}


def check_request(method_id: str, query: dict[str, list[str]], body: Any) -> list[str]:
    """What Google would refuse in this request, per the discovery document."""
    method = USED[method_id]
    known = {**DISCOVERY["parameters"], **method.get("parameters", {})}
    problems = []
    for name, values in query.items():
        spec = known.get(name)
        if spec is None or spec.get("location") == "path":
            problems.append(f"unknown parameter {name}")
            continue
        problems += [p for v in values if (p := _bad_value(name, v, spec))]
    request = method.get("request")
    if request is not None:
        if not isinstance(body, dict):
            problems.append("a request body is required")
        else:
            problems += _check_schema(method_id, body, request["$ref"], "")
    return problems


def _bad_value(name: str, value: Any, spec: dict[str, Any]) -> str | None:
    kind = spec.get("type")
    if "enum" in spec and value not in spec["enum"]:
        return f"{name}: {value!r} is not one of {spec['enum']}"
    if kind == "boolean" and str(value).lower() not in ("true", "false"):
        return f"{name}: not a boolean"
    if kind == "integer" and not re.fullmatch(r"-?\d+", str(value)):
        return f"{name}: not an integer"
    if spec.get("format") == "date-time":
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return f"{name}: not an RFC 3339 date-time"
    return None


def _check_schema(method_id: str, value: Any, ref: str, where: str) -> list[str]:
    schema = DISCOVERY["schemas"][ref]
    problems = []
    props = schema.get("properties", {})
    for name, spec in props.items():
        if method_id in spec.get("annotations", {}).get("required", []) and name not in value:
            problems.append(f"missing required field {where}{name}")
    for name, item in value.items():
        spec = props.get(name)
        if spec is None:
            problems.append(f"unknown field {where}{name}")
        else:
            problems += _check_value(method_id, item, spec, f"{where}{name}")
    return problems


def _check_value(method_id: str, value: Any, spec: dict[str, Any], where: str) -> list[str]:
    if "$ref" in spec:
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        return _check_schema(method_id, value, spec["$ref"], where + ".")
    kind = spec.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        return [
            p
            for i, v in enumerate(value)
            for p in _check_value(method_id, v, spec["items"], f"{where}[{i}]")
        ]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        inner = spec.get("additionalProperties")
        if inner:
            return [
                p
                for k, v in value.items()
                for p in _check_value(method_id, v, inner, f"{where}.{k}")
            ]
        return [f"{where}.{k}: unknown field" for k in value if k not in spec.get("properties", {})]
    if kind == "string" and not isinstance(value, str):
        return [f"{where}: not a string"]
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        if not (isinstance(value, str) and re.fullmatch(r"-?\d+", value)):
            return [f"{where}: not an integer"]
    if kind == "boolean" and not isinstance(value, bool):
        return [f"{where}: not a boolean"]
    bad = _bad_value(where, value, spec) if kind == "string" else None
    return [bad] if bad else []
