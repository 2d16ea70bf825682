"""The dispatcher: each reminder sent once, on time, through restarts, replicas and 429s."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.emulator import ManualClock, SlackEmulator
from bot.loops.service import create_loop, propose
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.plan import DEFAULT_OFFSETS, Kind
from bot.slack.client import make_client
from bot.slack.messenger import Messenger
from bot.store import Database
from bot.store.models import Reminder, ReminderState
from tests.emulator.conftest import assert_documented
from tests.services.conftest import NOW, POOL, loop_request
from tests.write_lock import slack_calls_under_the_write_lock


@pytest.fixture
def emulator():
    with SlackEmulator(rate_limits=False) as em:
        yield em
    assert not em.violations, em.violations
    assert_documented(em.calls)


def _dispatcher(db: Database, emulator: SlackEmulator, library, worker: str = "w1", **client):
    client = make_client(emulator.bot_token, emulator.api_url, **client)
    return Dispatcher(db=db, messenger=Messenger(client), library=library, worker=worker)


def _create(db: Database, library, now=NOW, offsets=DEFAULT_OFFSETS, **changes):
    template = library.loops["ai-first-engineering"]
    with db.session() as session:
        proposal = propose(
            session=session, request=loop_request(**changes), template=template, now=now
        )
        loop = create_loop(
            session=session, proposal=proposal, template=template, now=now, offsets=offsets
        )
    return loop, proposal


def _guides_at_once(db: Database, library) -> datetime:
    """A loop for three interviewers whose live rounds (after the Async Build, due Monday) run
    Tuesday and Wednesday, with guides three days ahead: an hour before the first, every live
    round's guide is due and no heads-up yet."""
    offsets = {**DEFAULT_OFFSETS, "guide": -72 * 60}
    _, proposal = _create(
        db, library, offsets=offsets, people=SMALL_TEAM, first_day=date(2026, 11, 25)
    )
    return min(r.starts_at for r in proposal.rounds if r.starts_at) - timedelta(hours=1)


# Three interviewers for six rounds: every guide falling due at once meets Slack's limits.
SMALL_TEAM = {
    "HM": ["U0HM00001"],
    "REC": ["U0RC00001"],
    "IL": ["U0IL00001"],
    "PI": POOL[:3],
    "XS": [],
}


def _states(db: Database) -> Counter:
    with db.session() as session:
        return Counter(r.state for r in session.exec(select(Reminder)).all())


def test_each_message_goes_out_once_at_its_time(any_db, emulator, library) -> None:
    loop, proposal = _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library)
    first = dispatcher.tick(NOW)
    assert first.sent == 6 + 4  # six assignment DMs, summary, calibration, status, itinerary
    assert dispatcher.tick(NOW).sent == 0
    start = proposal.rounds[1].starts_at
    assert dispatcher.tick(start - timedelta(hours=24, seconds=1)).sent == 0
    assert (
        dispatcher.tick(start - timedelta(hours=24)).sent == 1
    )  # round 2's guide (round 1 is asynchronous)
    assert dispatcher.tick(start - timedelta(minutes=15)).sent >= 2  # heads-up, later guides
    posted = len(emulator.calls_to("chat.postMessage"))
    assert dispatcher.tick(start - timedelta(minutes=15)).sent == 0
    assert len(emulator.calls_to("chat.postMessage")) == posted


def test_a_guide_for_an_interview_that_started_is_skipped_and_the_first_reminder_is_sent_late(
    any_db, emulator, library
) -> None:
    _, proposal = _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library)
    dispatcher.tick(NOW)
    late = proposal.rounds[1].starts_at + timedelta(days=3)
    outcome = dispatcher.tick(late)
    with any_db.session() as session:
        rows = session.exec(
            select(Reminder).where(
                Reminder.kind.in_(  # type: ignore[attr-defined]
                    [Kind.GUIDE, Kind.DUE, Kind.NUDGE]
                )
            )
        ).all()
    round_one = [r for r in rows if r.round_id == min(x.round_id for x in rows)]
    assert {(r.kind, r.step): r.state for r in round_one if r.kind != Kind.NUDGE} == {
        (Kind.GUIDE, 0): ReminderState.SKIPPED,
        (Kind.DUE, 0): ReminderState.SENT,
    }
    # The daily reminders missed while nothing ran are not sent in a burst: the next one
    # is the first still ahead.
    (nudge,) = [r for r in round_one if r.kind == Kind.NUDGE]
    assert nudge.state == ReminderState.PENDING and nudge.due_at > late and nudge.step >= 1
    assert outcome.failed == 0


