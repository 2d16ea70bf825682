"""A calendar that is down or refuses never blocks a loop; bad credentials stop `loopbot serve`
with one line."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.emulator import SlackEmulator
from bot.sandbox import Sandbox
from bot.store.models import OutboxMessage
from tests.calendars.google_standin import GoogleStandIn
from tests.calendars.radicale import SERVICE_PASSWORD, SERVICE_USER, Radicale
from tests.calendars.test_calendar_stories import PEOPLE, _create, _step_two, email
from tests.e2e import test_operator_errors
from tests.e2e.helpers import MONDAY, PANEL, REC, top_view, uid

run = test_operator_errors.run  # the fixture: `loopbot ARGS` with these settings

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(run, emulator: SlackEmulator, tmp_path: Path, **calendar: str) -> tuple[int, str]:
    db = f"sqlite:///{tmp_path / 'lb.db'}"
    assert run(["db", "upgrade"], DATABASE_URL=db)[0] == 0
    env = {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": db,
        "PORT": str(_port()),
        "HOST": "127.0.0.1",
        **calendar,
    }
    return run(["serve"], **env)


def test_serve_refuses_caldav_credentials_the_server_refuses(run, tmp_path: Path) -> None:
    server = Radicale(tmp_path).start()
    try:
        with SlackEmulator(rate_limits=False) as emulator:
            code, err = _serve(
                run,
                emulator,
                tmp_path,
                LOOPBOT_CALENDAR="caldav",
                LOOPBOT_CALDAV_URL=server.url + "/{email}/",
                LOOPBOT_CALDAV_USERNAME=SERVICE_USER,
                LOOPBOT_CALDAV_PASSWORD="wrong",
            )
    finally:
        server.stop()
    assert code == 1
    assert err.splitlines()[-1] == (
        "loopbot: the CalDAV server refused LOOPBOT_CALDAV_USERNAME / LOOPBOT_CALDAV_PASSWORD"
    ), err
    assert "wrong" not in err


def test_serve_refuses_a_google_key_google_does_not_know(run, tmp_path: Path) -> None:
    google = GoogleStandIn().start()
    stranger = GoogleStandIn()  # its key was never registered with the stand-in
    key = stranger.key_file(tmp_path)
    info = json.loads(key.read_text())
    key.write_text(json.dumps({**info, "token_uri": google.url + "/token"}))
    try:
        with SlackEmulator(rate_limits=False) as emulator:
            code, err = _serve(
                run,
                emulator,
                tmp_path,
                LOOPBOT_CALENDAR="google",
                LOOPBOT_GOOGLE_CREDENTIALS=str(key),
                LOOPBOT_GOOGLE_API_URL=google.api_url,
            )
    finally:
        google.stop()
    assert (code, err.splitlines()[-1]) == (
        1,
        "loopbot: Google refused the service account in LOOPBOT_GOOGLE_CREDENTIALS",
    ), err


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"LOOPBOT_CALENDAR": "caldav"},
            "loopbot: setting LOOPBOT_CALDAV_URL: needed with LOOPBOT_CALENDAR=caldav",
        ),
        (
            {"LOOPBOT_CALENDAR": "google", "LOOPBOT_GOOGLE_CREDENTIALS": "/nowhere.json"},
            "loopbot: setting LOOPBOT_GOOGLE_CREDENTIALS: needed with LOOPBOT_CALENDAR=google",
        ),
        ({"LOOPBOT_CALENDAR": "outlook"}, "loopbot: setting LOOPBOT_CALENDAR: Input should be"),
    ],
)
def test_a_calendar_setting_that_cannot_work_is_named_in_one_line(run, env, said) -> None:
    code, err = run(["db", "upgrade"], **env)
    assert code == 2 and err.startswith(said) and "\n" not in err, err


def test_a_calendar_that_is_down_never_blocks_a_loop(tmp_path: Path) -> None:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    server = Radicale(tmp_path).start()
    for handle in PEOPLE:
        if handle != PANEL[0]:  # one interviewer has no calendar there yet
            server.add_person(email(handle))
    settings = {
        "loopbot_calendar": "caldav",
        "loopbot_caldav_url": server.url + "/{email}/",
        "loopbot_caldav_username": SERVICE_USER,
        "loopbot_caldav_password": SERVICE_PASSWORD,
        "loopbot_calendar_timeout": 2,
    }
    try:
        with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
            sb.now = MONDAY
            _step_two(sb)
            intro = top_view(sb, REC)["blocks"][0]["text"]["text"]
            assert f"Could not read the calendars of <@{uid(sb, PANEL[0])}>:" in intro
            sb.emulator.close_view(uid(sb, REC))
            server.stop()  # down for the whole step 2: every calendar unknown, loop created
            _step_two(sb)
            intro = top_view(sb, REC)["blocks"][0]["text"]["text"]
            assert all(f"<@{uid(sb, h)}>" in intro for h in PANEL)
            assert f"<@{uid(sb, 'maya.hm')}>" not in intro  # runs no round: not read
            short_id = _create(sb)
            assert short_id
            sb.dispatch()
            with sb.db.read() as session:
                rows = session.exec(
                    select(OutboxMessage).where(OutboxMessage.purpose == "calendar")
                ).all()
            assert rows and all(r.state == "pending" and r.attempts == 1 for r in rows)
            server.start()  # back: the retries write every event once
            server.add_person(email(PANEL[0]))
            sb.dispatch(MONDAY + timedelta(hours=1))
            with sb.db.read() as session:
                states = {
                    r.state
                    for r in session.exec(
                        select(OutboxMessage).where(OutboxMessage.purpose == "calendar")
                    ).all()
                }
            assert states == {"sent"}
            assert sum(len(server.events(email(h))) for h in PEOPLE) == len(rows)
    finally:
        server.stop()


def test_a_calendar_that_never_answers_does_not_hold_up_step_two(tmp_path: Path) -> None:
    import time

    from handlers import create_app
    from handlers.http import make_wsgi_app

    silent = socket.create_server(("127.0.0.1", 0))  # takes connections, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}" + "/{email}/"
    settings = {"loopbot_calendar": "caldav", "loopbot_caldav_url": url}
    try:
        with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
            sb.now = MONDAY
            started = time.monotonic()
            _step_two(sb)
            assert time.monotonic() - started < 3.0
            intro = top_view(sb, REC)["blocks"][0]["text"]["text"]
            assert all(f"<@{uid(sb, h)}>" in intro for h in PANEL)
            assert f"<@{uid(sb, 'maya.hm')}>" not in intro  # runs no round: not read
    finally:
        silent.close()
