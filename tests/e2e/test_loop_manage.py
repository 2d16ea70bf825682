"""Managing a loop after it exists: list, show, reschedule, swap, cancel, and who may."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from bot.slack.format import slack_time
from bot.store.models import Assignment, Loop, Reminder, ReminderState, Round
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    PANEL,
    REC,
    XS,
    card_in_channel,
    card_in_dm,
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


@pytest.fixture
def loop_id(sb: Sandbox) -> str:
    short_id = create_loop(sb)
    sb.dispatch()
    return short_id


def _day_before(sb: Sandbox, number: int) -> None:
    """The clock a day before round `number`: its round guide (due 48 h before) has gone."""
    with sb.db.read() as session:
        starts_at = session.exec(select(Round).where(Round.number == number)).one().starts_at
    sb.dispatch(starts_at - timedelta(days=1))


def _owner(sb: Sandbox, short_id: str, number: int) -> str:
    with sb.db.session() as session:
        loop = session.exec(select(Loop).where(Loop.short_id == short_id)).one()
        rnd = session.exec(
            select(Round).where(Round.loop_id == loop.id, Round.number == number)
        ).one()
        return session.exec(
            select(Assignment.user_id).where(
                Assignment.round_id == rnd.id, Assignment.letter == "R", Assignment.active
            )
        ).one()


def _handle(sb: Sandbox, user_id: str) -> str:
    return sb.emulator.workspace.user(user_id).name


def _last_response(sb: Sandbox) -> str:
    return wait_for(lambda: sb.emulator.all_responses() and sb.emulator.all_responses()[-1])["text"]


def test_list_and_show_give_status_only(sb: Sandbox, loop_id: str) -> None:
    listed = said(sb, HM, "list")
    assert f"`{loop_id}`" in listed and "Juyoung Park" in listed and "accountable" in listed
    shown = said(sb, IL, f"show {loop_id.lower()}")
    assert "Live AI Pairing" in shown and "scorecard: pending" in shown
    assert "Asia/Seoul" in shown and "<!date^" in shown
    assert "You're not part of loop" in said(sb, "beatriz.sp", f"show {loop_id}")
    assert "No loop `LZZZZ`" in said(sb, HM, "show LZZZZ")


def test_reschedule_by_command_moves_the_round_and_tells_people(sb: Sandbox, loop_id) -> None:
    owner = _handle(sb, _owner(sb, loop_id, 2))
    with sb.db.read() as session:
        was = session.exec(select(Round).where(Round.number == 2)).one().starts_at
    reply = sb.slack.command(HM, "/loop", f"reschedule {loop_id} 2 2026-12-01 10:00")
    assert reply.status == 200
    assert wait_for(lambda: "Moved 2. Live AI Pairing" in _last_response(sb))
    # The answer quotes the new time, the old one, and the candidate's.
    new = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert (
        f"Moved 2. Live AI Pairing of loop `{loop_id}` to {slack_time(new)} (it was "
        f"{slack_time(was)}): Wed 02 Dec 00:00 Asia/Seoul for the candidate."
    ) in _last_response(sb)
    # 10:00 in New York is midnight in Seoul: outside the candidate's hours (none given in
    # step 1: the default), which the answer says.
    assert (
        "Note: that is Wed 02 Dec 00:00 Asia/Seoul for Juyoung Park (the candidate), outside "
        "their interview hours (Mon–Fri 09:00–17:30 Asia/Seoul)." in _last_response(sb)
    )
    with sb.db.session() as session:
        rnd = session.exec(select(Round).where(Round.number == 2)).one()
    # Maya is in New York: 10:00 there is 15:00 UTC.
    assert rnd.starts_at.isoformat() == "2026-12-01T15:00:00+00:00" and rnd.version == 2
    sb.dispatch()
    (moved_dm,) = [t for t in dm_texts(sb, owner) if "moved to" in t and "Live AI Pairing" in t]
    assert f"(1 h); it was {was:%a %d %b %H:%M} UTC." in moved_dm  # Slack's date, as shown
    assert any("changed" in t for t in dm_texts(sb, REC))
    # The card is refreshed after the answer (work after the acknowledgement).
    moved = str(int(rnd.starts_at.timestamp()))
    assert wait_for(lambda: moved in json.dumps(card_in_channel(sb, loop_id)[1].blocks))


def test_reschedule_from_the_recruiters_copy_of_the_card(sb: Sandbox, loop_id: str) -> None:
    when = MONDAY.replace(day=27, hour=1)
    # The interviewer's time zone is asked afresh, and not inside the change's transaction.
    under_lock = slack_calls_under_the_write_lock(sb.runtime.messenger, sb.runtime.db)
    sb.runtime.messenger._users.clear()
    with sb.db.read() as session:
        was = session.exec(select(Round).where(Round.number == 6)).one().starts_at
    reply = reschedule_by_modal(sb, REC, loop_id, 6, when)
    assert reply.status == 200 and not reply.body_text
    told = wait_for(lambda: [t for t in dm_texts(sb, REC) if t.startswith("Moved 6.")])
    # Moved by hand outside the interviewer's hours: it goes ahead, and the confirmation says so.
    owner = _owner(sb, loop_id, 6)
    tz = sb.emulator.workspace.user(owner).tz
    local = f"{when.astimezone(ZoneInfo(tz)):%a %d %b %H:%M} {tz}"
    with sb.db.read() as session:
        deadline = session.exec(select(Round).where(Round.number == 1)).one().deadline
    assert when < deadline
    seoul = f"{when.astimezone(ZoneInfo('Asia/Seoul')):%a %d %b %H:%M} Asia/Seoul"
    assert told == [
        f"Moved 6. Communication and Execution of loop `{loop_id}` to {slack_time(when)} (it was "
        f"{slack_time(was)}): {seoul} for the candidate. It now comes before *1. Async "
        f"Build*, the submission it builds on, which is due {slack_time(deadline)} and not in yet. "
        f"Note: that is {local} for <@{owner}>, outside their interview hours "
        f"(Mon–Fri 09:00–17:30 {tz})."
    ]
    assert "users.info" in {c.method for c in sb.emulator.calls} and under_lock == []
    inside = datetime(2026, 11, 27, 11, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    reschedule_by_modal(sb, REC, loop_id, 6, inside)
    again = wait_for(lambda: [t for t in dm_texts(sb, REC) if t.startswith("Moved 6.")][1:])
    # Inside their hours now; still ahead of the submission.
    seoul = f"{inside.astimezone(ZoneInfo('Asia/Seoul')):%a %d %b %H:%M} Asia/Seoul"
    assert again == [
        f"Moved 6. Communication and Execution of loop `{loop_id}` to {slack_time(inside)} (it "
        f"was {slack_time(when)}): {seoul} for the candidate. It now comes before *1. Async "
        f"Build*, the submission it builds on, which is due {slack_time(deadline)} and not in yet."
    ]
    was, when = when, inside
    with sb.db.read() as session:
        rnd = session.exec(select(Round).where(Round.number == 6)).one()
    assert rnd.starts_at == when and rnd.version == 3
    # The hiring manager and the interview lead are told what changed, from and to.
    sb.dispatch()
    for handle in (HM, IL):
        changed = [t for t in dm_texts(sb, handle) if f"Loop `{loop_id}`" in t and "changed" in t]
        assert changed, handle
        utc = "%a %d %b %H:%M UTC"  # as a reader in UTC sees the date tokens
        assert (
            f"changed: *6. Communication and Execution* moved to {when.strftime(utc)} "
            f"(was {was.strftime(utc)})." in changed[-1]
        )
    # Both copies of the card show the new time.
    stamp = f"<!date^{int(when.timestamp())}^"
    assert wait_for(lambda: stamp in json.dumps(card_in_channel(sb, loop_id)[1].blocks))
    assert wait_for(lambda: stamp in json.dumps(card_in_dm(sb, REC, loop_id).blocks))


def test_a_reschedule_does_not_send_the_guide_again(sb: Sandbox, loop_id: str) -> None:
    who = _handle(sb, _owner(sb, loop_id, 3))
    guides = lambda: [t for t in dm_texts(sb, who) if "ROUND GUIDE: PRODUCTION ENGINEERING" in t]  # noqa: E731
    _day_before(sb, 3)
    assert len(guides()) == 1
    with sb.db.read() as session:
        was = session.exec(select(Round).where(Round.number == 3)).one().starts_at
    # A day later: still within 48 hours, so a guide planned again would go out at once.
    reply = reschedule_by_modal(sb, REC, loop_id, 3, was + timedelta(days=1))
    assert reply.status == 200 and not reply.body_text, reply.body_text
    assert wait_for(lambda: any(t.startswith("Moved 3.") for t in dm_texts(sb, REC)))
    sb.dispatch()
    # The interviewer is told of the move, and that is all: the guide they have stands.
    moved = [t for t in dm_texts(sb, who) if "3. Production Engineering" in t and "moved to" in t]
    assert moved and "round guide" not in moved[-1]  # nothing new to wait for
    assert len(guides()) == 1


def test_a_round_moved_into_its_guide_s_lead_time_says_the_guide_follows_now(
    sb: Sandbox, loop_id: str
) -> None:
    """Round 4, its guide not yet sent, moved to start within a day: the move's DM says the
    guide follows now, and it does, after the DM."""
    who = _handle(sb, _owner(sb, loop_id, 4))
    soon = sb.now + timedelta(hours=20)
    assert "Moved 4." in said(sb, REC, f"reschedule {loop_id} 4 {soon:%Y-%m-%dT%H:%M+00:00}")
    sb.dispatch()
    texts = dm_texts(sb, who)
    at = next(
        i for i, t in enumerate(texts) if "*4. Evals and Data Quality*" in t and "moved to" in t
    )
    assert (
        "Your round guide follows now (it goes 24 h before the interview), and a heads-up"
        in (texts[at])
    )
    assert any(t.startswith("ROUND GUIDE: EVALS AND DATA QUALITY") for t in texts[at + 1 :])


def test_swap_from_the_card_retargets_the_round(sb: Sandbox, loop_id: str) -> None:
    old = _owner(sb, loop_id, 3)
    new = next(uid(sb, p) for p in PANEL if uid(sb, p) != old)
    _day_before(sb, 3)
    _, card = card_in_channel(sb, loop_id)
    sb.slack.click(REC, "loop_card_swap", loop_id, message=card)
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, REC)) and top_view(sb, REC))
    values = ModalForm(modal, sb.emulator.workspace).fill(
        {"Round": "3", "New interviewer or observer": new}
    )
    assert sb.slack.submit(REC, modal, values).status == 200
    assert wait_for(lambda: _owner(sb, loop_id, 3) == new)
    sb.dispatch()
    # The interviewer swapped out is told who took over.
    assert any(
        "You no longer run *3. Production Engineering*" in t and f"; @{new} does, a change" in t
        for t in dm_texts(sb, _handle(sb, old))
    )
    assert any(
        "You're interviewing" in t and "Production Engineering" in t
        for t in dm_texts(sb, _handle(sb, new))
    )
    # The hiring manager reads who took the round over from whom.
    told = [t for t in dm_texts(sb, HM) if f"Loop `{loop_id}`" in t and "changed" in t]
    assert f"changed: @{new} now runs *3. Production Engineering* instead of @{old}." in told[-1]
    # The interview is within a day: the new interviewer gets the round guide at once.
    assert any("ROUND GUIDE: PRODUCTION ENGINEERING" in t for t in dm_texts(sb, _handle(sb, new)))
    with sb.db.session() as session:
        rnd = session.exec(select(Round).where(Round.number == 3)).one()
        left = session.exec(
            select(Reminder).where(
                Reminder.round_id == rnd.id,
                Reminder.round_version == 1,
                Reminder.state == ReminderState.PENDING,
            )
        ).all()
    assert left == []


def test_the_created_loop_says_who_hears_of_it_only_as_a_finalist(sb: Sandbox) -> None:
    open_create(sb, REC)
    submit(sb, REC, step_one_answers(sb))
    created = json.dumps(submit(sb, REC, {}).json["view"]["blocks"])
    assert (
        "everyone in the loop is being told their part, except the Executive Sponsor, who hears "
        "of it only if the candidate is marked a finalist."
    ) in created
    sb.emulator.close_view(uid(sb, REC))
    sb.dispatch()
    assert dm_texts(sb, HM) and not dm_texts(sb, XS)
    # The card says so too: the sponsor is informed if the candidate becomes a finalist.
    short_id = created.split("Loop `", 1)[1].split("`", 1)[0]
    sponsor = f"<@{uid(sb, XS)}> (if a finalist)"
    _, card = wait_for(lambda: card_in_channel(sb, short_id))  # posted after the answer
    assert sponsor in json.dumps(card.blocks)
    said(sb, HM, f"finalist {short_id}")
    assert wait_for(lambda: sponsor not in json.dumps(card_in_channel(sb, short_id)[1].blocks))
    assert f"<@{uid(sb, XS)}>" in json.dumps(card_in_channel(sb, short_id)[1].blocks)


def test_a_change_made_while_the_card_is_on_its_way_reaches_the_card(sb: Sandbox) -> None:
    """The hiring manager marks the candidate a finalist while Slack is still taking the new
    loop's card: the change finds no card to edit yet, and the card, once Slack has it, is
    edited to show the change (the sponsor no longer waits for a finalist)."""
    sb.emulator.fail_next("chat.postMessage", delay=30)  # the card's post stalls in Slack
    open_create(sb, REC)
    submit(sb, REC, step_one_answers(sb))
    created = json.dumps(submit(sb, REC, {}).json["view"]["blocks"])
    short_id = created.split("Loop `", 1)[1].split("`", 1)[0]
    sb.emulator.close_view(uid(sb, REC))
    assert wait_for(lambda: not sb.emulator.fails_waiting("chat.postMessage"))  # on its way
    followed_up = threading.Event()
    sb.runtime.kick = followed_up.set  # the last thing the finalist's follow-up does
    said(sb, HM, f"finalist {short_id}")
    assert followed_up.wait(8) and card_in_channel(sb, short_id) is None
    sb.emulator.end_delays()
    sponsor = f"<@{uid(sb, XS)}>"
    assert wait_for(
        lambda: (
            (card := card_in_channel(sb, short_id))
            and sponsor in json.dumps(card[1].blocks)
            and "(if a finalist)" not in json.dumps(card[1].blocks)
        )
    )


def test_cancel_stops_reminders_and_tells_everyone(sb: Sandbox, loop_id: str) -> None:
    sb.slack.command(REC, "/loop", f"cancel {loop_id}")
    assert wait_for(lambda: "is cancelled" in _last_response(sb))
    sb.dispatch()
    interviewers = {_handle(sb, _owner(sb, loop_id, n)) for n in range(1, 7)}
    for handle in (HM, IL, REC, *sorted(interviewers)):
        assert any("was cancelled" in t for t in dm_texts(sb, handle)), handle
    # The executive sponsor is informed on finalists only, and was never told of this loop.
    assert not any(loop_id in t for t in dm_texts(sb, XS))
    # The card is updated after the confirmation, as work that follows the acknowledgement.
    assert wait_for(
        lambda: "status: *cancelled*" in json.dumps(card_in_channel(sb, loop_id)[1].blocks)
    )

    def reminders() -> int:  # reminders are DMs
        posts = sb.emulator.calls_to("chat.postMessage")
        return sum(str(c.args.get("channel", "")).startswith(("D", "U")) for c in posts)

    before = reminders()
    assert before > 0  # the cancellation notices themselves were DMs
    sb.dispatch(MONDAY.replace(day=30))
    assert reminders() == before


def test_a_change_whose_answer_slack_refuses_still_updates_the_card_and_answers_by_dm(
    sb: Sandbox, loop_id: str
) -> None:
    """The loop is cancelled either way: with its response URL refused (expired), the card
    still says so and the one who pressed Cancel reads the answer in their DM."""
    channel, card = card_in_channel(sb, loop_id)
    sb.emulator.fail_next("response_url", status=404, error="expired_url")
    sb.slack.click(REC, "loop_card_cancel", loop_id, message=card)
    assert wait_for(
        lambda: "status: *cancelled*" in json.dumps(card_in_channel(sb, loop_id)[1].blocks)
    )
    assert wait_for(lambda: any(f"Loop `{loop_id}` is cancelled" in t for t in dm_texts(sb, REC)))
    assert sb.emulator.fails_waiting("response_url") == 0  # the refused answer was tried first
    with sb.db.read() as session:
        assert session.exec(select(Loop)).one().status == "cancelled"


def test_a_command_whose_answer_slack_refuses_is_answered_by_dm(sb: Sandbox, loop_id: str) -> None:
    """The same for `/loop reschedule`: the round moves, the card shows the new time, and the
    answer reaches the one who typed it in their DM."""
    sb.emulator.fail_next("response_url", status=404, error="expired_url")
    sb.slack.command(HM, "/loop", f"reschedule {loop_id} 2 2026-12-01 10:00")
    assert wait_for(lambda: any("Moved 2. Live AI Pairing" in t for t in dm_texts(sb, HM)))
    moved = str(int(datetime(2026, 12, 1, 15, 0, tzinfo=UTC).timestamp()))  # 10:00 New York
    assert wait_for(lambda: moved in json.dumps(card_in_channel(sb, loop_id)[1].blocks))
    assert sb.emulator.fails_waiting("response_url") == 0


@pytest.mark.parametrize("who", ["diego.la", IL, XS, "beatriz.sp"])
def test_changes_are_refused_for_people_without_the_right(sb: Sandbox, loop_id, who) -> None:
    def rounds() -> list[tuple]:
        with sb.db.read() as session:
            return sorted(
                session.exec(
                    select(
                        Round.number, Round.starts_at, Assignment.user_id, Assignment.active
                    ).join(Assignment, col(Assignment.round_id) == col(Round.id))
                ).all()
            )

    before = rounds()
    for command in (
        f"cancel {loop_id}",
        f"reschedule {loop_id} 3 2026-12-02 11:00",
        f"swap {loop_id} 3 <@{uid(sb, 'beatriz.sp')}>",
    ):
        assert "Only the loop's hiring manager, recruiter, creator" in said(sb, who, command)
    with sb.db.session() as session:
        assert session.exec(select(Loop)).one().status == "scheduled"
    assert rounds() == before


def test_app_home_lists_interviews_and_opens_a_guide(sb: Sandbox, loop_id: str) -> None:
    owner = _handle(sb, _owner(sb, loop_id, 1))
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, owner), "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(uid(sb, owner)))
    text = json.dumps(home)
    assert "Async Build" in text and "Juyoung Park" in text
    sb.slack.click(owner, "home_open_guide", f"{loop_id}:1", view=home)
    guide = wait_for(lambda: sb.emulator.open_views(uid(sb, owner)) and top_view(sb, owner))
    assert "How did you use AI and where did you override it?" in json.dumps(guide)
    # The Async Build's reviewer is told so: their guide comes once the submission is in, and
    # App Home opens it before (as here, nothing received yet).
    sb.dispatch()
    (assigned,) = [t for t in dm_texts(sb, owner) if t.startswith("You review *Juyoung Park*")]
    assert "your round guide comes then (App Home opens it before, to read ahead)." in assigned
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, HM), "tab": "home"})
    hm_home = wait_for(lambda: sb.emulator.home_of(uid(sb, HM)))
    assert f"`{loop_id}`" in json.dumps(hm_home)


@pytest.mark.parametrize(("who", "number"), [(HM, 2), (IL, 4)])
def test_app_home_opens_any_round_guide_for_the_hiring_manager_and_the_lead(
    sb: Sandbox, loop_id: str, who: str, number: int
) -> None:
    """Who may read every round's guide (the hiring manager, the interview lead) picks a round
    from the loop's menu on App Home; nobody else gets the menu."""
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, who), "tab": "home"})
    home = wait_for(lambda: sb.emulator.home_of(uid(sb, who)))
    (menu,) = [
        b["accessory"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("type") == "static_select"
    ]
    assert [o["text"]["text"][:3] for o in menu["options"]] == [f"{n}. " for n in range(1, 7)]
    sb.slack.click(who, "home_open_guide", f"{loop_id}:{number}", view=home)
    guide = json.dumps(wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who)))
    spec = sb.runtime.library.loops["ai-first-engineering"].rounds[number - 1]
    assert spec.name in guide
    assert spec.core_questions[0] in guide
    interviewer = _handle(sb, _owner(sb, loop_id, 2))
    sb.slack.event({"type": "app_home_opened", "user": uid(sb, interviewer), "tab": "home"})
    theirs = wait_for(lambda: sb.emulator.home_of(uid(sb, interviewer)))
    assert "static_select" not in json.dumps(theirs)


