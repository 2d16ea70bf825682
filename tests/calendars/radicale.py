"""A real Radicale CalDAV server on loopback, one per test: started from the test extra's
`radicale` package, with a service account that may read and write everyone's calendars."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Calendar

SERVICE_USER = "loopbot"
SERVICE_PASSWORD = "s3rvice"

RIGHTS = """
[service]
user: loopbot
collection: .*
permissions: RrWw

[owner]
user: .+
collection: {user}(/.*)?
permissions: RrWw

[root]
user: .+
collection:
permissions: R
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Radicale:
        (self.folder / "users").write_text(f"{SERVICE_USER}:{SERVICE_PASSWORD}\n")
        (self.folder / "rights").write_text(RIGHTS)
        config = self.folder / "config"
        config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {self.folder / 'users'}\n"
            "htpasswd_encryption = plain\n"
            f"[rights]\ntype = from_file\nfile = {self.folder / 'rights'}\n"
            f"[storage]\nfilesystem_folder = {self.folder / 'collections'}\n"
            "[logging]\nlevel = warning\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    # as the service account ---------------------------------------------------------------

    def request(self, method: str, path: str, body: str = "", **headers: str) -> int:
        auth = b64encode(f"{SERVICE_USER}:{SERVICE_PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            self.url + path,
            data=body.encode() if body else None,
            method=method,
            headers={"Authorization": f"Basic {auth}", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def get(self, path: str) -> str:
        auth = b64encode(f"{SERVICE_USER}:{SERVICE_PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Basic {auth}"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.read().decode()

    def add_person(self, email: str) -> None:
        """A person's home and their everyday calendar, as their first login leaves them."""
        assert self.request("MKCOL", f"/{email}/") in (201, 405)
        assert self.request("MKCALENDAR", f"/{email}/calendar/") in (201, 405)

    def add_meeting(self, email: str, start: datetime, end: datetime, name: str = "1:1") -> None:
        uid = f"meeting-{start.timestamp():.0f}@example.com"
        body = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\nSUMMARY:{name}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        status = self.request(
            "PUT", f"/{email}/calendar/{uid}.ics", body, **{"Content-Type": "text/calendar"}
        )
        assert status == 201, status

    def events(self, email: str, calendar: str = "interviews") -> list:
        """Every VEVENT stored in a person's calendar (parsed with icalendar)."""
        folder = self.folder / "collections" / "collection-root" / email / calendar
        if not folder.is_dir():
            return []
        out = []
        for item in sorted(folder.glob("*.ics")):
            out += Calendar.from_ical(item.read_bytes()).walk("VEVENT")
        return out