def test_restart_between_scheduling_and_due_time_sends_once(any_db, emulator, library) -> None:
    _, proposal = _create(any_db, library)
    _dispatcher(any_db, emulator, library, "before-restart").tick(NOW)
    later = proposal.rounds[-1].starts_at + timedelta(days=3)
    after = _dispatcher(any_db, emulator, library, "after-restart")
    after.tick(later)
    after.tick(later)
    sent = Counter(
        (c.args.get("channel"), c.args.get("text")) for c in emulator.calls_to("chat.postMessage")
    )
    assert sent and max(sent.values()) == 1  # nobody reads the same message twice
    with any_db.session() as session:
        waiting = session.exec(
            select(Reminder).where(Reminder.state == ReminderState.PENDING)
        ).all()
    # What waits is the next day's reminders, nothing that was due.
    assert waiting and all(r.kind == Kind.NUDGE and r.due_at > later for r in waiting)


def test_a_crash_between_claim_and_send_loses_nothing(any_db, emulator, library) -> None:
    _create(any_db, library)
    crashed = _dispatcher(any_db, emulator, library, "crashed")
    claimed = crashed.claim(NOW)  # ...and the process dies before sending
    assert len(claimed) == 10
    survivor = _dispatcher(any_db, emulator, library, "survivor")
    assert survivor.tick(NOW).sent == 0  # the lease still holds
    assert survivor.tick(NOW + crashed.lease + timedelta(seconds=1)).sent == 10
    assert len(emulator.calls_to("chat.postMessage")) == 10


class Killed(BaseException):
    """The process dying: nothing after it runs, nothing catches it."""


def test_a_crash_after_slack_accepted_a_dm_and_before_the_record_sends_it_once(
    any_db, emulator, library
) -> None:
    _create(any_db, library)
    crashed = _dispatcher(any_db, emulator, library, "crashed")
    real_dm = crashed.messenger.dm

    def dm_then_die(user_id, **kwargs):
        real_dm(user_id, **kwargs)  # Slack has the message...
        raise Killed  # ...and the process is gone before it records that

    crashed.messenger.dm = dm_then_die
    with pytest.raises(Killed):
        crashed.tick(NOW)
    assert len(emulator.calls_to("chat.postMessage")) == 1
    person = emulator.calls_to("chat.postMessage")[0].args["channel"]
    survivor = _dispatcher(any_db, emulator, library, "survivor")
    assert survivor.tick(NOW).sent == 0  # the crashed one's lease still holds
    due = _states(any_db)[ReminderState.CLAIMED]  # everything due at creation, leased
    assert due > 1
    outcome = survivor.tick(NOW + crashed.lease + timedelta(seconds=1))
    assert outcome.sent == due and outcome.failed == 0
    posts = [c.args for c in emulator.calls_to("chat.postMessage")]
    assert len(posts) == due  # the first one was found in the person's DM, not sent again
    first_text = posts[0]["text"]
    assert [m.text for m in emulator.messages_in(person)].count(first_text) == 1
    assert _states(any_db)[ReminderState.SENT] == due


def test_cancelled_and_moved_rounds_never_get_old_reminders(any_db, emulator, library) -> None:
    from bot.loops import changes
    from bot.loops.queries import find_loop

    loop, proposal = _create(any_db, library)
    with any_db.session() as session:
        changes.reschedule(
            session=session,
            loop=find_loop(session, loop.short_id),
            round_number=4,
            starts_at=proposal.rounds[3].starts_at + timedelta(days=7),
            actor="U0HM00001",
            admins=[],
            now=NOW,
            offsets=DEFAULT_OFFSETS,
        )
    dispatcher = _dispatcher(any_db, emulator, library)
    dispatcher.tick(proposal.rounds[3].starts_at - timedelta(hours=1))
    guides = [
        c.args["text"]
        for c in emulator.calls_to("chat.postMessage")
        if c.args["text"].startswith("Round guide: Evals")
    ]
    assert guides == []


