"""`/loop create` as a recruiter uses it, and what everyone in the loop then sees."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.sandbox import Sandbox
from bot.store.models import Assignment, Loop, Round
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    PANEL,
    REC,
    XS,
    card_in_channel,
    create_loop,
    dm_texts,
    open_create,
    reschedule_by_modal,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)
from tests.write_lock import slack_calls_under_the_write_lock


def test_step_one_asks_for_every_role_of_the_document(sb: Sandbox) -> None:
    view = open_create(sb)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert view["title"]["text"] == "New interview loop"
    for label in (
        "Candidate name",
        "Loop document",
        "Variant",
        "Candidate's time zone",
        "First interview day",
        "Hiring Manager (HM)",
        "Panel Interviewer (PI) pool",
        "Executive Sponsor (XS)",
    ):
        assert label in labels
    # loopbot creates the loop's channel itself, so it alone decides who is in it.
    assert not any("channel" in label.lower() for label in labels)
    optional = {b["label"]["text"] for b in view["blocks"] if b.get("optional")}
    assert "Executive Sponsor (XS)" in optional and "Hiring Manager (HM)" not in optional


def test_create_a_six_round_loop_and_everyone_hears_their_part(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    channel, card = card_in_channel(sb, short_id)
    card_text = json.dumps(card.blocks)
    assert channel.is_private and "juyoung-park" in channel.name
    for name in (
        "Async Build",
        "Live AI Pairing",
        "Production Engineering",
        "Evals and Data Quality",
        "AI-Mediated System Design",
        "Communication and Execution",
    ):
        assert name in card_text
    assert "Asia/Seoul" in card_text and "<!date^" in card_text
    # The channel will carry the debrief: only its readers are in it. The recruiter who
    # created the loop follows it through a copy of the card in their DMs.
    assert channel.members - {sb.emulator.workspace.bot_user_id} == {uid(sb, HM), uid(sb, IL)}
    assert any(
        f"loop `{short_id}`" in json.dumps(m.blocks) for m in sb.emulator.dms_to(uid(sb, REC))
    )

    with sb.db.session() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rounds = {
            r.id: r.number
            for r in session.exec(select(Round).where(Round.loop_id == loop.id)).all()
        }
        rows = session.exec(select(Assignment).where(Assignment.loop_id == loop.id)).all()
    raci: dict[int, dict[str, list[str]]] = {}
    for row in rows:
        if row.round_id:
            raci.setdefault(rounds[row.round_id], {}).setdefault(row.letter, []).append(row.user_id)
    panel = {uid(sb, p) for p in PANEL}
    for number in range(1, 7):
        assert raci[number]["R"][0] in panel and len(raci[number]["R"]) == 1
        assert raci[number]["A"] == [uid(sb, HM)] and raci[number]["C"] == [uid(sb, IL)]
    assert raci[6]["I"] == [uid(sb, REC), uid(sb, XS)] and raci[1]["I"] == [uid(sb, REC)]

    sent = sb.dispatch()
    assert sent.failed == 0
    owners = Counter(raci[n]["R"][0] for n in range(1, 7))
    for handle in PANEL:
        assigned = [
            t for t in dm_texts(sb, handle) if "You're interviewing" in t or "You review" in t
        ]
        assert len(assigned) == owners[uid(sb, handle)]
        assert all("Asia/Seoul" in t and "Juyoung Park" in t for t in assigned)
    brief = next(t for t in dm_texts(sb, HM) if "You're accountable for" in t)
    assert f"/loop debrief {short_id}" in brief
    calibrate = next(t for t in dm_texts(sb, IL) if "You calibrate the panel" in t)
    assert "Strong Hire" in calibrate and "Communication and Execution" in calibrate
    assert any(f"`{short_id}`" in t and "is scheduled" in t for t in dm_texts(sb, REC))
    assert not any(short_id in t for t in dm_texts(sb, XS))


def test_creating_a_loop_asks_slack_for_time_zones_outside_its_transaction(sb: Sandbox) -> None:
    """Everyone's time zone (and calendar) is asked before the loop is written: a slow Slack
    never holds the database's write lock, which every request's replay guard waits on."""
    under_lock = slack_calls_under_the_write_lock(sb.runtime.messenger, sb.runtime.db)
    sb.runtime.messenger._users.clear()
    create_loop(sb)
    assert "users.info" in {c.method for c in sb.emulator.calls}
    assert under_lock == []


def test_guides_go_out_with_the_rounds_own_questions(sb: Sandbox) -> None:
    short_id = create_loop(sb)
    sb.dispatch()
    texts = [t for handle in PANEL for t in dm_texts(sb, handle)]
    guides = [t for t in texts if "ROUND GUIDE:" in t]
    # The live rounds come after the Async Build's deadline, days away: no guide goes yet.
    assert guides == []
    sb.dispatch(MONDAY.replace(day=29, hour=12))  # each guide 48 h before its round
    texts = [t for handle in PANEL for t in dm_texts(sb, handle)]
    production = next(t for t in texts if "ROUND GUIDE: PRODUCTION ENGINEERING" in t)
    assert short_id in production
    assert "What would you log and what would you avoid logging?" in production
    assert "How do you isolate tenant data" not in production
    # The candidate's guide briefs no round here (none named, none picked): no value of it
    # is spread into this round by shared words.
    assert "Security & Compliance First" not in production


NY = "America/New_York"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"Interview Lead or bar raiser (IL)": "U0HM00001"}, "role:IL", "already Hiring Manager"),
        (
            {"Panel Interviewer (PI) pool": ["U0PN00001", "U0PN00002"]},
            "role:PI",
            "pick at least 3 people",
        ),
        ({"First interview day": "2026-11-20"}, "first_day", "today or a later day"),
        (
            # A forged answer: the select only offers real zones.
            {
                "Candidate's time zone": {
                    "text": {"type": "plain_text", "text": "M"},
                    "value": "Mars",
                }
            },
            "candidate_tz",
            "time zone name",
        ),
        (
            {"Panel Interviewer (PI) pool": ["U0PN00001", "U0PN00002", "U0DL00001"]},
            "role:PI",
            "has left the workspace",
        ),
    ],
)
def test_invalid_step_one_gets_inline_errors(sb: Sandbox, change, field, words) -> None:
    open_create(sb)
    reply = submit(sb, REC, step_one_answers(sb, **change))
    assert reply.json["response_action"] == "errors"
    assert words in reply.json["errors"][field]
    assert top_view(sb, REC)["callback_id"] == "loop_create_step1"
    with sb.db.session() as session:
        assert session.exec(select(Loop)).all() == []


def test_a_second_loop_the_same_week_goes_to_the_least_loaded(sb: Sandbox) -> None:
    # A New York candidate: Los Angeles, Chicago, Lisbon and São Paulo all overlap that day.
    three = [uid(sb, p) for p in PANEL[:3]]
    create_loop(sb, **{"Panel Interviewer (PI) pool": three, "Candidate's time zone": NY})
    create_loop(
        sb,
        **{
            "Candidate name": "Ada Lovelace",
            "Candidate key": None,
            "Candidate's time zone": NY,
            "Panel Interviewer (PI) pool": [*three, uid(sb, "beatriz.sp")],
        },
    )
    with sb.db.session() as session:
        loops = session.exec(select(Loop).order_by(Loop.id)).all()
        second = [
            a.user_id
            for a in session.exec(
                select(Assignment).where(
                    Assignment.loop_id == loops[1].id, Assignment.letter == "R"
                )
            ).all()
        ]
    assert Counter(second)[uid(sb, "beatriz.sp")] == 2


def _booked(sb: Sandbox, short_id: str) -> dict[str, list[tuple]]:
    """Each interviewer's live rounds of the loop: (start, end) in their own zone, in order."""
    from zoneinfo import ZoneInfo

    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rows = session.exec(
            select(Assignment.user_id, Round.starts_at, Round.duration_minutes)
            .join(Round, Round.id == Assignment.round_id)
            .where(Assignment.loop_id == loop.id, Assignment.letter == "R", Assignment.active)
        ).all()
    out: dict[str, list[tuple]] = {}
    for user, start, minutes in rows:
        if start is not None:
            zone = ZoneInfo(sb.emulator.workspace.user(user).tz)
            local = start.astimezone(zone)
            out.setdefault(user, []).append((local, local + timedelta(minutes=minutes)))
    return {user: sorted(times) for user, times in out.items()}


