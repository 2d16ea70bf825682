"""Panels: a round whose round type asks for two interviewers and an observer.

The shipped loop's round 2 is given `Type: Pairing Exercise` (the catalogue: "two engineers
on the team", and "a third engineer in the room as an observer"). Two interviewers write
scorecards, and both gate the debrief; the observer gets the guide and no scorecard."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text
from bot.loops.queries import assignments_of
from bot.sandbox import Sandbox
from bot.settings import SEEDS_DIR
from bot.store.models import Loop, Round
from tests.e2e.helpers import (
    MONDAY,
    card_in_channel,
    create_loop,
    members_of_loop_channel,
    open_create,
    said,
    step_one_answers,
    submit,
    top_view,
    uid,
    wait_for,
)
from tests.e2e.test_debrief import submit as submit_scorecard
from tests.e2e.test_debrief import summaries
from tests.e2e.test_visibility import _read_modal

TEAM = [
    ("ines.lis", "Inês Sousa", "Europe/Lisbon"),
    ("tom.ldn", "Tom Hughes", "Europe/London"),
    ("carla.lis", "Carla Mendes", "Europe/Lisbon"),
    ("sam.ldn", "Sam Patel", "Europe/London"),
]
POOL = [handle for handle, _, _ in TEAM]


def _docs(tmp_path: Path, pinned: list[str] | None = None) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text()
    heading = "### 2. Live AI Pairing\n"
    loop.write_text(text.replace(heading, heading + "Type: Pairing Exercise\n", 1))
    if pinned:
        kind = docs / "round_types" / "pairing-exercise.md"
        people = ", ".join(pinned)
        kind.write_text(
            kind.read_text().replace(
                "duration_minutes: 60\n",
                f"duration_minutes: 60\npanel:\n  ai-first-engineering: [{people}]\n",
                1,
            )
        )
    return docs


def _sandbox(docs: Path) -> Sandbox:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    sb = Sandbox(create_app, make_wsgi_app, docs=docs)
    for i, (handle, name, tz) in enumerate(TEAM):
        sb.emulator.workspace.add_user(handle, name, f"{handle}@example.com", tz, id=f"U0TM0000{i}")
    return sb


@pytest.fixture
def panel_sb(tmp_path: Path) -> Iterator[Sandbox]:
    with _sandbox(_docs(tmp_path)) as sb:
        sb.now = MONDAY
        yield sb
        assert not sb.emulator.violations


def _step2(sb: Sandbox) -> dict:
    """Step 1 answered for a candidate in London with the four Europeans as the pool."""
    open_create(sb)
    answers = step_one_answers(
        sb,
        **{
            "Candidate's time zone": "Europe/London",
            "Panel Interviewer (PI) pool": [uid(sb, p) for p in POOL],
        },
    )
    view = top_view(sb, "oliver.rec")
    first = sb.slack.submit(
        "oliver.rec", view, ModalForm(view, sb.emulator.workspace).fill(answers)
    )
    assert first.json and first.json.get("response_action") == "update", first.body_text
    return first.json["view"]


def _create(sb: Sandbox) -> str:
    _step2(sb)
    second = submit(sb, "oliver.rec", {})
    assert second.json and second.json.get("response_action") == "update", second.body_text
    short_id = json.dumps(second.json["view"]["blocks"]).split("Loop `", 1)[1].split("`", 1)[0]
    sb.emulator.close_view(uid(sb, "oliver.rec"))
    wait_for(lambda: card_in_channel(sb, short_id))
    return short_id


def _people(sb: Sandbox, short_id: str, number: int) -> tuple[list[str], list[str]]:
    """(interviewers, observers) of a round, as handles."""
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rnd = session.exec(
            select(Round).where(Round.loop_id == loop.id, Round.number == number)
        ).one()
        rows = [
            a for a in assignments_of(session, loop) if a.round_id == rnd.id
        ]  # in their seats' order, the lead first
    name = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    return (
        [name[a.user_id] for a in rows if a.letter == "R"],
        [name[a.user_id] for a in rows if a.letter == "O"],
    )


def _dms(sb: Sandbox, handle: str) -> list:
    return list(sb.emulator.dms_to(uid(sb, handle)))


def _buttons(message) -> set[str]:
    return {
        e["action_id"]
        for b in message.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def _score(sb: Sandbox, short_id: str, number: int, who: str, recommendation: str) -> None:
    submit_scorecard(
        sb, short_id, number, recommendation, f"Round {number} evidence from {who}.", who=who
    )


def test_step_two_shows_the_panel_and_its_observer(panel_sb: Sandbox) -> None:
    view = _step2(panel_sb)
    text = "\n".join(blocks_as_text(view["blocks"]))
    line = next(t for t in text.splitlines() if "*Panel:*" in t)
    assert "(lead)" in line and "each interviews and writes a scorecard" in line
    assert "*Observer:*" in line and "gets the guide, writes no scorecard." in line
    mentioned = {u for u in POOL if f"@{uid(panel_sb, u)}" in line}
    assert len(mentioned) == 3  # two interviewers and an observer, three different people
    # Everyone but the lead (whose time is on the line above) sees when it is for them.
    zones = {handle: tz for handle, _, tz in TEAM}
    for handle in mentioned:
        if f"@{uid(panel_sb, handle)} (lead)" not in line:
            assert f"@{uid(panel_sb, handle)} (" in line and zones[handle] + ")" in line


def test_step_two_says_when_the_time_holds_fewer_than_the_round_type_asks_for(
    panel_sb: Sandbox,
) -> None:
    """Two of the pool work mornings, two afternoons: no hour holds the pairing's two
    interviewers and observer, and step 2 says what the round type asks for and what the time
    has, instead of booking a smaller panel unannounced."""
    from bot.loops.hours import parse_hours, save_hours

    sb = panel_sb
    with sb.db.session() as session:
        for handle, hours in (
            ("ines.lis", "Mon-Fri 09:00-12:00"),
            ("tom.ldn", "Mon-Fri 09:00-12:00"),
            ("carla.lis", "Mon-Fri 13:00-17:00"),
            ("sam.ldn", "Mon-Fri 13:00-17:00"),
        ):
            save_hours(session, uid(sb, handle), parse_hours(hours), now=sb.now)
    view = _step2(sb)
    line = next(t for t in blocks_as_text(view["blocks"]) if "*Panel:*" in t)
    assert (
        "The round type asks for 2 interviewers and an observer; this time has 2 interviewers "
        "and no observer."
    ) in line
    assert "*Observer:*" not in line


def _description(content: bytes | str) -> str:
    """An invite's DESCRIPTION, unfolded."""
    from icalendar import Calendar

    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return str(event["DESCRIPTION"]) + str(event["SUMMARY"])