def test_permanent_failure_is_marked_and_the_recruiter_told(any_db, emulator, library) -> None:
    _create(
        any_db,
        library,
        people={
            "HM": ["U0HM00001"],
            "REC": ["U0RC00001"],
            "IL": ["U0IL00001"],
            "PI": [*POOL[:3], "U0DL00001"],
            "XS": [],
        },
    )
    dispatcher = _dispatcher(any_db, emulator, library)
    outcome = dispatcher.tick(NOW)
    assert outcome.failed >= 1
    to_recruiter = [m.text for m in emulator.dms_to("U0RC00001")]
    assert any("could not deliver" in t and "<@U0DL00001>" in t for t in to_recruiter)


def test_transient_failures_are_retried_with_backoff(any_db, emulator, library) -> None:
    _create(any_db, library)
    emulator.fail_next("chat.postMessage", status=503, times=6)
    pauses: list[float] = []  # the Slack client's own pauses between its retries of a 5xx
    dispatcher = _dispatcher(any_db, emulator, library, wait=pauses.append)
    outcome = dispatcher.tick(NOW)
    assert outcome.retried > 0 and outcome.failed == 0
    assert len(pauses) == 4 and all(0.5 <= p < 1.5 for p in pauses[::2])
    assert all(1 <= p < 2 for p in pauses[1::2])  # longer after each failure (with jitter)
    assert dispatcher.tick(NOW + timedelta(hours=2)).sent == 10 - outcome.sent
    assert _states(any_db)[ReminderState.SENT] == 10


def test_a_flood_of_429s_still_delivers_everything_in_order(sqlite_db, library) -> None:
    slack_time = ManualClock()  # each Retry-After passes for Slack without the test sleeping
    with SlackEmulator(rate_limits=True, clock=slack_time) as emulator:
        burst_at = _guides_at_once(sqlite_db, library)
        dispatcher = _dispatcher(sqlite_db, emulator, library, wait=slack_time.advance)
        dispatcher.tick(NOW)
        emulator.reset_calls()
        # Every guide of the loop falls due at once: a burst to three people's DMs.
        outcome = dispatcher.tick(burst_at)
        limited = [c for c in emulator.calls_to("chat.postMessage") if c.status == 429]
        delivered = [c for c in emulator.calls_to("chat.postMessage") if c.status == 200]
    assert outcome.failed == 0 and limited, "the burst should have met Slack's limit"
    with sqlite_db.session() as session:
        due = {r.id: r for r in session.exec(select(Reminder)).all()}
    assert all(r.state != ReminderState.PENDING or r.due_at > burst_at for r in due.values())
    by_channel: dict[str, list[str]] = {}
    for call in delivered:
        by_channel.setdefault(call.args["channel"], []).append(call.args["text"])
    for texts in by_channel.values():
        numbers = [t.split(": ", 1)[1] for t in texts if t.startswith("Round guide:")]
        assert numbers == sorted(
            numbers,
            key=lambda n: [r.name for r in library.loops["ai-first-engineering"].rounds].index(
                n.split(" with ")[0]
            ),
        )