@pytest.mark.parametrize(
    "settings", [{"loopbot_daily_max": 1}, {"loopbot_buffer_minutes": 150}], ids=str
)
def test_the_engine_s_settings_reach_the_proposal(settings: dict) -> None:
    """LOOPBOT_DAILY_MAX and LOOPBOT_BUFFER_MINUTES as set for the deployment: one interview a
    day for each person, or 150 free minutes between two of theirs."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app, settings=settings) as sb:
        sb.now = MONDAY
        booked = _booked(sb, create_loop(sb))
    twice = {user: times for user, times in booked.items() if len(times) > 1}
    assert twice  # a pool of four for five live rounds: someone runs two
    for times in twice.values():
        for (_, end), (start, _) in zip(times, times[1:], strict=False):
            if "loopbot_daily_max" in settings:
                assert start.date() != end.date(), times
            else:
                assert start - end >= timedelta(minutes=150) or start.date() != end.date(), times


def test_the_weekly_cap_in_force_is_what_step_two_books_and_names() -> None:
    """LOOPBOT_WEEKLY_CAP=1: a pool of four for five live rounds within two weeks books each
    person at most once a week, and a round nobody can take says the cap is why."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    with Sandbox(create_app, make_wsgi_app, settings={"loopbot_weekly_cap": 1}) as sb:
        sb.now = MONDAY
        open_create(sb)
        # The candidate's guide briefs round 6, the one nobody can take: still weighed against
        # the guide's 90 minutes (a live round without a time yet is no asynchronous one).
        pick = {"Round the candidate's guide briefs": "6. Communication and Execution"}
        step2 = submit(sb, REC, step_one_answers(sb, **pick))
        assert step2.json and step2.json.get("response_action") == "update", step2.body_text
        shown = json.dumps(step2.json["view"], ensure_ascii=False)
        assert "6. Communication and Execution is booked for 1 h; the candidate's guide plans" in (
            shown
        )
        fields = {
            b["block_id"]: b["element"].get("initial_date_time") or b["element"].get("initial_user")
            for b in step2.json["view"]["blocks"]
            if b.get("block_id", "").startswith("round:")
        }
        weeks: dict[str, list] = {}
        for n in range(2, 7):
            at, who = fields[f"round:{n}:time"], fields[f"round:{n}:owner"]
            if at and who:
                local = datetime.fromtimestamp(at, ZoneInfo(sb.emulator.workspace.user(who).tz))
                weeks.setdefault(who, []).append(local.isocalendar()[:2])
    assert "already at the weekly cap on every day that fits" in shown
    assert sum(len(w) for w in weeks.values()) >= 4  # most rounds booked, one says why not
    assert any(len(w) > 1 for w in weeks.values())  # someone twice, in two weeks
    for who, booked in weeks.items():
        assert len(booked) == len(set(booked)), (who, booked)


