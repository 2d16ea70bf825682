"""The calendar stories, on a real Radicale CalDAV server and on the Google Calendar stand-in:
busy time moves the proposal, creating a loop writes one event per interviewer, a reschedule
updates it in place, a swap moves it, a cancel removes them all, and a crash between writing an
event and recording it leaves exactly one event per round and person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.calendars.google import event_id
from bot.outbox import LEASE, OutboxSender
from bot.sandbox import Sandbox
from bot.store.models import Assignment, OutboxMessage, Round
from tests.calendars.google_standin import GoogleStandIn
from tests.calendars.radicale import SERVICE_PASSWORD, SERVICE_USER, Radicale
from tests.e2e.helpers import (
    MONDAY,
    PANEL,
    REC,
    open_create,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)

PEOPLE = ["maya.hm", "oliver.rec", "lena.lead", "robert.exec", *PANEL]


def email(handle: str) -> str:
    return f"{handle.split('.')[0]}@example.com"


class CalDavWorld:
    def __init__(self, folder: Path):
        self.server = Radicale(folder).start()

    def settings(self) -> dict:
        return {
            "loopbot_calendar": "caldav",
            "loopbot_caldav_url": self.server.url + "/{email}/",
            "loopbot_caldav_username": SERVICE_USER,
            "loopbot_caldav_password": SERVICE_PASSWORD,
        }

    def add_person(self, handle: str) -> None:
        self.server.add_person(email(handle))

    def add_meeting(self, handle: str, start: datetime, end: datetime) -> None:
        self.server.add_meeting(email(handle), start, end)

    @staticmethod
    def key(uid: str) -> str:
        return uid

    def interviews(self, handle: str) -> list[tuple[str, int, datetime]]:
        """(UID, SEQUENCE, start) of each interview in the person's calendar."""
        return [
            (str(e["UID"]), int(e.get("SEQUENCE", 0)), e.decoded("DTSTART"))
            for e in self.server.events(email(handle))
        ]

    def stop(self) -> None:
        self.server.stop()


class GoogleWorld:
    def __init__(self, folder: Path):
        self.server = GoogleStandIn().start()
        self.key_path = self.server.key_file(folder)

    def settings(self) -> dict:
        return {
            "loopbot_calendar": "google",
            "loopbot_google_credentials": self.key_path,
            "loopbot_google_api_url": self.server.api_url,
        }

    def add_person(self, handle: str) -> None:
        self.server.add_person(email(handle))

    def add_meeting(self, handle: str, start: datetime, end: datetime) -> None:
        self.server.add_meeting(email(handle), start, end)

    @staticmethod
    def key(uid: str) -> str:
        return event_id(uid)

    def interviews(self, handle: str) -> list[tuple[str, int, datetime]]:
        return [
            (e["id"], e.get("sequence", 0), datetime.fromisoformat(e["start"]["dateTime"]))
            for e in self.server.live_events(email(handle))
            if "id" in e
        ]

    def stop(self) -> None:
        assert not self.server.rejected, self.server.rejected
        self.server.stop()


@pytest.fixture(params=["caldav", "google"])
def world(request, tmp_path: Path):
    made = (CalDavWorld if request.param == "caldav" else GoogleWorld)(tmp_path)
    for handle in PEOPLE:
        made.add_person(handle)
    yield made
    made.stop()


@pytest.fixture
def cal_sb(world) -> Sandbox:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app, settings=world.settings()) as sb:
        sb.now = MONDAY
        yield sb
        assert not sb.emulator.violations


def _proposed(sb: Sandbox) -> dict[int, tuple[str | None, int]]:
    """Round number -> (proposed interviewer, start timestamp) in the open step 2 modal."""
    out: dict[int, list] = {}
    for block in top_view(sb, REC)["blocks"]:
        element = block.get("element") or {}
        parts = block.get("block_id", "").split(":")
        if len(parts) != 3 or parts[0] != "round" or not parts[1].isdigit():
            continue
        number = parts[1]
        row = out.setdefault(int(number), [None, 0])
        if element.get("type") == "users_select":
            row[0] = element.get("initial_user")
        if element.get("type") == "datetimepicker" and parts[2] == "time":
            row[1] = element["initial_date_time"]
    return {n: (who, when) for n, (who, when) in out.items()}


def _step_two(sb: Sandbox) -> dict:
    open_create(sb)
    answer = submit(sb, REC, step_one_answers(sb))
    assert answer.json and answer.json.get("response_action") == "update", answer.body_text
    return _proposed(sb)