def test_two_scorecards_gate_the_debrief_and_the_observer_writes_none(
    panel_sb: Sandbox,
) -> None:
    sb = panel_sb
    short_id = _create(sb)
    interviewers, observers = _people(sb, short_id, 2)
    assert len(interviewers) == 2 and len(observers) == 1
    (observer,) = observers
    assert observer not in interviewers

    # Booked together: one time, and nobody else of theirs overlaps it.
    sb.dispatch()
    assigned = next(t for t in map(_text, _dms(sb, observer)) if "You're observing" in t)
    assert "2. Live AI Pairing" in assigned and "You write no scorecard" in assigned
    assert all(f"@{uid(sb, p)}" in assigned for p in interviewers)
    # In the room: the observer's calendar invite for the round, as the interviewers get.
    invites = [c for n, c in sb.emulator.files_to(uid(sb, observer)) if n.endswith(".ics")]
    assert any("Live AI Pairing" in (c if isinstance(c, str) else c.decode()) for c in invites)
    # It says where the guide is, and no scorecard (theirs is none); an interviewer's says how.
    (mine,) = [_description(c) for c in invites if "Live AI Pairing" in _description(c)]
    assert "Round guide: in your DM with loopbot" in mine and "Scorecard" not in mine
    theirs = [
        _description(c)
        for n, c in sb.emulator.files_to(uid(sb, interviewers[0]))
        if n.endswith(".ics") and "Live AI Pairing" in _description(c)
    ]
    assert (
        theirs
        and f"Scorecard: the button under the guide, or /loop scorecard {short_id} 2."
        in (theirs[0])
    )
    notice = next(m for m in _dms(sb, observer) if "You're observing" in _text(m))
    assert "round_decline" not in _buttons(notice)  # no "Can't make it": nothing to replace
    for person in interviewers:
        told = next(t for t in map(_text, _dms(sb, person)) if "2. Live AI Pairing" in t)
        assert "You're interviewing" in told and f"@{uid(sb, observer)} observes" in told

    # App Home lists the round for the observer, with its guide and no "Can't make it".
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, observer), "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(uid(sb, observer)))
    listed = [b for b in home["blocks"] if "*2. Live AI Pairing*" in json.dumps(b)]
    assert listed and listed[0]["accessory"]["action_id"] == "home_open_guide"
    assert f"{short_id}:2" not in json.dumps([b for b in home["blocks"] if b["type"] == "actions"])

    # The guide reaches the observer, without a scorecard button.
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        start = session.exec(
            select(Round.starts_at).where(Round.loop_id == loop.id, Round.number == 2)
        ).one()
    assert start is not None
    sb.dispatch(start - timedelta(minutes=30))
    guide = next(m for m in _dms(sb, observer) if "Round guide: Live AI Pairing" in (m.text or ""))
    guide_text = "\n".join(_text(m) for m in _dms(sb, observer) if m.text == guide.text)
    assert "You observe: no scorecard from you." in guide_text
    assert not {b for m in _dms(sb, observer) if m.text == guide.text for b in _buttons(m)}
    for person in interviewers:
        theirs = {b for m in _dms(sb, person) if m.text == guide.text for b in _buttons(m)}
        assert {"scorecard_open", "round_decline"} <= theirs
    # The heads-up 15 minutes before: every interviewer of the panel and the observer.
    sb.dispatch(start - timedelta(minutes=15))
    heads_up = "*2. Live AI Pairing* with *Juyoung Park* at "
    for person in (*interviewers, observer):
        assert [t for t in map(_text, _dms(sb, person)) if t.startswith("In ") and heads_up in t]

    # After the interview: due reminders for the interviewers, none for the observer.
    sb.dispatch(start + timedelta(hours=3))
    due = "*2. Live AI Pairing* with *Juyoung Park* has ended"
    assert not [t for t in map(_text, _dms(sb, observer)) if due in t]
    for person in interviewers:
        assert [t for t in map(_text, _dms(sb, person)) if due in t]
    refused = sb.slack.command(observer, "/loop", f"scorecard {short_id} 2")
    assert "Only the interviewer of round 2" in json.dumps(
        refused.json or wait_for(lambda: sb.emulator.all_responses()[-1:])
    )

    # The observer only observes: a round of theirs elsewhere goes to someone else.
    for number in (1, 3, 4, 5, 6):
        if observer in _people(sb, short_id, number)[0]:
            others = [p for p in POOL if p not in (observer, *interviewers)]
            assert any(
                "now runs" in said(sb, "oliver.rec", f"swap {short_id} {number} <@{uid(sb, p)}>")
                for p in others
            )
    # Every other round in, and one of the panel: no debrief yet.
    for number in (1, 3, 4, 5, 6):
        owners, _ = _people(sb, short_id, number)
        assert len(owners) == 1, (number, owners, _people(sb, short_id, 2))
        (owner,) = owners
        _score(sb, short_id, number, owner, "Hire")
    _score(sb, short_id, 2, interviewers[0], "Hire")
    assert summaries(sb, short_id) == []
    # Days on, the hiring manager's late-scorecards message names the co-panelist only.
    sb.dispatch(start + timedelta(days=3))
    late = [t for t in map(_text, _dms(sb, "maya.hm")) if "late for *Juyoung Park*" in t]
    assert late and "*2. Live AI Pairing*" in late[-1]
    assert uid(sb, interviewers[1]) in late[-1] and uid(sb, interviewers[0]) not in late[-1]
    assert uid(sb, observer) not in late[-1]
    # Each owes their own: the reminders stop for the one whose scorecard is in, not the other.
    missing = "Your scorecard for *2. Live AI Pairing* with *Juyoung Park* is still missing"
    nudged = {p: [t for t in map(_text, _dms(sb, p)) if missing in t] for p in interviewers}
    assert nudged[interviewers[1]] and not nudged[interviewers[0]]
    # Blind until one's own is in: the co-panelist reads no content of the first scorecard.
    first = f"Round 2 evidence from {interviewers[0]}."
    assert first in _read_modal(sb, interviewers[0], short_id)
    assert first not in _read_modal(sb, interviewers[1], short_id)
    _score(sb, short_id, 2, interviewers[1], "No Hire")
    (summary,) = wait_for(lambda: summaries(sb, short_id))
    text = "\n".join(blocks_as_text(summary.blocks))
    assert "*2. Live AI Pairing* · a panel of 2, side by side" in text
    for person in interviewers:
        assert f"Round 2 evidence from {person}." in text
    side = next(b for b in summary.blocks if "side by side" in json.dumps(b))
    assert len(side["fields"]) == 2
    # The observer wrote none, so reads none: every scorecard in, still no one's content.
    seen = _read_modal(sb, observer, short_id)
    assert "evidence from" not in seen and observer not in members_of_loop_channel(sb, short_id)


