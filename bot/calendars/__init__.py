"""Calendar backends: the people's busy time for a proposal, and the interview events.

A backend answers three things, each for one person found by their Slack profile e-mail:
`busy` (their busy times over a window), `put` (create or update the event of an `Invite`,
found by its UID) and `cancel` (remove it). `LOOPBOT_CALENDAR` picks one: `none`, `caldav`,
`google`. Another (Microsoft Graph) is one more class with these three methods and a `check`,
and one more branch in `connect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.calendars.invites import Invite

if TYPE_CHECKING:
    from bot.settings import Settings


class CalendarUnavailable(Exception):
    """The calendar server did not answer, or refused for a while: try again later."""


class CalendarRefused(Exception):
    """The calendar server refused in a way a retry cannot fix (rights, bad request)."""


@dataclass
class Busy:
    """Busy periods per e-mail; `unreadable` are the e-mails whose calendars could not be read
    (down, refused, unknown): they are not free, they are unknown."""

    periods: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)


class CalendarBackend(Protocol):
    name: str

    def check(self) -> None:
        """Raise CalendarRefused (one line, no secret) when the credentials cannot work."""

    def busy(self, emails: list[str], start: datetime, end: datetime) -> Busy: ...

    def put(self, email: str, invite: Invite, *, stamp: datetime) -> None:
        """Create the event or update it in place (same UID); idempotent."""

    def cancel(self, email: str, invite: Invite) -> None:
        """Remove the event with this UID, if it is there; idempotent."""


def connect(settings: Settings) -> CalendarBackend | None:
    """The backend the settings name (None: `LOOPBOT_CALENDAR=none`)."""
    kind = settings.loopbot_calendar
    if kind == "caldav":
        from bot.calendars.caldav import CalDavCalendar

        return CalDavCalendar.from_settings(settings)
    if kind == "google":
        from bot.calendars.google import GoogleCalendar

        return GoogleCalendar.from_settings(settings)
    return None
