"""Slack's current file upload on the emulator: slack_sdk's own `files_upload_v2` works against
it, and the two methods answer Slack's errors."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient

from bot.emulator import SlackEmulator
from tests.emulator.test_webapi import error_of


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=emulator.bot_token, base_url=emulator.api_url)


def test_files_upload_v2_shares_the_file_in_the_dm(emulator: SlackEmulator, client) -> None:
    user = emulator.workspace.user("maya.hm").id
    dm = client.conversations_open(users=user)["channel"]["id"]
    done = client.files_upload_v2(
        channel=dm, content=b"BEGIN:VCALENDAR", filename="x.ics", initial_comment="Add it"
    )
    assert done["file"]["title"] == "x.ics"
    (message,) = emulator.dms_to(user)
    assert message.text == "Add it" and message.files[0]["name"] == "x.ics"
    assert emulator.files_to(user) == [("x.ics", b"BEGIN:VCALENDAR")]


def test_slacks_errors(emulator: SlackEmulator, client: WebClient) -> None:
    get = client.files_getUploadURLExternal
    complete = client.files_completeUploadExternal
    assert error_of(get, filename="x.ics", length=0) == "missing_argument"
    assert error_of(get, filename="", length=3) == "invalid_arguments"
    ticket = get(filename="x.ics", length=3)
    # Not uploaded yet: nothing to complete.
    assert error_of(complete, files=[{"id": ticket["file_id"]}]) == "file_not_found"
    request = urllib.request.Request(ticket["upload_url"], data=b"abc", method="POST")
    urllib.request.urlopen(request, timeout=5).close()
    assert error_of(complete, files=[{"id": "F999"}]) == "file_not_found"
    assert (
        error_of(complete, files=[{"id": ticket["file_id"]}], channel_id="C404")
        == "channel_not_found"
    )
    assert complete(files=[{"id": ticket["file_id"], "title": "t"}])["files"][0]["title"] == "t"
    # Completed once: the ticket and its URL are used up.
    assert error_of(complete, files=[{"id": ticket["file_id"]}]) == "file_not_found"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(
            urllib.request.Request(ticket["upload_url"], data=b"x", method="POST"), timeout=5
        )