def test_an_observer_who_interviews_another_round_reads_scorecards_once_theirs_is_in(
    panel_sb: Sandbox,
) -> None:
    """The observer of the pairing also runs a round of their own: once that scorecard is in
    they read the others' as any interviewer does; observing alone never lets them."""
    sb = panel_sb
    short_id = _create(sb)
    interviewers, (observer,) = _people(sb, short_id, 2)
    own = next((n for n in (3, 4, 5, 6) if observer in _people(sb, short_id, n)[0]), None)
    if own is None:  # give them one
        own = 3
        answer = said(sb, "oliver.rec", f"swap {short_id} {own} <@{uid(sb, observer)}>")
        assert "now runs" in answer, answer
    _score(sb, short_id, 2, interviewers[0], "Hire")
    evidence = f"Round 2 evidence from {interviewers[0]}."
    assert evidence not in _read_modal(sb, observer, short_id)  # observing reads nothing
    _score(sb, short_id, own, observer, "Hire")
    assert evidence in _read_modal(sb, observer, short_id)


def _text(message) -> str:
    return "\n".join(blocks_as_text(message.blocks or [])) or (message.text or "")


def test_a_pinned_panel_is_used_and_step_two_names_a_pinned_member_who_is_not_free(
    tmp_path: Path,
) -> None:
    # Carla and Sam are pinned to the pairing; Diego too, but his Los Angeles day never
    # overlaps the London candidate's by an hour.
    pinned = ["U0TM00002", "U0PN00001", "U0TM00003"]
    with _sandbox(_docs(tmp_path, pinned)) as sb:
        sb.now = MONDAY
        view = _step2(sb)
        text = "\n".join(blocks_as_text(view["blocks"]))
        line = next(t for t in text.splitlines() if "*Panel:*" in t)
        assert "Pinned to this round but not free then: @U0PN00001." in line
        lead = line.split("*Panel:* ", 1)[1].split(" (lead)", 1)[0]
        assert lead == "@U0TM00002"  # the first pinned interviewer leads
        assert (
            "*Observer:* @U0TM00003 (" in line
            and "London): gets the guide, writes no scorecard." in line
        )
        sb.emulator.close_view(uid(sb, "oliver.rec"))
        short_id = _create(sb)
        interviewers, observers = _people(sb, short_id, 2)
        assert interviewers[0] == "carla.lis" and observers == ["sam.ldn"]
        assert "diego.la" not in interviewers