def test_the_candidate_s_working_hours_are_where_the_rounds_are_proposed(sb: Sandbox) -> None:
    """Step 1's *Candidate's working hours*: the live rounds fall inside them, and step 2 says
    which hours it used."""
    open_create(sb)
    hours = {"Candidate's working hours": "Tue-Thu 13:00-17:00"}
    first = submit(sb, REC, step_one_answers(sb, **hours))
    assert first.json and first.json.get("response_action") == "update", first.body_text
    intro = json.dumps(first.json["view"]["blocks"][0], ensure_ascii=False)
    assert "inside the candidate's working day (Tue–Thu 13:00–17:00, Asia/Seoul)" in intro
    assert submit(sb, REC, {}).status == 200
    seoul = ZoneInfo("Asia/Seoul")
    with sb.db.read() as session:
        starts = [r.starts_at for r in session.exec(select(Round)).all() if r.starts_at]
    assert starts
    for start in starts:
        local = start.astimezone(seoul)
        assert local.weekday() in (1, 2, 3) and 13 <= local.hour < 17, local
    # Moved by hand to a Monday morning: it goes ahead, and the confirmation says it is outside
    # the candidate's hours, the ones given in step 1.
    with sb.db.read() as session:
        short_id = session.exec(select(Loop.short_id)).one()
    # The card (in the channel, and for /loop show) keeps saying whose hours the times respect.
    kept = "Candidate's time zone: Asia/Seoul, their interview hours Tue–Thu 13:00–17:00 · "
    _, card = wait_for(lambda: card_in_channel(sb, short_id))
    assert kept in json.dumps(card.blocks, ensure_ascii=False)
    assert kept in said(sb, HM, f"show {short_id}")
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=seoul)
    sb.emulator.close_view(uid(sb, REC))
    assert reschedule_by_modal(sb, REC, short_id, 2, monday).status == 200
    told = wait_for(lambda: [t for t in dm_texts(sb, REC) if t.startswith("Moved 2.")])
    assert (
        "Note: that is Mon 07 Dec 10:00 Asia/Seoul for Juyoung Park (the candidate), outside "
        "their interview hours (Tue–Thu 13:00–17:00 Asia/Seoul)." in told[0]
    )


def test_the_default_hours_are_said_and_unreadable_hours_are_refused(sb: Sandbox) -> None:
    open_create(sb)
    step1 = json.dumps(top_view(sb, REC), ensure_ascii=False)
    assert "Left empty: Mon–Fri 09:00–17:30." in step1
    reply = submit(sb, REC, step_one_answers(sb, **{"Candidate's working hours": "9 to 5"}))
    assert reply.json == {
        "response_action": "errors",
        "errors": {"candidate_hours": "Write days and hours like 'Mon-Fri 09:00-17:30'."},
    }
    reply = submit(sb, REC, step_one_answers(sb))
    intro = json.dumps(reply.json["view"]["blocks"][0], ensure_ascii=False)
    assert "inside the candidate's working day (Mon–Fri 09:00–17:30, Asia/Seoul)" in intro
    # None given: the card names the zone only (the default is the deployment's, not theirs).
    assert submit(sb, REC, {}).status == 200
    with sb.db.read() as session:
        short_id = session.exec(select(Loop.short_id)).one()
    _, card = wait_for(lambda: card_in_channel(sb, short_id))
    assert "Candidate's time zone: Asia/Seoul · created by" in json.dumps(
        card.blocks, ensure_ascii=False
    )