def test_a_rate_limited_person_waits_while_everyone_else_is_sent_to(sqlite_db, library) -> None:
    """A dispatcher that does not wait out 429s (as `loopbot serve` runs it) puts that person's
    rows back until Retry-After and goes on: one busy DM never holds up the others."""
    slack_time = ManualClock()  # Retry-After passes for Slack without the test sleeping
    with SlackEmulator(rate_limits=True, clock=slack_time) as emulator:
        guides_at = _guides_at_once(sqlite_db, library)
        client = make_client(emulator.bot_token, emulator.api_url, wait_on_rate_limits=False)
        dispatcher = Dispatcher(db=sqlite_db, messenger=Messenger(client), library=library)
        when = NOW
        while True:  # the notices of a new loop, then every guide falling due at once
            dispatcher.tick(when)
            if dispatcher.resume_at is None:
                break
            slack_time.advance(1.05)
            when = dispatcher.resume_at
        emulator.reset_calls()
        first = dispatcher.tick(guides_at)
        first_calls = emulator.calls_to("chat.postMessage")
        ticks, put_back = 1, first.deferred
        while dispatcher.resume_at is not None and ticks < 30:
            slack_time.advance(1.05)
            put_back += dispatcher.tick(max(guides_at, dispatcher.resume_at)).deferred
            ticks += 1
        posts = emulator.calls_to("chat.postMessage")
    assert first.deferred > 0 and first.failed == 0
    # Each interviewer got a guide in the first tick, and no DM was asked twice after a 429.
    first_sent = {c.args["channel"] for c in first_calls if c.status == 200}
    refused = Counter(c.args["channel"] for c in first_calls if c.status == 429)
    assert len(first_sent) >= 3 and max(refused.values()) == 1
    # In the end every due message went out exactly once; nothing failed or was dropped.
    texts = [(c.args["channel"], c.args["text"]) for c in posts if c.status == 200]
    assert len(texts) == len(set(texts))
    # Rows wait in line at Slack's pace rather than being claimed and put back over and over.
    assert put_back <= len(texts)
    with sqlite_db.session() as session:
        rows = session.exec(select(Reminder).where(Reminder.due_at <= guides_at)).all()
        waiting = session.exec(
            select(Reminder).where(Reminder.state == ReminderState.PENDING)
        ).all()
    assert rows and all(r.state in (ReminderState.SENT, ReminderState.SKIPPED) for r in rows)
    assert all(r.due_at > guides_at + timedelta(minutes=1) for r in waiting)
    assert max(r.attempts for r in rows) == 1