def test_one_panel_member_who_cant_make_it_is_replaced_alone(tmp_path: Path) -> None:
    extra = [(f"extra{i}.ldn", f"Extra {i}", "Europe/London") for i in range(6)]
    with _sandbox(_docs(tmp_path)) as sb:
        for i, (handle, name, tz) in enumerate(extra):
            sb.emulator.workspace.add_user(
                handle, name, f"{handle}@example.com", tz, id=f"U0EXT{i}"
            )
        sb.now = MONDAY
        open_create(sb)
        pool = [*POOL, *(h for h, _, _ in extra)]
        answers = step_one_answers(
            sb,
            **{
                "Candidate's time zone": "Europe/London",
                "First interview day": "2026-12-01",
                "Panel Interviewer (PI) pool": [uid(sb, p) for p in pool],
            },
        )
        assert submit(sb, "oliver.rec", answers).json["response_action"] == "update"
        second = submit(sb, "oliver.rec", {})
        short_id = json.dumps(second.json["view"]["blocks"]).split("Loop `", 1)[1][:5]
        sb.emulator.close_view(uid(sb, "oliver.rec"))
        sb.dispatch()
        (staying, leaving), observers = _people(sb, short_id, 2)
        notice = next(
            m
            for m in reversed(_dms(sb, leaving))
            if "round_decline" in _buttons(m) and "2. Live AI Pairing" in _text(m)
        )
        sb.slack.click(leaving, "round_decline", message=notice)
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, leaving)))[-1]
        values = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": "A clash."})
        assert sb.slack.submit(leaving, modal, values).status == 200
        asked = wait_for(
            lambda: next(
                (h for h in pool if any("replacement_accept" in _buttons(m) for m in _dms(sb, h))),
                None,
            )
        )
        assert asked and asked not in (staying, leaving, *observers)
        question = next(m for m in _dms(sb, asked) if "replacement_accept" in _buttons(m))
        assert sb.slack.click(asked, "replacement_accept", message=question).status == 200
        now = wait_for(
            lambda: _people(sb, short_id, 2) if asked in _people(sb, short_id, 2)[0] else None
        )
        assert now == ([staying, asked], observers)  # the others keep their seats