def _create(sb: Sandbox) -> str:
    second = submit(sb, REC, {})
    assert second.json and second.json.get("response_action") == "update", second.body_text
    short_id = json.dumps(second.json["view"]["blocks"]).split("Loop `", 1)[1].split("`", 1)[0]
    sb.emulator.close_view(uid(sb, REC))
    return short_id


def _owners(sb: Sandbox) -> dict[int, str]:
    by_id = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    with sb.db.read() as session:
        rows = session.exec(
            select(Round.number, Assignment.user_id).where(
                Assignment.round_id == Round.id,
                Assignment.letter == "R",
                Assignment.active == True,  # noqa: E712
            )
        ).all()
    return {n: by_id[u] for n, u in rows}


def _all_events(world, sb: Sandbox) -> dict[str, list]:
    return {h: world.interviews(h) for h in PEOPLE if world.interviews(h)}


def test_the_calendar_story(world, cal_sb: Sandbox) -> None:
    _story(world, cal_sb)


@pytest.mark.postgres
def test_the_calendar_story_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    world = CalDavWorld(tmp_path)
    for handle in PEOPLE:
        world.add_person(handle)
    try:
        with Sandbox(
            create_app, make_wsgi_app, database_url=postgres_url, settings=world.settings()
        ) as sb:
            sb.now = MONDAY
            _story(world, sb)
    finally:
        world.stop()


def _story(world, sb: Sandbox) -> None:
    first = _step_two(sb)
    panel_round, (who, when) = next(
        (n, p)
        for n, p in sorted(first.items())
        if p[0] in {uid(sb, h) for h in PANEL} and p[1]  # a live round (it has a start)
    )
    handle = next(h for h in PANEL if uid(sb, h) == who)
    start = datetime.fromtimestamp(when, UTC)
    # That interviewer has a meeting then: the proposal moves elsewhere.
    world.add_meeting(handle, start - timedelta(minutes=15), start + timedelta(minutes=45))
    sb.emulator.close_view(uid(sb, REC))
    again = _step_two(sb)
    assert again[panel_round] != (who, when)
    short_id = _create(sb)
    sb.dispatch()
    owners = _owners(sb)
    events = _all_events(world, sb)
    # One event per interviewer and round; the busy one got none for that time.
    expected: dict[str, int] = {}
    for number_, handle_ in owners.items():
        if first[number_][1]:  # a live round; the asynchronous one is no meeting
            expected[handle_] = expected.get(handle_, 0) + 1
    assert {h: len(v) for h, v in events.items()} == expected
    assert all(
        not (s <= start < s + timedelta(hours=1)) for s in [e[2] for e in events.get(handle, [])]
    )

    # A reschedule updates the same event: same UID, a greater SEQUENCE, the new time.
    number = panel_round
    owner = owners[number]
    key = world.key(f"{short_id}-{number}-{uid(sb, owner)}@loopbot".lower())
    ((seq_before, start_before),) = [(s, t) for k, s, t in world.interviews(owner) if k == key]
    assert (
        sb.slack.command(REC, "/loop", f"reschedule {short_id} {number} 2026-12-02 10:00").status
        == 200
    )
    assert wait_for(lambda: _round_version(sb, number) == 2)
    sb.dispatch()
    moved = world.interviews(owner)
    assert len(moved) == len(events[owner])
    ((seq_after, start_after),) = [(s, t) for k, s, t in moved if k == key]
    assert seq_after > seq_before and start_after != start_before
    assert start_after == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 10:00 in London
    # A swap cancels for the one and creates for the other.
    newcomer = next(h for h in PANEL if h != owner)
    had = len(world.interviews(newcomer))
    assert (
        sb.slack.command(REC, "/loop", f"swap {short_id} {number} <@{uid(sb, newcomer)}>").status
        == 200
    )
    assert wait_for(lambda: _owners(sb).get(number) == newcomer)
    sb.dispatch()
    assert len(world.interviews(owner)) == len(events[owner]) - 1
    assert len(world.interviews(newcomer)) == had + 1

    # A crash between writing an event and recording it: the retry finds the same event.
    original = OutboxSender._written

    def crash(self, row_id, done):
        raise RuntimeError("killed before recording")

    OutboxSender._written = crash
    try:
        assert (
            sb.slack.command(
                REC, "/loop", f"reschedule {short_id} {number} 2026-12-03 10:00"
            ).status
            == 200
        )
        assert wait_for(lambda: _round_version(sb, number) == 4)
        with pytest.raises(RuntimeError):
            sb.dispatcher.outbox.tick(sb.clock())
    finally:
        OutboxSender._written = original
    sb.stop_bot()
    sb.start_bot()  # the restarted process takes the row once its lease has run out
    sb.dispatch(sb.clock() + LEASE + timedelta(seconds=1))
    assert len(world.interviews(newcomer)) == had + 1
    with sb.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "calendar")).all()
    assert rows and all(r.state == "sent" for r in rows)

    # A cancel removes them all.
    assert sb.slack.command(REC, "/loop", f"cancel {short_id}").status == 200
    assert wait_for(lambda: _calendar_rows(sb) > len(rows))
    sb.dispatch()
    assert _all_events(world, sb) == {}


