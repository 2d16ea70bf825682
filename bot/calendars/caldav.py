"""CalDAV (Fastmail, iCloud, Nextcloud, Radicale, Google's CalDAV endpoint) via `caldav`.

One account with rights on everyone's calendars acts for loopbot. A person's calendar home is
found by a URL convention (`LOOPBOT_CALDAV_URL` with `{email}`): CalDAV has no lookup of
another person by e-mail. Busy time is read from every calendar in the home (free-busy-query
REPORT, merged); interviews are written to one calendar in it (`LOOPBOT_CALDAV_CALENDAR`,
made on first use), one copy per person (no server-side scheduling is assumed), at an href
derived from the UID so a retry or a restart writes the same object again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from caldav import DAVClient
from caldav.collection import CalendarSet
from caldav.lib import error as dav_error
from icalendar import Calendar as ICalendar

from bot.calendars import Busy, CalendarRefused, CalendarUnavailable
from bot.calendars.invites import Invite, stored_ics

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


class CalDavCalendar:
    name = "caldav"

    def __init__(
        self, *, home: str, calendar: str, username: str, password: str, timeout: float
    ) -> None:
        self.home_template = home if home.endswith("/") else home + "/"
        self.calendar_name = calendar.strip("/")
        parts = urlsplit(self.home_template)
        self._connect = lambda: DAVClient(
            url=f"{parts.scheme}://{parts.netloc}/",
            username=username or None,
            password=password or None,
            # Credentials on the first request: no unauthenticated probe (servers slow down
            # refused logins on purpose).
            auth_type="basic" if username else None,
            timeout=int(max(1, timeout)),
        )
        self._local = threading.local()

    @property
    def client(self) -> DAVClient:
        """This thread's connection (a DAVClient is not shared between threads)."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._connect()
        return client

    @classmethod
    def from_settings(cls, settings: Settings) -> CalDavCalendar:
        return cls(
            home=settings.loopbot_caldav_url,
            calendar=settings.loopbot_caldav_calendar,
            username=settings.loopbot_caldav_username,
            password=settings.loopbot_caldav_password.get_secret_value(),
            timeout=settings.loopbot_calendar_timeout,
        )

    def home(self, email: str) -> str:
        return self.home_template.replace("{email}", quote(email.strip().lower(), safe="@"))

    def calendar_url(self, email: str) -> str:
        return f"{self.home(email)}{quote(self.calendar_name)}/"

    def href(self, email: str, uid: str) -> str:
        return f"{self.calendar_url(email)}{hashlib.sha256(uid.encode()).hexdigest()[:24]}.ics"

    # the interface ---------------------------------------------------------------------------

    def check(self) -> None:
        """The account's own root answers (401/403: the credentials are refused)."""
        try:
            response = self.client.request(str(self.client.url), "PROPFIND", "", {"Depth": "0"})
        except dav_error.AuthorizationError:
            raise CalendarRefused(
                "the CalDAV server refused LOOPBOT_CALDAV_USERNAME / LOOPBOT_CALDAV_PASSWORD"
            ) from None
        except Exception as exc:  # noqa: BLE001 - any transport failure is "cannot reach"
            raise CalendarRefused(
                f"cannot reach the CalDAV server at {self.client.url} ({type(exc).__name__})"
            ) from None
        if response.status >= 400:
            raise CalendarRefused(f"the CalDAV server answered {response.status} to loopbot")

    def busy(self, emails: list[str], start: datetime, end: datetime) -> Busy:
        out = Busy()
        for email in emails:
            try:
                calendars = CalendarSet(client=self.client, url=self.home(email)).get_calendars()
                periods: list[tuple[datetime, datetime]] = []
                ours = unquote(self.calendar_url(email)).rstrip("/")
                for calendar in calendars:
                    if unquote(str(calendar.url)).rstrip("/") == ours:
                        continue  # loopbot's own interviews: booked already
                    answer = calendar.freebusy_request(start, end)
                    periods += _busy_periods(answer.data)
                out.periods[email] = periods
            except Exception as exc:  # noqa: BLE001 - unreadable, not free; the loop goes on
                log.warning("calendar not readable", extra={"calendar_error": type(exc).__name__})
                out.unreadable.add(email)
        return out

    def put(self, email: str, invite: Invite, *, stamp: datetime) -> None:
        body = stored_ics(invite, stamp=stamp)
        status = self._call(self.href(email, invite.uid), "PUT", body, ICS)
        if status in (404, 409):  # the interviews calendar is not made yet
            self._make_calendar(email)
            status = self._call(self.href(email, invite.uid), "PUT", body, ICS)
        self._raise_for(status, "PUT")

    def cancel(self, email: str, invite: Invite) -> None:
        status = self._call(self.href(email, invite.uid), "DELETE", "", None)
        if status not in (404, 410):
            self._raise_for(status, "DELETE")

    # plumbing --------------------------------------------------------------------------------

    def _make_calendar(self, email: str) -> None:
        status = self._call(self.calendar_url(email), "MKCALENDAR", "", None)
        if status not in (201, 405):  # 405: it exists already
            self._raise_for(status, "MKCALENDAR")

    def _call(self, url: str, method: str, body: str, headers: dict | None) -> int:
        try:
            return self.client.request(url, method, body, headers).status
        except dav_error.AuthorizationError:
            raise CalendarRefused(f"{method} refused (401/403)") from None
        except dav_error.RateLimitError:
            raise CalendarUnavailable(f"{method}: the server asks to wait") from None
        except Exception as exc:  # noqa: BLE001 - transport failures: retried by the outbox
            raise CalendarUnavailable(f"{method}: {type(exc).__name__}") from None

    @staticmethod
    def _raise_for(status: int, method: str) -> None:
        if status < 300:
            return
        if status >= 500 or status in (408, 423, 429):
            raise CalendarUnavailable(f"{method} answered {status}")
        raise CalendarRefused(f"{method} answered {status}")


def _busy_periods(data: str | bytes | None) -> list[tuple[datetime, datetime]]:
    """The busy periods of a VFREEBUSY answer (FREE ones left out), in UTC."""
    if not data:
        return []
    out = []
    for component in ICalendar.from_ical(data).walk("VFREEBUSY"):
        values = component.get("FREEBUSY", [])
        for prop in values if isinstance(values, list) else [values]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in prop.dt if isinstance(prop.dt, list) else [prop.dt]:
                start, end = period[0], period[1]
                if not isinstance(end, datetime):  # a duration
                    end = start + end
                out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return out