def test_the_time_zone_choices_give_each_zone_s_offset_on_the_days_proposed(sb: Sandbox) -> None:
    """The same zone reads -08:00 for a loop proposed in winter and -07:00 in summer, however
    many modals came before it in the same process."""

    def los_angeles(view: dict) -> str:
        (label,) = re.findall(r'"(Los Angeles \(UTC[^)]*\))"', json.dumps(view["blocks"]))
        return label

    winter = los_angeles(open_create(sb))
    sb.slack.close(REC, top_view(sb, REC))
    sb.emulator.close_view(uid(sb, REC))
    sb.now = datetime(2027, 7, 5, 9, tzinfo=ZoneInfo("UTC"))
    summer = los_angeles(open_create(sb))

    assert (winter, summer) == ("Los Angeles (UTC-08:00)", "Los Angeles (UTC-07:00)")


def test_loopbot_working_hours_are_the_days_and_hours_step_two_proposes_in() -> None:
    """LOOPBOT_WORKING_HOURS=Tue-Thu 10:00-16:00: for people who set none of their own and a
    candidate whose hours step 1 leaves empty, every round proposed falls on a Tuesday to
    Thursday inside those hours, in the interviewer's zone and the candidate's, and step 2
    says the hours in force."""
    from handlers import create_app
    from handlers.http import make_wsgi_app

    hours = {"loopbot_working_hours": "Tue-Thu 10:00-16:00"}
    with Sandbox(create_app, make_wsgi_app, settings=hours) as sb:
        sb.now = MONDAY
        open_create(sb)
        step2 = submit(sb, REC, step_one_answers(sb, **{"Candidate's time zone": "Europe/London"}))
        assert step2.json and step2.json.get("response_action") == "update", step2.body_text
        shown = json.dumps(step2.json["view"], ensure_ascii=False)
        fields = {
            b["block_id"]: b["element"].get("initial_date_time") or b["element"].get("initial_user")
            for b in step2.json["view"]["blocks"]
            if b.get("block_id", "").startswith("round:")
        }
        booked = 0
        for n in range(2, 7):
            at, who = fields.get(f"round:{n}:time"), fields.get(f"round:{n}:owner")
            if not (at and who):
                continue
            booked += 1
            for zone in (sb.emulator.workspace.user(who).tz, "Europe/London"):
                start = datetime.fromtimestamp(at, ZoneInfo(zone))
                end = start + timedelta(hours=1)
                assert start.strftime("%a") in ("Tue", "Wed", "Thu"), (n, zone, start)
                assert start.hour >= 10 and (end.hour, end.minute) <= (16, 0), (n, zone, start)
    assert booked >= 3
    assert "(Tue–Thu 10:00–16:00, Europe/London)" in shown


@pytest.mark.parametrize("optional", [False, True])
def test_optional_roles_in_the_loop_document_may_be_left_empty_in_step_one(
    tmp_path, seeds, optional: bool
) -> None:
    """`optional_roles: [IL]`: step 1 marks the interview lead optional and goes on without one;
    without it the field must be filled."""
    import shutil

    from bot.emulator.forms import FormError
    from handlers import create_app
    from handlers.http import make_wsgi_app

    docs = tmp_path / "docs"
    shutil.copytree(seeds, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    if optional:
        loop.write_text(
            loop.read_text().replace("version: 1\n", "version: 1\noptional_roles: [IL]\n")
        )
    with Sandbox(create_app, make_wsgi_app, docs=docs) as sb:
        sb.now = MONDAY
        form = open_create(sb)
        field = next(b for b in form["blocks"] if b.get("block_id") == "role:IL")
        assert field.get("optional", False) is optional
        answers = step_one_answers(sb, **{"Interview Lead or bar raiser (IL)": None})
        if not optional:  # Slack itself holds the form back
            with pytest.raises(FormError, match="is required"):
                submit(sb, REC, answers)
            return
        reply = submit(sb, REC, answers)
        assert reply.json and reply.json.get("response_action") == "update", reply.body_text
        created = submit(sb, REC, {})  # step 2 as proposed: the loop runs without a lead
        assert created.json and "Loop `" in json.dumps(created.json.get("view")), created.body_text