def test_two_swaps_before_anyone_is_told_each_one_replaced_still_hears(
    sb: Sandbox, loop_id: str
) -> None:
    """The second change of a round replans its messages; the first one replaced is no longer
    on it, and their "You no longer run" still goes (naming who runs it now)."""
    first = _owner(sb, loop_id, 3)
    second, third = [uid(sb, p) for p in PANEL if uid(sb, p) != first][:2]
    for newcomer in (second, third):
        assert "now runs 3." in said(sb, REC, f"swap {loop_id} 3 <@{newcomer}>")
    sb.dispatch()
    for replaced in (first, second):
        told = [t for t in dm_texts(sb, _handle(sb, replaced)) if t.startswith("You no longer")]
        assert told == [
            f"You no longer run *3. Production Engineering* for *Juyoung Park* (loop "
            f"`{loop_id}`); @{third} does, a change @{uid(sb, REC)} made. Its reminders to you "
            "have stopped."
        ]


def test_a_swap_to_someone_outside_their_hours_says_so(sb: Sandbox, loop_id: str) -> None:
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == 6)).one()
    owner = _owner(sb, loop_id, 6)
    ws = sb.emulator.workspace

    def outside(handle: str) -> bool:
        local = starts.astimezone(ZoneInfo(ws.user(uid(sb, handle)).tz))
        return local.weekday() >= 5 or not (9 <= local.hour < 17)

    newcomer = next(h for h in PANEL if uid(sb, h) != owner and outside(h))
    tz = ws.user(uid(sb, newcomer)).tz
    text = said(sb, REC, f"swap {loop_id} 6 <@{uid(sb, newcomer)}>")
    local = f"{starts.astimezone(ZoneInfo(tz)):%a %d %b %H:%M} {tz}"
    assert f"now runs 6. Communication and Execution of loop `{loop_id}`." in text
    assert f"Note: that is {local} for <@{uid(sb, newcomer)}>, outside their interview hours" in (
        text
    )