def test_step_two_refuses_a_panel_member_already_interviewing_then(panel_sb: Sandbox) -> None:
    """Every member of a panel is checked, not only its lead: the second loop's pairing moved
    onto the first's, with a free lead, is refused for the member interviewing in the first."""
    sb = panel_sb
    first = _create(sb)
    (interviewers, _) = _people(sb, first, 2)
    with sb.db.read() as session:
        taken = session.exec(select(Round.starts_at).where(Round.number == 2)).one()
    assert taken is not None
    view = _step2(sb)
    line = next(t for t in blocks_as_text(view["blocks"]) if "*Panel:*" in t)
    member = line.split("(lead), @", 1)[1].split(" ", 1)[0]
    assert member in {uid(sb, h) for h in interviewers}  # also on the first loop's panel
    free = next(h for h in POOL if f"@{uid(sb, h)}" not in line)
    reply = submit(
        sb,
        "oliver.rec",
        {"round:2:time": int(taken.timestamp()), "Lead interviewer (Responsible)": uid(sb, free)},
    )
    assert reply.json == {
        "response_action": "errors",
        "errors": {"round:2:owner": f"<@{member}> is already interviewing then, in another loop."},
    }
    with sb.db.read() as session:
        assert len(session.exec(select(Loop)).all()) == 1


def test_a_panel_member_picked_as_lead_in_step_two_trades_seats(panel_sb: Sandbox) -> None:
    sb = panel_sb
    view = _step2(sb)
    line = next(
        t for t in "\n".join(blocks_as_text(view["blocks"])).splitlines() if "*Panel:*" in t
    )
    proposed_lead = line.split("*Panel:* @", 1)[1].split(" ", 1)[0]
    other = line.split("(lead), @", 1)[1].split(" ", 1)[0].rstrip(":")
    second = submit(sb, "oliver.rec", {"Lead interviewer (Responsible)": other})
    assert second.json and second.json.get("response_action") == "update", second.body_text
    short_id = json.dumps(second.json["view"]["blocks"]).split("Loop `", 1)[1][:5]
    interviewers, _ = _people(sb, short_id, 2)
    name = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    assert interviewers == [name[other], name[proposed_lead]]  # the new lead first


