"""The facts of an invite and the `.ics` built from them, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from icalendar import Calendar

from bot.calendars.invites import invite_for, invite_ics, stored_ics
from bot.store.models import Loop, LoopStatus

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _loop(status: str = LoopStatus.SCHEDULED) -> Loop:
    return Loop(
        short_id="LABCD",
        candidate_name="Juyoung Park",
        template_version_id=1,
        candidate_tz="Asia/Seoul",
        created_by="U1",
        status=status,
    )


def _round(**changes):
    values = {
        "id": 7,
        "number": 2,
        "name": "Live AI Pairing",
        "starts_at": START,
        "duration_minutes": 60,
        "version": 3,
        "cancelled": False,
        "place": "https://meet.example.com/abc-defg",
    }
    return SimpleNamespace(**{**values, **changes})


def _parse(data: bytes) -> tuple[str, dict]:
    cal = Calendar.from_ical(data)
    return str(cal.get("METHOD")), cal.walk("VEVENT")[0]


def test_the_invite_carries_the_place_the_guide_and_a_sequence_per_change() -> None:
    invite = invite_for(
        _loop(), _round(), "U9", active=True, title="AI-First", guide_link="https://x/g"
    )
    method, event = _parse(invite_ics(invite, stamp=START))
    assert method == "REQUEST" and str(event["UID"]) == "labcd-2-u9@loopbot"
    assert int(event["SEQUENCE"]) == 4 and str(event["STATUS"]) == "CONFIRMED"  # version 3
    assert str(event["LOCATION"]) == "https://meet.example.com/abc-defg"
    assert str(event["URL"]) == "https://x/g"
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def test_swapped_out_or_cancelled_is_a_cancel_with_a_greater_sequence() -> None:
    """Also without a new version of the round (a trainee leaving it): above the invite it
    withdraws, and below the next version's."""
    invited = int(
        _parse(
            invite_ics(invite_for(_loop(), _round(), "U9", active=True, title="t"), stamp=START)
        )[1]["SEQUENCE"]
    )
    swapped = invite_for(_loop(), _round(), "U9", active=False, title="t")
    method, event = _parse(invite_ics(swapped, stamp=START))
    assert method == "CANCEL" and int(event["SEQUENCE"]) > invited
    cancelled = invite_for(_loop(LoopStatus.CANCELLED), _round(), "U9", active=True, title="t")
    method, event = _parse(invite_ics(cancelled, stamp=START))
    assert method == "CANCEL" and int(event["SEQUENCE"]) > invited
    back = invite_for(_loop(), _round(version=4), "U9", active=True, title="t")
    assert int(_parse(invite_ics(back, stamp=START))[1]["SEQUENCE"]) > int(event["SEQUENCE"])


def test_a_round_without_a_time_or_a_place() -> None:
    assert invite_for(_loop(), _round(starts_at=None), "U9", active=True, title="t") is None
    invite = invite_for(_loop(), _round(place=None), "U9", active=True, title="t")
    stored = Calendar.from_ical(stored_ics(invite, stamp=START))
    assert "METHOD" not in stored and "LOCATION" not in stored.walk("VEVENT")[0]
