"""Working hours: proposals inside the candidate's and every interviewer's day, App Home hours."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.emulator.transcript import blocks_as_text
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Round
from tests.e2e.helpers import (
    REC,
    open_create,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)

SEOUL = "Asia/Seoul"
# Added to the sample team: interviewers in Seoul, London and Berlin.
EXTRA = [
    ("minji.sel", "Minji Seo", SEOUL),
    ("amelia.ldn", "Amelia Clarke", "Europe/London"),
    ("felix.ber", "Felix Wagner", "Europe/Berlin"),
]
SIX = ["minji.sel", "amelia.ldn", "ananya.blr", "beatriz.sp", "felix.ber", "liam.syd"]
FAR = ["amelia.ldn", "beatriz.sp", "felix.ber"]


@pytest.fixture
def team(sb: Sandbox) -> Sandbox:
    for handle, name, tz in EXTRA:
        sb.emulator.workspace.add_user(handle, name, f"{handle.split('.')[0]}@example.com", tz)
    return sb


def _pool(sb: Sandbox, handles: list[str]) -> dict:
    return {"Panel Interviewer (PI) pool": [uid(sb, h) for h in handles]}


def _zone(sb: Sandbox, user_id: str) -> ZoneInfo:
    user = sb.emulator.workspace.find_user(user_id)
    assert user is not None
    return ZoneInfo(user.tz)


def _inside(start: datetime, minutes: int, zone: ZoneInfo, first: time, last: time) -> bool:
    local, end = start.astimezone(zone), (start + timedelta(minutes=minutes)).astimezone(zone)
    return (
        local.weekday() < 5
        and local.date() == end.date()
        and first <= local.time()
        and (end.time() <= last)
    )


def _step_two(sb: Sandbox, handles: list[str], **changes) -> dict:
    open_create(sb)
    reply = submit(sb, REC, step_one_answers(sb, **_pool(sb, handles), **changes))
    assert reply.json and reply.json.get("response_action") == "update", reply.body_text
    return reply.json["view"]


def _text(sb: Sandbox, view: dict) -> str:
    names = {u.id: u.real_name for u in sb.emulator.workspace.users.values()}
    return "\n".join(blocks_as_text(view["blocks"], lambda i: names.get(i, i)))


def test_a_seoul_candidate_gets_rounds_inside_everyone_s_working_day(team: Sandbox) -> None:
    sb = team
    step2 = _step_two(sb, SIX)
    shown = _text(sb, step2)
    # Each round names the candidate's time and the interviewer's own, both in working hours.
    # Five live rounds; the Async Build is a submission with a deadline, no slot.
    assert shown.count("Candidate: ") == 5 and "No time inside everyone's working day" not in shown
    created = submit(sb, REC, {})
    assert "is created" in json.dumps(created.json["view"])
    with sb.db.session() as session:
        rounds = session.exec(select(Round)).all()
        owners = {
            a.round_id: a.user_id
            for a in session.exec(select(Assignment).where(Assignment.letter == "R")).all()
        }
    assert len(rounds) == 6
    taken: dict[str, list[tuple[datetime, datetime]]] = {}
    for rnd in rounds:
        if rnd.number == 1:
            assert (rnd.format, rnd.starts_at) == ("async", None) and rnd.deadline is not None
            continue
        assert rnd.starts_at is not None
        owner = owners[rnd.id]
        nine, half_five = time(9), time(17, 30)
        assert _inside(rnd.starts_at, rnd.duration_minutes, ZoneInfo(SEOUL), nine, half_five)
        assert _inside(rnd.starts_at, rnd.duration_minutes, _zone(sb, owner), nine, half_five)
        end = rnd.starts_at + timedelta(minutes=rnd.duration_minutes)
        for other_start, other_end in taken.get(owner, []):
            assert end <= other_start or other_end <= rnd.starts_at, "double-booked"
        taken.setdefault(owner, []).append((rnd.starts_at, end))
        # Step 2 showed it so: the candidate's time, then the interviewer's, each in their zone.
        theirs, mine = (
            rnd.starts_at.astimezone(ZoneInfo(SEOUL)),
            rnd.starts_at.astimezone(_zone(sb, owner)),
        )
        hour = timedelta(minutes=rnd.duration_minutes)
        name = sb.emulator.workspace.users[owner].real_name
        assert (
            f"Candidate: {theirs:%a %d %b %H:%M}–{theirs + hour:%H:%M} {SEOUL} · "
            f"@{name}: {mine:%a %d %b %H:%M}–{mine + hour:%H:%M} {mine.tzinfo}"
        ) in shown, rnd.number
    # London, São Paulo and Berlin share no full hour with a Seoul working day.
    # An asynchronous review needs no shared hours; every live round's interviewer does.
    live = {owners[r.id] for r in rounds if r.starts_at is not None}
    assert not {uid(sb, h) for h in FAR} & live
    assert len(live) == 3


def test_a_pool_that_cannot_cover_the_candidate_s_day_is_told_why_per_round(
    team: Sandbox,
) -> None:
    sb = team
    step2 = _step_two(sb, FAR)
    shown = _text(sb, step2)
    assert shown.count("No time inside everyone's working day") == 5
    # The live rounds follow the Async Build, due Fri 27 Nov: two weeks from then were searched.
    assert "due Fri 27 Nov 17:00 Asia/Seoul" in shown
    assert shown.count("round from Fri 27 Nov to Thu 10 Dec.") == 5
    assert "Mon–Fri 09:00–17:30 Asia/Seoul (00:00–08:30 UTC)" in shown
    assert "Amelia Clarke (Mon–Fri 09:00–17:30 Europe/London): their working day does not" in shown
    assert (
        "Felix Wagner (Mon–Fri 09:00–17:30 Europe/Berlin): "
        "overlaps the candidate's day by only 30 min" in shown
    )
    assert "add an interviewer whose working day overlaps 00:00–08:30 UTC" in shown
    assert "\n• @Felix Wagner (Mon–Fri" in shown and "\n*What would work:*" in shown
    # Nothing is proposed at night: no time is filled in.
    pickers = [
        b["element"]
        for b in step2["blocks"]
        if b.get("element", {}).get("type") == "datetimepicker" and b["block_id"].endswith(":time")
    ]
    assert len(pickers) == 5 and not any("initial_date_time" in p for p in pickers)


def test_an_asynchronous_round_gets_a_reviewer_and_no_slot(team: Sandbox) -> None:
    sb = team
    step2 = _step_two(sb, SIX, Variant="Remote-First")
    blocks = {b.get("block_id"): b for b in step2["blocks"]}
    assert "round:1:time" not in blocks and "round:2:time" in blocks
    assert blocks["round:1:owner"]["element"].get("initial_user") in {uid(sb, h) for h in SIX}
    assert "asynchronous (a submission, no meeting)" in _text(sb, step2)
    created = submit(sb, REC, {})
    assert "is created" in json.dumps(created.json["view"])
    with sb.db.session() as session:
        first = session.exec(select(Round).where(Round.number == 1)).one()
    assert first.starts_at is None and first.format == "async"


def _open_home(sb: Sandbox, handle: str) -> dict:
    before = json.dumps(sb.emulator.home_of(uid(sb, handle)))
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, handle), "tab": "home"})
    return wait_for(
        lambda: (
            (home := sb.emulator.home_of(uid(sb, handle))) and json.dumps(home) != before and home
        )
    )


def _set_hours(sb: Sandbox, handle: str, answers: dict) -> object:
    home = _open_home(sb, handle)
    assert "Mon–Fri 09:00–17:30 (Asia/Seoul, your Slack time zone), the team's default" in (
        json.dumps(home, ensure_ascii=False)
    )
    sb.slack.click(handle, "home_edit_hours", "hours", view=home)
    wait_for(lambda: sb.emulator.open_views(uid(sb, handle)))
    return submit(sb, handle, answers)


def test_hours_changed_in_app_home_keep_later_proposals_inside_them(team: Sandbox) -> None:
    sb = team
    pool = ["minji.sel", "ananya.blr", "liam.syd"]
    mornings = _owned_starts(sb, _step_two(sb, pool), "minji.sel")
    assert any(t.astimezone(ZoneInfo(SEOUL)).hour < 13 for t in mornings)
    sb.emulator.close_view(uid(sb, REC))

    reply = _set_hours(
        sb,
        "minji.sel",
        {"Days you interview": ["Tuesday", "Wednesday"], "From": "13:00", "Until": "17:00"},
    )
    assert reply.status == 200 and not reply.body_text.strip()
    home = wait_for(
        lambda: (
            "Tue, Wed 13:00–17:00"
            in json.dumps(sb.emulator.home_of(uid(sb, "minji.sel")), ensure_ascii=False)
        )
    )
    assert home
    for _ in range(2):  # a second loop the same week too
        step2 = _step_two(sb, pool, **{"Candidate name": "Hana Lee"})
        starts = _owned_starts(sb, step2, "minji.sel")
        assert starts, "she still interviews, inside her new hours"
        for start in starts:
            local = start.astimezone(ZoneInfo(SEOUL))
            assert local.strftime("%a") in ("Tue", "Wed") and time(13) <= local.time()
            assert (local + timedelta(minutes=60)).time() <= time(17)
        submit(sb, REC, {})
        sb.emulator.close_view(uid(sb, REC))


def test_hours_that_cannot_work_are_refused_in_the_modal(team: Sandbox) -> None:
    reply = _set_hours(team, "minji.sel", {"From": "17:00", "Until": "09:00"})
    assert reply.json["response_action"] == "errors"
    assert "End at least 30 minutes after the start" in reply.json["errors"]["hours_end"]


def _owned_starts(sb: Sandbox, step2: dict, handle: str) -> list[datetime]:
    me = uid(sb, handle)
    by_id = {b.get("block_id"): b for b in step2["blocks"]}
    out = []
    for block_id, block in by_id.items():
        if block_id and block_id.endswith(":owner") and block["element"].get("initial_user") == me:
            if block_id.replace(":owner", ":time") not in by_id:
                continue  # an asynchronous round: a deadline, no slot
            picker = by_id[block_id.replace(":owner", ":time")]["element"]
            out.append(datetime.fromtimestamp(picker["initial_date_time"], ZoneInfo("UTC")))
    return out


def test_the_candidate_time_zone_is_a_select_of_grouped_zones(sb: Sandbox) -> None:
    view = open_create(sb)
    block = next(b for b in view["blocks"] if b.get("block_id") == "candidate_tz")
    element = block["element"]
    assert element["type"] == "static_select"
    labels = [g["label"]["text"] for g in element["option_groups"]]
    assert labels[:2] == ["Your time zone", "Americas"] or labels[0] == "Americas"
    # The recruiter (London) starts from their own zone.
    assert element["initial_option"]["value"] == "Europe/London"
    assert sum(len(g["options"]) for g in element["option_groups"]) <= 100
    assert top_view(sb, REC)["callback_id"] == "loop_create_step1"
