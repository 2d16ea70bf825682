"""The Calendar v3 stand-in refuses what Google would, per the discovery document, so a request
loopbot makes wrongly fails the tests instead of production."""

from __future__ import annotations

from pathlib import Path

import pytest
from googleapiclient.errors import HttpError

from bot.calendars.google import GoogleCalendar
from tests.calendars.google_standin import DISCOVERY, GoogleStandIn

EVENT = {"start": {"dateTime": "2027-01-01T10:00:00Z"}, "end": {"dateTime": "2027-01-01T11:00:00Z"}}


@pytest.fixture
def events(tmp_path: Path):
    google = GoogleStandIn().start()
    google.add_person("ana@example.com")
    calendar = GoogleCalendar(key_file=str(google.key_file(tmp_path)), api_url=google.api_url)
    yield google, calendar.service("ana@example.com").events()
    google.stop()


def test_the_discovery_document_is_googles_calendar_v3() -> None:
    assert DISCOVERY["id"] == "calendar:v3" and DISCOVERY["servicePath"] == "calendar/v3/"


@pytest.mark.parametrize(
    ("call", "refusal"),
    [
        (
            lambda e: e.insert(calendarId="primary", body={**EVENT, "colour": "red"}),
            "unknown field",
        ),
        (lambda e: e.insert(calendarId="primary", body={"start": EVENT["start"]}), "end"),
        (lambda e: e.insert(calendarId="primary", body={**EVENT, "sequence": "one"}), "sequence"),
        (
            lambda e: e.insert(calendarId="primary", body={**EVENT, "start": {"dateTime": "soon"}}),
            "RFC 3339",
        ),
    ],
)
def test_a_request_google_would_refuse_fails(events, call, refusal: str) -> None:
    google, api = events
    with pytest.raises(HttpError) as refused:
        call(api).execute()
    assert refused.value.resp.status == 400
    assert any(refusal in problem for problem in google.rejected), google.rejected


def test_an_unknown_parameter_or_value_fails(events) -> None:
    google, api = events
    request = api.insert(calendarId="primary", body=EVENT, sendUpdates="none")
    request.uri += "&notifyEveryone=true"
    with pytest.raises(HttpError):
        request.execute()
    request = api.insert(calendarId="primary", body=EVENT, sendUpdates="none")
    request.uri = request.uri.replace("sendUpdates=none", "sendUpdates=everyone")
    with pytest.raises(HttpError):
        request.execute()
    assert [p.split(": ", 1)[1] for p in google.rejected][:1] == [
        "unknown parameter notifyEveryone"
    ]
    assert "everyone" in google.rejected[1]
