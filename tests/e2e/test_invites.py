"""Calendar invites in Slack, with no calendar server: each interviewer's DM carries an `.ics`
for their round (same UID on every change, SEQUENCE growing, METHOD:CANCEL when they are
swapped out or the loop is cancelled); the recruiter gets the candidate's itinerary."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import Assignment, Loop, Round
from tests.e2e.helpers import PANEL, REC, create_loop, dm_texts, uid, wait_for


def _invites(sb: Sandbox, handle: str) -> list[Calendar]:
    return [
        Calendar.from_ical(content)
        for name, content in sb.emulator.files_to(uid(sb, handle))
        if name.endswith(".ics") and not name.startswith("itinerary")
    ]


def _owner(sb: Sandbox, number: int) -> str:
    by_id = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    with sb.db.read() as session:
        user = session.exec(
            select(Assignment.user_id).where(
                Assignment.round_id == Round.id,
                Round.number == number,
                Assignment.letter == "R",
                Assignment.active == True,  # noqa: E712
            )
        ).first()
    return by_id[user]


def _cancelled(sb: Sandbox) -> bool:
    with sb.db.read() as session:
        return session.exec(select(Loop.status)).one() == "cancelled"


def _version(sb: Sandbox, number: int) -> int:
    with sb.db.read() as session:
        return session.exec(select(Round.version).where(Round.number == number)).one()


def test_each_interviewer_gets_an_invite_that_follows_their_round(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    sb.dispatch()
    owner = _owner(sb, 2)
    (invite,) = [c for c in _invites(sb, owner) if "-2-" in str(c.walk("VEVENT")[0]["UID"])]
    event = invite.walk("VEVENT")[0]
    assert str(invite["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0
    the_uid = str(event["UID"])
    assert the_uid == f"{short_id}-2-{uid(sb, owner)}@loopbot".lower()
    assert "app_redirect?channel=D" in str(event["URL"])
    assert "Live AI Pairing" in str(event["SUMMARY"]) and "Juyoung Park" in str(event["SUMMARY"])

    sb.slack.command(REC, "/loop", f"reschedule {short_id} 2 2026-12-01 10:00")
    assert wait_for(lambda: _version(sb, 2) == 2)
    sb.dispatch()
    moved = [c.walk("VEVENT")[0] for c in _invites(sb, owner)]
    latest = [e for e in moved if str(e["UID"]) == the_uid][-1]
    assert int(latest["SEQUENCE"]) > 0  # a greater sequence: calendars take the change
    assert latest.decoded("DTSTART") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # London

    newcomer = next(h for h in PANEL if h != owner)
    sb.slack.command(REC, "/loop", f"swap {short_id} 2 <@{uid(sb, newcomer)}>")
    assert wait_for(lambda: _owner(sb, 2) == newcomer)
    sb.dispatch()
    gone = _invites(sb, owner)[-1]
    assert str(gone["METHOD"]) == "CANCEL"
    assert str(gone.walk("VEVENT")[0]["UID"]) == the_uid
    assert int(gone.walk("VEVENT")[0]["SEQUENCE"]) > int(latest["SEQUENCE"])
    fresh = [c for c in _invites(sb, newcomer) if "-2-" in str(c.walk("VEVENT")[0]["UID"])]
    assert fresh and str(fresh[-1]["METHOD"]) == "REQUEST"

    sb.slack.command(REC, "/loop", f"cancel {short_id}")
    assert wait_for(lambda: _cancelled(sb))
    sb.dispatch()
    last = [c for c in _invites(sb, newcomer) if "-2-" in str(c.walk("VEVENT")[0]["UID"])][-1]
    assert str(last["METHOD"]) == "CANCEL"
    assert int(last.walk("VEVENT")[0]["SEQUENCE"]) > int(fresh[-1].walk("VEVENT")[0]["SEQUENCE"])


def test_the_recruiter_gets_the_itinerary_in_the_candidates_zone(sb: Sandbox) -> None:
    create_loop(sb, step2={"round:2:place": "Room 4.1", "round:3:place": "https://meet.example/x"})
    sb.dispatch()
    files = [c for n, c in sb.emulator.files_to(uid(sb, REC)) if n.startswith("itinerary")]
    assert len(files) == 1
    every = Calendar.from_ical(files[0]).walk("VEVENT")
    events = [e for e in every if str(e["SUMMARY"]).startswith("Interview ")]
    with sb.db.read() as session:
        timed = session.exec(select(Round).where(Round.starts_at != None)).all()  # noqa: E711
        (take_home,) = session.exec(select(Round).where(Round.starts_at == None)).all()  # noqa: E711
    assert len(events) == len(timed)
    # What the candidate sends by a time is in their calendar too, at that time, without taking
    # up their day: the Async Build's submission.
    (due,) = [e for e in every if e not in events]
    assert str(due["SUMMARY"]) == "Due: 1. Async Build (your submission)"
    assert due.decoded("DTSTART") == take_home.deadline and "DTEND" not in due  # a moment
    assert str(due["TRANSP"]) == "TRANSPARENT" and due["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert all(e["DTSTART"].params.get("TZID") == "Asia/Seoul" for e in events)
    # The zone itself travels with the file (before the events that name it), so a calendar
    # that does not know Asia/Seoul still places each time right: +09:00, no summer time.
    (zone,) = Calendar.from_ical(files[0]).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Seoul" and files[0].index(b"VTIMEZONE") < files[0].index(
        b"VEVENT"
    )
    assert {str(part["TZOFFSETTO"].to_ical()) for part in zone.subcomponents}.issuperset({"+0900"})
    first = min(e.decoded("DTSTART") for e in events)
    assert first == min(r.starts_at for r in timed) and str(first.tzinfo) == "Asia/Seoul"
    # The text to forward says where each live round happens, as the invites do.
    text = next(t for t in dm_texts(sb, REC) if "The itinerary for" in t)
    assert "\n\n*To collect from the candidate*" in text and "\n\n\n" not in text  # one blank line
    placed = [r for r in timed if r.place]
    assert {r.number for r in placed} == {2, 3}
    for r in placed:
        line = next(x for x in text.splitlines() if x.startswith(f"• *{r.number}. "))
        assert line.endswith(f") at {r.place}") or f") at {r.place}: " in line, line
        assert all(str(e["LOCATION"]) == r.place for e in events if f"-{r.number}-" in e["UID"])


def test_a_workspace_without_file_uploads_still_gets_its_notices(sb: Sandbox) -> None:
    sb.emulator.file_uploads_disabled = True
    create_loop(sb)
    outcome = sb.dispatch()
    assert outcome.failed == 0 and outcome.retried == 0
    owner = _owner(sb, 2)
    texts = [m.text for m in sb.emulator.dms_to(uid(sb, owner))]
    assert any(
        t.startswith("Add it to your calendar: 2. Live AI Pairing")
        and "this workspace does not allow file uploads" in t
        for t in texts
    ), texts
    assert sb.emulator.files_to(uid(sb, owner)) == []


def test_the_recruiters_itinerary_follows_every_change_to_the_candidates_day(
    sb: Sandbox,
) -> None:
    short_id = create_loop(sb)
    sb.dispatch()
    # A swap changes who interviews, which the candidate's itinerary does not name: no new
    # file to forward (the recruiter hears of the swap itself).
    owner = _owner(sb, 3)
    newcomer = next(h for h in PANEL if h != owner)
    sb.slack.command(REC, "/loop", f"swap {short_id} 3 <@{uid(sb, newcomer)}>")
    assert wait_for(lambda: _owner(sb, 3) == newcomer)
    sb.dispatch()
    files = [n for n, _ in sb.emulator.files_to(uid(sb, REC)) if n.startswith("itinerary")]
    assert len(files) == 1  # the one sent when the loop was created
    assert any("3. Production Engineering" in t for t in dm_texts(sb, REC)[-2:])
    sb.slack.command(REC, "/loop", f"reschedule {short_id} 2 2026-12-01 10:00")
    assert wait_for(lambda: _version(sb, 2) == 2)
    sb.dispatch()
    sb.slack.command(REC, "/loop", f"cancel {short_id}")
    assert wait_for(lambda: _cancelled(sb))
    sb.dispatch()
    shared = [
        Calendar.from_ical(c)
        for n, c in sb.emulator.files_to(uid(sb, REC))
        if n.startswith("itinerary")
    ]
    assert [str(c["METHOD"]) for c in shared] == ["PUBLISH", "PUBLISH", "CANCEL"]
    moved = {str(e["UID"]): e for e in shared[1].walk("VEVENT")}[
        f"{short_id}-2-candidate@loopbot".lower()
    ]
    assert moved.decoded("DTSTART") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert str(moved.decoded("DTSTART").tzinfo) == "Asia/Seoul"
    sequences = [{int(e["SEQUENCE"]) for e in c.walk("VEVENT")} for c in shared]
    assert sequences == [{0}, {2}, {3}]  # the loop's version, which the swap moved on too
    assert all(str(e["STATUS"]) == "CANCELLED" for e in shared[2].walk("VEVENT"))
    texts = [m.text for m in sb.emulator.dms_to(uid(sb, REC)) if m.files]
    assert "as they stand now" in texts[1] and "The loop is cancelled" in texts[2]