def test_two_dispatchers_on_postgres_send_each_reminder_once(
    postgres_db, emulator, library
) -> None:
    panel = [f"U0PN0000{i}" for i in range(1, 7)]
    for index in range(12):
        _create(
            postgres_db,
            library,
            candidate_name=f"Candidate {index}",
            first_day=date(2026, 11, 24) + timedelta(days=index),
            people={
                "HM": ["U0HM00001"],
                "REC": ["U0RC00001"],
                "IL": ["U0IL00001"],
                "PI": panel,
                "XS": [],
            },
        )
    later = NOW + timedelta(days=90)  # every reminder of every loop is due
    with postgres_db.session() as session:
        total = len(session.exec(select(Reminder)).all())
    # Per live round: assigned, guide, heads-up and the first scorecard reminder; the
    # asynchronous Async Build only its assignment (the rest wait for its submission); four
    # loop-wide notices. The escalation and late-scorecards rows are written as they go.
    assert total == 12 * (5 * 4 + 1 + 4)
    replicas = [_dispatcher(postgres_db, emulator, library, f"replica-{i}") for i in range(2)]
    for replica in replicas:
        replica.batch = 7
    results = []
    threads = [threading.Thread(target=lambda r=r: results.append(r.tick(later))) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = sum(r.sent + r.skipped for r in results)
    with postgres_db.session() as session:
        rows = session.exec(select(Reminder)).all()
    assert done == len(rows) and sum(r.failed for r in results) == 0
    # Each loop's hiring manager and recruiter got one late-scorecards message, not one each.
    late = Counter(r.loop_id for r in rows if r.kind == Kind.LATE_SCORECARDS)
    assert late and set(late.values()) == {2}
    assert all(r.sent > 0 for r in results), f"both replicas should have taken work: {results}"
    with postgres_db.session() as session:
        rows = session.exec(select(Reminder)).all()
    sent = [r for r in rows if r.state == ReminderState.SENT]
    assert len(sent) == sum(r.sent for r in results)
    assert {r.state for r in rows} <= {ReminderState.SENT, ReminderState.SKIPPED}
    posted = [c for c in emulator.calls_to("chat.postMessage") if c.status == 200]
    # A guide may take two messages; every other reminder is one post (an escalation none:
    # it raised the late-scorecards rows).
    sent = [r for r in sent if r.kind != Kind.ESCALATION]
    assert len({r.sent_ts for r in sent}) == len(sent) <= len(posted)
    assert len(posted) == len(sent) + sum(1 for c in posted if "(continued)" in c.args["text"])


def test_times_survive_a_daylight_saving_change(any_db, emulator, library) -> None:
    from datetime import UTC, datetime

    created = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
    _, proposal = _create(
        any_db, library, now=created, candidate_tz="America/New_York", first_day=date(2026, 10, 28)
    )
    new_york = ZoneInfo("America/New_York")
    first = proposal.rounds[1].starts_at  # after the Async Build, due Monday 2 November
    assert first.astimezone(new_york).strftime("%a %H:%M") == "Tue 09:00"
    assert first == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # EST, no longer EDT
    dispatcher = _dispatcher(any_db, emulator, library)
    dispatcher.tick(created)
    dispatcher.tick(first - timedelta(hours=24))
    guide = next(
        c.args
        for c in emulator.calls_to("chat.postMessage")
        if c.args["text"].startswith("Round guide: Live AI Pairing")
    )
    assert "Tue 03 Nov 09:00 America/New_York" in str(guide["blocks"])
    with any_db.session() as session:
        row = session.exec(
            select(Reminder).where(
                Reminder.kind == Kind.GUIDE, Reminder.state == ReminderState.SENT
            )
        ).first()
    assert row.due_at == first - timedelta(hours=24)


def test_each_fact_of_a_round_guide_starts_its_own_line(any_db, emulator, library) -> None:
    """ "*Format:* on-site" and "*Your part (R):* ..." are two lines, not one run together."""
    _, proposal = _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library)
    dispatcher.tick(NOW)
    dispatcher.tick(proposal.rounds[1].starts_at - timedelta(hours=24))
    guide = next(
        c.args["blocks"]
        for c in emulator.calls_to("chat.postMessage")
        if c.args["text"].startswith("Round guide: Live AI Pairing")
    )
    lines = [
        line
        for block in guide
        if block["type"] == "section"
        for line in block["text"]["text"].splitlines()
    ]
    assert any(line.startswith("*Format:* ") for line in lines)
    assert any(line.startswith("*Your part (R):* ") for line in lines)
    glued = [line for line in lines if re.search(r"\S\*[A-Z][A-Za-z ()]{1,30}:\* ", line)]
    assert glued == []


def test_the_escalation_is_one_message_per_loop_to_the_hiring_manager_and_recruiter(
    any_db, emulator, library
) -> None:
    _, proposal = _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library)
    end = proposal.rounds[-1].starts_at + timedelta(minutes=proposal.rounds[-1].minutes)
    dispatcher.tick(end + timedelta(hours=1))  # every round's first reminder
    dispatcher.tick(end + timedelta(days=7))  # long past every escalation day
    owner = proposal.rounds[1].responsible
    for person in ("U0HM00001", "U0RC00001"):
        (late,) = [m.text for m in emulator.dms_to(person) if "late for" in (m.text or "")]
        assert f"*2. Live AI Pairing*: <@{owner}>" in late
    with any_db.session() as session:
        raised = session.exec(select(Reminder).where(Reminder.kind == Kind.ESCALATION)).all()
    # One escalation raised the message; the others were folded into it.
    assert sorted(r.state for r in raised).count(ReminderState.SENT) == 1


def test_a_batch_that_outlasts_its_lease_sends_nothing_twice(any_db, emulator, library) -> None:
    _create(any_db, library)
    slow = _dispatcher(any_db, emulator, library, "slow")
    slow.lease = timedelta(seconds=30)
    claimed = slow.claim(NOW)
    assert slow.deliver(claimed[0], NOW) == "sent"
    # The slow replica stalls past its lease; another takes the rest of its batch.
    other = _dispatcher(any_db, emulator, library, "other")
    taken = other.tick(NOW + timedelta(minutes=1))
    assert taken.sent == len(claimed) - 1
    assert [slow.deliver(i, NOW + timedelta(minutes=1)) for i in claimed[1:]] == (
        ["skipped"] * (len(claimed) - 1)
    )
    posted = [c for c in emulator.calls_to("chat.postMessage") if c.status == 200]
    assert len(posted) == len(claimed)


