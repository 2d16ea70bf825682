"""Google Calendar via google-api-python-client: a service account with domain-wide delegation
acts as each person (`with_subject(email)`) on their primary calendar.

Busy time comes from `freebusy.query`; a calendar Google will not show comes back with
`errors` and counts as unreadable, not free. Each interview is an event in the person's own
calendar with them as the attendee, its id derived from the invite's UID (Google accepts a
client-chosen id of base32hex characters), so a retry or a restart finds the same event:
`events.insert`, and on 409 (it exists, even deleted) `events.patch`; `events.delete` cancels.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_errors
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from bot.calendars import Busy, CalendarRefused, CalendarUnavailable
from bot.calendars.invites import Invite

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
]
"""What the service account's client id is granted in the Workspace admin console."""


def event_id(uid: str) -> str:
    """A Google event id for a UID: lowercase hex is within Google's base32hex alphabet."""
    return hashlib.sha256(uid.encode()).hexdigest()[:32]


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GoogleCalendar:
    name = "google"

    def __init__(self, *, key_file: str, api_url: str = "", timeout: float = 10.0) -> None:
        try:
            self.credentials = service_account.Credentials.from_service_account_file(
                key_file, scopes=SCOPES
            )
        except (ValueError, KeyError, OSError, json.JSONDecodeError):
            raise CalendarRefused(
                "LOOPBOT_GOOGLE_CREDENTIALS is not a service account key file (JSON)"
            ) from None
        self.api_url = api_url
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> GoogleCalendar:
        return cls(
            key_file=str(settings.loopbot_google_credentials),
            api_url=settings.loopbot_google_api_url,
            timeout=settings.loopbot_calendar_timeout,
        )

    def service(self, email: str) -> Any:
        http = google_auth_httplib2.AuthorizedHttp(
            self.credentials.with_subject(email), http=httplib2.Http(timeout=self.timeout)
        )
        options = {"api_endpoint": self.api_url} if self.api_url else None
        return build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options=options,
        )

    # the interface ---------------------------------------------------------------------------

    def check(self) -> None:
        """The key signs a token Google accepts (bad key or revoked: refused)."""
        request = google_auth_httplib2.Request(httplib2.Http(timeout=self.timeout))
        try:
            self.credentials.refresh(request)
        except auth_errors.RefreshError:
            raise CalendarRefused(
                "Google refused the service account in LOOPBOT_GOOGLE_CREDENTIALS"
            ) from None
        except (auth_errors.TransportError, OSError, httplib2.HttpLib2Error):
            raise CalendarRefused(
                "cannot reach Google to check LOOPBOT_GOOGLE_CREDENTIALS"
            ) from None

    def busy(self, emails: list[str], start: datetime, end: datetime) -> Busy:
        out = Busy()
        for email in emails:
            body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": email}]}
            try:
                answer = self._run(self.service(email).freebusy().query(body=body))
            except (CalendarRefused, CalendarUnavailable):
                out.unreadable.add(email)
                continue
            calendar = (answer.get("calendars") or {}).get(email) or {"errors": ["missing"]}
            if calendar.get("errors"):
                out.unreadable.add(email)
                continue
            out.periods[email] = [
                (_parse(b["start"]), _parse(b["end"])) for b in calendar.get("busy", [])
            ]
        return out

    def put(self, email: str, invite: Invite, *, stamp: datetime) -> None:
        events = self.service(email).events()
        body = self._body(email, invite)
        try:
            self._run(events.insert(calendarId="primary", body=body, sendUpdates="none"), raw=True)
        except HttpError as exc:
            if exc.resp.status != 409:  # 409: made before (a retry, a restart): update it
                raise self._error(exc) from None
            del body["id"]
            self._run(
                events.patch(
                    calendarId="primary",
                    eventId=event_id(invite.uid),
                    body=body,
                    sendUpdates="none",
                )
            )

    def cancel(self, email: str, invite: Invite) -> None:
        request = (
            self.service(email)
            .events()
            .delete(calendarId="primary", eventId=event_id(invite.uid), sendUpdates="none")
        )
        try:
            self._run(request, raw=True)
        except HttpError as exc:
            if exc.resp.status not in (404, 410):  # gone already
                raise self._error(exc) from None

    # plumbing --------------------------------------------------------------------------------

    @staticmethod
    def _body(email: str, invite: Invite) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": event_id(invite.uid),
            "summary": invite.summary,
            "description": invite.description,
            "start": {"dateTime": _rfc3339(invite.starts_at)},
            "end": {"dateTime": _rfc3339(invite.ends_at)},
            "attendees": [{"email": email, "responseStatus": "accepted"}],
            "sequence": invite.sequence,
            "status": "confirmed",
        }
        if invite.place:
            body["location"] = invite.place
        if invite.guide_link:
            body["source"] = {"title": "Round guide", "url": invite.guide_link}
        return body

    def _run(self, request: Any, *, raw: bool = False) -> dict[str, Any]:
        try:
            return request.execute(num_retries=0) or {}
        except HttpError as exc:
            if raw:
                raise
            raise self._error(exc) from None
        except auth_errors.RefreshError:
            raise CalendarRefused("Google refused to act for this person") from None
        except (auth_errors.TransportError, OSError, httplib2.HttpLib2Error) as exc:
            raise CalendarUnavailable(type(exc).__name__) from None

    @staticmethod
    def _error(exc: HttpError) -> Exception:
        status = exc.resp.status
        if status >= 500 or status in (408, 429):
            return CalendarUnavailable(f"Google answered {status}")
        return CalendarRefused(f"Google answered {status}")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