def test_a_swap_names_whose_seat_on_a_panel(panel_sb: Sandbox) -> None:
    sb = panel_sb
    short_id = _create(sb)
    sb.dispatch()  # everyone hears of their seat
    (lead, other), observers = _people(sb, short_id, 2)
    spare = "nina.ldn"  # someone with nothing else then
    sb.emulator.workspace.add_user(spare, "Nina Shah", "nina@example.com", "Europe/London")
    observer = observers[0]
    nobody = said(
        sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, spare)}> <@{uid(sb, 'maya.hm')}>"
    )
    assert f"<@{uid(sb, 'maya.hm')}> is not in 2. Live AI Pairing." in nobody
    answer = said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, spare)}> <@{uid(sb, other)}>")
    assert f"<@{uid(sb, spare)}> now runs 2. Live AI Pairing" in answer
    assert _people(sb, short_id, 2) == ([lead, spare], observers)  # the lead keeps the seat
    sb.dispatch()
    for stays in (lead, *observers):  # the rest of the panel is not told it was given the round
        given = [t for t in map(_text, _dms(sb, stays)) if "2. Live AI Pairing" in t]
        assert len([t for t in given if "You're interviewing" in t or "You're observing" in t]) == 1
    assert [t for t in map(_text, _dms(sb, spare)) if "You're interviewing" in t]
    # The one who left hears who took their seat, not who leads the round.
    (left,) = [t for t in map(_text, _dms(sb, other)) if t.startswith("You no longer")]
    assert left.startswith(
        f"You no longer run *2. Live AI Pairing* for *Juyoung Park* (loop `{short_id}`)"
    )
    assert f"; @{uid(sb, spare)} does, a change @" in left

    # An observer's seat is handed on as an observer's: no scorecard, the guide, told so.
    watcher = "omar.ldn"
    sb.emulator.workspace.add_user(watcher, "Omar Aziz", "omar@example.com", "Europe/London")
    # This time from the card's modal, naming the observer as the one replaced.
    _, card = card_in_channel(sb, short_id)
    sb.slack.click("oliver.rec", "loop_card_swap", short_id, message=card)
    rec = uid(sb, "oliver.rec")
    modal = wait_for(lambda: sb.emulator.open_views(rec) and top_view(sb, "oliver.rec"))
    picked = {
        "Round": "2",
        "New interviewer or observer": uid(sb, watcher),
        "Replacing (an interviewer or observer; the lead when empty)": uid(sb, observer),
    }
    values = ModalForm(modal, sb.emulator.workspace).fill(picked)
    assert sb.slack.submit("oliver.rec", modal, values).status == 200
    confirmed = f"<@{uid(sb, watcher)}> now observes 2. Live AI Pairing of loop `{short_id}`."
    assert wait_for(lambda: [m for m in _dms(sb, "oliver.rec") if m.text == confirmed])
    assert _people(sb, short_id, 2) == ([lead, spare], [watcher])
    sb.dispatch()
    (gone,) = [t for t in map(_text, _dms(sb, observer)) if t.startswith("You no longer")]
    assert gone.startswith("You no longer observe *2. Live AI Pairing*")
    assert f"; @{uid(sb, watcher)} does, a change @" in gone
    (told,) = [t for t in map(_text, _dms(sb, watcher)) if "\nYou're observing" in t]
    assert told.startswith(f"You take over from @{uid(sb, observer)}, a change @")
    assert "2. Live AI Pairing" in told and "You write no scorecard" in told
    assert not [t for t in map(_text, _dms(sb, watcher)) if "You're interviewing" in t]
    changed = [t for t in map(_text, _dms(sb, "maya.hm")) if "changed:" in t][-1]
    assert f"@{uid(sb, watcher)} now observes *2. Live AI Pairing* instead of " in changed