def test_rows_claimed_late_in_a_long_tick_are_sent_not_skipped(any_db, emulator, library) -> None:
    _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library, "long")
    dispatcher.batch = 3
    dispatcher.lease = timedelta(seconds=1)
    real_deliver = dispatcher.deliver
    elapsed = [0.0]
    dispatcher.monotonic = lambda: elapsed[0]

    def slow_deliver(reminder_id, now):
        elapsed[0] += 0.4  # the tick runs past its lease between batches
        return real_deliver(reminder_id, now)

    dispatcher.deliver = slow_deliver
    outcome = dispatcher.tick(NOW)
    # Rows whose lease ran out before their turn are re-claimed, not failed or counted as tries.
    assert outcome.sent == 10 and outcome.failed == 0
    with any_db.session() as session:
        attempts = {
            r.attempts
            for r in session.exec(select(Reminder)).all()
            if r.state == ReminderState.SENT
        }
    assert attempts == {1}


def test_scorecard_reminders_stop_with_the_interviewers_own_scorecard_or_a_decision(
    any_db, emulator, library
) -> None:
    from bot.store.models import Assignment, Loop, LoopStatus, Scorecard

    loop, proposal = _create(any_db, library)
    dispatcher = _dispatcher(any_db, emulator, library)
    end = proposal.rounds[-1].starts_at + timedelta(minutes=proposal.rounds[-1].minutes)
    dispatcher.tick(end + timedelta(hours=1))  # every live round's first reminder
    with any_db.session() as session:
        waiting = session.exec(
            select(Reminder).where(
                Reminder.kind == Kind.NUDGE, Reminder.state == ReminderState.PENDING
            )
        ).all()
        first, *others = sorted(waiting, key=lambda r: r.due_at)
        owner = session.get(Assignment, first.assignment_id)
        session.add(
            Scorecard(
                loop_id=loop.id, round_id=first.round_id, author_id=owner.user_id, submitted=True
            )
        )
        due = max(r.due_at for r in waiting)
    dispatcher.tick(first.due_at)
    with any_db.session() as session:
        assert session.get(Reminder, first.id).last_error == "scorecard already in"
        row = session.get(Loop, loop.id)
        row.status = LoopStatus.DECIDED
        session.add(row)
    dispatcher.tick(due)
    with any_db.session() as session:
        errors = {session.get(Reminder, r.id).last_error for r in others}
    assert errors == {"loop decided"}


def test_no_slack_call_waits_inside_the_databases_write_lock(sqlite_db, emulator, library) -> None:
    """Every request's replay guard writes before it is acknowledged: a reminder's delivery
    must not hold the write lock while it waits for Slack (a DM channel, a time zone)."""
    loop, proposal = _create(sqlite_db, library)
    called_locked: list[list[str]] = []

    def watched(dispatcher: Dispatcher) -> Dispatcher:
        called_locked.append(slack_calls_under_the_write_lock(dispatcher.messenger, dispatcher.db))
        return dispatcher

    # Assignment DMs with their invites, and the loop-wide DMs.
    assert watched(_dispatcher(sqlite_db, emulator, library)).tick(NOW).sent == 10
    # Hours later, a dispatcher that knows nobody yet sends the first scorecard reminders.
    end = proposal.rounds[-1].starts_at + timedelta(minutes=proposal.rounds[-1].minutes)
    later = watched(_dispatcher(sqlite_db, emulator, library, worker="w2"))
    assert later.tick(end + timedelta(hours=1)).sent >= 1
    assert {"conversations.open", "users.info"} <= {c.method for c in emulator.calls}
    assert called_locked == [[], []]