def test_a_swap_minutes_before_the_interview_promises_no_heads_up_that_will_not_come(
    sb: Sandbox, loop_id: str
) -> None:
    """Ten minutes before round 2, past its heads-up time: the newcomer's guide goes at once,
    and their DM says so without promising the heads-up."""
    with sb.db.read() as session:
        starts = session.exec(select(Round.starts_at).where(Round.number == 2)).one()
    sb.now = starts - timedelta(minutes=10)
    first = _owner(sb, loop_id, 2)
    newcomer = next(uid(sb, p) for p in PANEL if uid(sb, p) != first)
    assert "now runs 2." in said(sb, REC, f"swap {loop_id} 2 <@{newcomer}>")
    sb.dispatch()
    handle = _handle(sb, newcomer)
    (told,) = [
        t for t in dm_texts(sb, handle) if "for *2. Live AI Pairing*" in t and "interviewing" in t
    ]
    assert "Your round guide follows now (it goes 24 h before the interview);" in told
    assert "heads-up" not in told
    texts = dm_texts(sb, handle)
    told_at = next(i for i, t in enumerate(texts) if "for *2. Live AI Pairing*" in t)
    guide_at = next(i for i, t in enumerate(texts) if t.startswith("ROUND GUIDE: LIVE AI PAIRING"))
    assert told_at < guide_at  # "follows now": it comes after the DM that says so


def test_the_creators_copy_of_the_card_follows_each_change(sb: Sandbox) -> None:
    """The creator holds no role: they follow the loop on their copy of the card in their DMs,
    which each change updates as it does the channel's."""
    creator = "liam.syd"
    short_id = create_loop(sb, who=creator)
    sb.dispatch()
    assert wait_for(lambda: card_in_dm(sb, creator, short_id))
    said(sb, HM, f"reschedule {short_id} 2 2026-12-01 10:00")  # 15:00 UTC, Maya in New York
    moved = str(int(datetime(2026, 12, 1, 15, 0, tzinfo=UTC).timestamp()))
    assert wait_for(lambda: moved in json.dumps(card_in_dm(sb, creator, short_id).blocks))
    newcomer = uid(sb, "beatriz.sp")
    assert "now runs" in said(sb, HM, f"swap {short_id} 5 <@{newcomer}>")
    assert wait_for(
        lambda: f"<@{newcomer}>" in json.dumps(card_in_dm(sb, creator, short_id).blocks)
    )