def test_the_lead_s_seat_given_to_someone_else_makes_them_the_lead(panel_sb: Sandbox) -> None:
    """A swap naming nobody gives the lead's seat away, and the newcomer leads: the next swap
    naming nobody replaces them, not the other interviewer; the panel lists them first."""
    sb = panel_sb
    short_id = _create(sb)
    (lead, other), _ = _people(sb, short_id, 2)
    for handle, name in (("nina.ldn", "Nina Shah"), ("omar.ldn", "Omar Aziz")):
        sb.emulator.workspace.add_user(handle, name, f"{handle}@example.com", "Europe/London")
    said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, 'nina.ldn')}>")
    assert _people(sb, short_id, 2)[0] == ["nina.ldn", other]
    sb.dispatch()
    (given,) = [t for t in map(_text, _dms(sb, "nina.ldn")) if "You're interviewing" in t]
    assert f"*Panel:* @{uid(sb, 'nina.ldn')} (lead), @{uid(sb, other)} interview," in given
    said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, 'omar.ldn')}>")
    assert _people(sb, short_id, 2)[0] == ["omar.ldn", other]

    # Two seats change hands before anyone is told: each one who left hears who took theirs.
    sb.emulator.workspace.add_user("ada.ldn", "Ada Byron", "ada@example.com", "Europe/London")
    sb.emulator.workspace.add_user("max.ldn", "Max Weber", "max@example.com", "Europe/London")
    said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, 'ada.ldn')}> <@{uid(sb, other)}>")
    said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, 'max.ldn')}>")
    assert _people(sb, short_id, 2)[0] == ["max.ldn", "ada.ldn"]
    sb.dispatch()
    (left,) = [t for t in map(_text, _dms(sb, other)) if t.startswith("You no longer")]
    assert f"; @{uid(sb, 'ada.ldn')} does, a change @" in left


def test_swapping_one_panel_seat_leaves_the_other_seat_s_question_open(
    panel_sb: Sandbox,
) -> None:
    """One panelist can't make it and a replacement is asked; the recruiter then swaps the
    other panelist's seat: the question about the first seat stays open, buttons and all."""
    from tests.e2e.test_cant_make_it import _dm_with_button, _say_cant_make_it

    sb = panel_sb
    extra = [f"eu{n}.pool" for n in range(1, 7)]  # more of the pool than the loop has seats
    for n, handle in enumerate(extra, start=1):
        sb.emulator.workspace.add_user(
            handle, f"Pool {n}", f"{handle}@example.com", "Europe/Madrid", id=f"U0EU0000{n}"
        )
    pool = [*POOL, *extra]
    short_id = create_loop(
        sb,
        **{
            "Candidate's time zone": "Europe/London",
            "First interview day": "2026-12-01",
            "Panel Interviewer (PI) pool": [uid(sb, p) for p in pool],
        },
    )
    sb.dispatch()
    (leaving, staying), _ = _people(sb, short_id, 2)
    _say_cant_make_it(sb, leaving, 2)

    def asked_now() -> str | None:
        return next(
            (p for p in pool if any((m.text or "").startswith("Can you ") for m in _dms(sb, p))),
            None,
        )

    asked = wait_for(asked_now)
    assert asked, "nobody was asked"
    question = _dm_with_button(sb, asked, "replacement_accept")
    others = [p for p in pool if p not in (leaving, staying, asked)]
    swapped = any(
        "now runs"
        in said(sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, p)}> <@{uid(sb, staying)}>")
        for p in others
    )
    assert swapped
    sb.dispatch()
    now = next(m for m in _dms(sb, asked) if m.ts == question.ts)
    assert "withdrawn" not in (now.text or "")
    assert "replacement_accept" in json.dumps(now.blocks or [])