def test_a_cancel_leaves_the_interviews_already_held_in_the_calendars(
    world, cal_sb: Sandbox
) -> None:
    """The loop is cancelled once round 2 has taken place: the rounds still ahead leave
    everyone's calendar; the interview held stays where it was."""
    sb = cal_sb
    _step_two(sb)
    short_id = _create(sb)
    sb.dispatch()
    with sb.db.read() as session:
        timed = session.exec(select(Round).where(col(Round.starts_at).is_not(None))).all()
    two = next(r for r in timed if r.number == 2)
    starts = {r.number: r.starts_at for r in timed}
    before = _all_events(world, sb)
    assert sum(len(events) for events in before.values()) == len(timed)
    sb.now = two.starts_at + timedelta(minutes=two.duration_minutes)
    held = {n for n, at in starts.items() if at <= two.starts_at}
    assert held and len(held) < len(timed)
    said(sb, REC, f"cancel {short_id}")
    sb.dispatch()
    left = sorted(at for events in _all_events(world, sb).values() for _, _, at in events)
    assert left == sorted(starts[n] for n in held)


def _round_version(sb: Sandbox, number: int) -> int:
    with sb.db.read() as session:
        return session.exec(select(Round.version).where(Round.number == number)).first() or 0


def _calendar_rows(sb: Sandbox) -> int:
    with sb.db.read() as session:
        return len(
            session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "calendar")).all()
        )


def _busy_for_a_second_loop(sb: Sandbox) -> list[tuple[str, datetime]]:
    """The busy time step 2 reads for a second loop starting Tuesday 24 November (whose
    live rounds follow the Async Build, due Friday 27): who, and when each meeting starts."""
    from datetime import date

    from bot.app.calendars import calendar_busy
    from bot.loops.requests import LoopRequest

    request = LoopRequest(
        candidate_name="Second Candidate",
        template_id="ai-first-engineering",
        candidate_tz="Asia/Seoul",
        first_day=date(2026, 11, 24),
        people={"PI": [uid(sb, h) for h in PANEL]},
        created_by=uid(sb, REC),
    )
    template = sb.runtime.library.loops[request.template_id]
    bookings, unreadable = calendar_busy(sb.runtime, request, template)
    assert unreadable == []
    return [(b.user_id, b.starts_at) for b in bookings]


def test_busy_time_is_read_as_far_as_the_rounds_after_a_submission_are_looked_for(
    world, cal_sb: Sandbox
) -> None:
    """The live rounds after the Async Build are looked for in the two weeks after its deadline:
    a meeting on Friday 11 December, beyond two weeks of the first day, is read too."""
    meeting = datetime(2026, 12, 11, 1, 0, tzinfo=UTC)
    world.add_meeting(PANEL[0], meeting, meeting + timedelta(hours=1))
    assert _busy_for_a_second_loop(cal_sb) == [(uid(cal_sb, PANEL[0]), meeting)]


def test_loopbots_own_events_are_not_counted_twice_as_busy(world, cal_sb: Sandbox) -> None:
    sb = cal_sb
    meeting = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    world.add_meeting(PANEL[0], meeting, meeting + timedelta(hours=1))
    _step_two(sb)
    _create(sb)
    sb.dispatch()
    assert sum(len(world.interviews(h)) for h in PANEL) > 0
    assert _busy_for_a_second_loop(sb) == [(uid(sb, PANEL[0]), meeting)]


def test_a_calendar_that_cannot_be_read_is_named_and_counts_as_unknown_not_free(
    world, cal_sb: Sandbox
) -> None:
    """One interviewer has no e-mail on their Slack profile; on Google, another has no
    calendar Google will show (`notFound` in freebusy's `errors`), and on CalDAV a home that
    is not there. Step 2 names both as unreadable, and the loop is still created."""
    sb = cal_sb
    no_email, unknown = PANEL[0], PANEL[1]
    sb.emulator.workspace.user(no_email).email = ""
    if isinstance(world, GoogleWorld):
        world.server.people.discard(email(unknown))
    else:
        assert world.server.request("DELETE", f"/{email(unknown)}/") in (200, 204)
    _step_two(sb)
    intro = top_view(sb, REC)["blocks"][0]["text"]["text"]
    named = intro.split("Could not read the calendars of ", 1)[1].split(":", 1)[0]
    assert {f"<@{uid(sb, h)}>" for h in (no_email, unknown)} <= set(named.split(", "))
    assert f"<@{uid(sb, PANEL[2])}>" not in named
    assert _create(sb)