def test_a_reschedule_moves_the_whole_panel_each_member_checked(panel_sb: Sandbox) -> None:
    sb = panel_sb
    short_id = _create(sb)
    sb.dispatch()
    interviewers, observers = _people(sb, short_id, 2)
    panel = [*interviewers, *observers]
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rounds = {r.number: r for r in session.exec(select(Round).where(Round.loop_id == loop.id))}
    # A member other than the lead who runs another round: moving the panel onto that round's
    # time is refused, naming them (the lead alone is not what is checked).
    clash = next(
        (n, who)
        for n in rounds
        if n != 2 and rounds[n].starts_at is not None
        for who in _people(sb, short_id, n)[0]
        if who in panel[1:]
    )
    number, who = clash
    at = rounds[number].starts_at
    assert at is not None
    answer = said(sb, "oliver.rec", f"reschedule {short_id} 2 {at:%Y-%m-%dT%H:%M+00:00}")
    assert f"<@{uid(sb, who)}> is already interviewing at that time." in answer
    # A free time a week on: the whole panel moves, and each of them hears it.
    start = rounds[2].starts_at
    assert start is not None
    later = start + timedelta(days=7)
    moved = said(sb, "oliver.rec", f"reschedule {short_id} 2 {later:%Y-%m-%dT%H:%M+00:00}")
    assert "Moved 2." in moved
    sb.dispatch()
    for member in panel:
        assert any(
            "moved to" in _text(m) and "*2. Live AI Pairing*" in _text(m) for m in _dms(sb, member)
        ), member


def test_the_catalogue_s_before_and_during_reach_each_panel_member_s_guide(
    panel_sb: Sandbox,
) -> None:
    """The Pairing Exercise's "Before the interview" (the lead's dry run with the hiring
    manager, choosing the task) and "During the interview" (how the lead pairs, how the observer
    stays out of it) are written for the panel: every guide of the round carries them."""
    sb = panel_sb
    short_id = _create(sb)
    interviewers, observers = _people(sb, short_id, 2)
    with sb.db.read() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rnd = session.exec(select(Round).where(Round.loop_id == loop.id, Round.number == 2)).one()
    assert rnd.starts_at is not None
    sb.dispatch(rnd.starts_at - timedelta(hours=24))
    for member in [*interviewers, *observers]:
        (guide,) = [
            _text(m) for m in _dms(sb, member) if "ROUND GUIDE: LIVE AI PAIRING" in _text(m)
        ]
        assert "they must do a dry run with the hiring manager first" in guide, member
        assert "The observer should be as invisible as possible" in guide, member
        assert "*Before the interview* _(the catalogue)_" in guide
        # Each part on a line of its own: nothing runs into the next heading.
        assert not re.search(r"[.)]\*[A-Z][\w ()]*:\*", guide), guide
    for member in interviewers:
        (assigned,) = [
            _text(m)
            for m in _dms(sb, member)
            if "You're interviewing" in _text(m) and "*2." in _text(m)
        ]
        assert "ends.\n*Panel:*" in assigned, assigned
        # The dry run with the hiring manager needs the week's notice, not the guide's day.
        assert "they must do a dry run with the hiring manager first" in assigned
    # The candidate's side, to forward: how to prepare on a line of its own, in Slack's markup.
    itinerary = next(t for t in map(_text, _dms(sb, "oliver.rec")) if "The itinerary for" in t)
    assert "\n    _How to prepare:_ We ask candidates to spend an hour pairing" in itinerary


def test_an_observer_seat_taken_over_once_the_round_began_promises_no_guide_or_heads_up(
    panel_sb: Sandbox,
) -> None:
    """Mid-interview, the observer's seat goes to someone else: their DM says the round began,
    and promises neither a guide nor a heads-up that will never come."""
    sb = panel_sb
    short_id = _create(sb)
    sb.dispatch()
    _, (observer,) = _people(sb, short_id, 2)
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == 2)).one()
    sb.now = starts + timedelta(minutes=10)
    spare = "nina.ldn"
    sb.emulator.workspace.add_user(spare, "Nina Shah", "nina@example.com", "Europe/London")
    assert "now" in said(
        sb, "oliver.rec", f"swap {short_id} 2 <@{uid(sb, spare)}> <@{uid(sb, observer)}>"
    )
    sb.dispatch()
    (told,) = [
        t for t in map(_text, _dms(sb, spare)) if "2. Live AI Pairing" in t and "observe" in t
    ]
    # Whom they take over from, and who made the change, come first.
    assert told.startswith(f"You take over from @{uid(sb, observer)}, a change @")
    assert "\nYou now observe *2. Live AI Pairing* for *Juyoung Park*, which began" in told
    assert "No round guide or heads-up comes now (App Home opens the guide)." in told
    assert "arrives" not in told and "follows now" not in told