def _down(world, down: bool) -> None:
    if isinstance(world, GoogleWorld):
        world.server.down = 1000 if down else 0
    elif down:
        world.server.stop()
    else:
        world.server.start()


def test_a_late_retry_never_brings_back_an_older_time(world, cal_sb: Sandbox) -> None:
    """A move written while the calendar was down waits for its retry; a second move goes
    through first. The late retry writes the event as the loop stands then: the second time
    stays in the interviewer's calendar."""
    sb = cal_sb
    _step_two(sb)
    short_id = _create(sb)
    sb.dispatch()
    number, owner = next(
        (n, h) for n, h in sorted(_owners(sb).items()) if h in PANEL and world.interviews(h)
    )
    key = world.key(f"{short_id}-{number}-{uid(sb, owner)}@loopbot".lower())
    _down(world, True)
    said(sb, REC, f"reschedule {short_id} {number} 2026-12-02 10:00")
    sb.dispatch()  # the write fails: its retry waits
    _down(world, False)
    said(sb, REC, f"reschedule {short_id} {number} 2026-12-03 10:00")
    sb.dispatch()  # the second move is written now, before the first one's retry
    with sb.db.read() as session:
        waiting = [
            r
            for r in session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "calendar"))
            if r.state == "pending"
        ]
    assert waiting  # the first move's write, still to be retried
    sb.dispatch(sb.clock() + timedelta(hours=1))
    assert _calendar_rows(sb) == _calendar_rows_in(sb, "sent")  # the retry went through
    ((start,),) = [(t,) for k, _, t in world.interviews(owner) if k == key]
    assert start == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _calendar_rows_in(sb: Sandbox, state: str) -> int:
    with sb.db.read() as session:
        return len(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.purpose == "calendar", OutboxMessage.state == state
                )
            ).all()
        )


def test_google_events_are_the_person_s_own_with_no_mail_from_google(tmp_path: Path) -> None:
    """What loopbot sends Google, as its contract reads: each event written as the person, in
    their own calendar, with them as its attendee and `sendUpdates=none` (Slack tells
    people; Google mails no one), on every insert, patch and delete."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    world = GoogleWorld(tmp_path)
    for handle in PEOPLE:
        world.add_person(handle)
    try:
        with Sandbox(create_app, make_wsgi_app, settings=world.settings()) as sb:
            sb.now = MONDAY
            _step_two(sb)
            short_id = _create(sb)
            sb.dispatch()
            number = next(n for n, h in sorted(_owners(sb).items()) if world.interviews(h))
            said(sb, REC, f"reschedule {short_id} {number} 2026-12-02 10:00")
            sb.dispatch()
            said(sb, REC, f"cancel {short_id}")
            sb.dispatch()
        writes = [r for r in world.server.requests if r[0].startswith("calendar.events.")]
        kinds = {r[0] for r in writes}
        assert kinds == {
            "calendar.events.insert",
            "calendar.events.patch",
            "calendar.events.delete",
        }, kinds
        for method, subject, query, body in writes:
            assert query.get("sendUpdates") == ["none"], (method, query)
            if method == "calendar.events.insert":
                assert [a["email"] for a in body["attendees"]] == [subject], body["attendees"]
    finally:
        world.stop()


def test_interviews_go_to_the_caldav_calendar_the_setting_names(tmp_path: Path) -> None:
    """LOOPBOT_CALDAV_CALENDAR=hiring: each interview is written to that calendar in the
    person's home (made on first use), none to the default `interviews`."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    world = CalDavWorld(tmp_path)
    for handle in PEOPLE:
        world.add_person(handle)
    settings = {**world.settings(), "loopbot_caldav_calendar": "hiring"}
    try:
        with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
            sb.now = MONDAY
            _step_two(sb)
            _create(sb)
            sb.dispatch()
            owners = set(_owners(sb).values())
        written = {h: len(world.server.events(email(h), "hiring")) for h in owners}
        assert sum(written.values()) >= 4, written
        assert not any(world.server.events(email(h)) for h in PEOPLE)
    finally:
        world.stop()
