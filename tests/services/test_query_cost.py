"""The statements a request costs do not grow with the number of loops, rounds or scorecards."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from bot.debrief.service import gather
from bot.loops.listing import loop_rows
from bot.loops.queries import find_loop
from bot.loops.views import Snapshot, home_lists, loop_card
from bot.outbox import Message, OutboxSender
from bot.scorecards.form import ScorecardAnswers
from bot.scorecards.service import subject_of, submit_scorecard
from bot.slack.client import make_client
from bot.slack.messenger import Messenger, Posted
from bot.store import Database
from tests.services.conftest import HM, NOW
from tests.services.test_dispatcher import emulator as emulator  # noqa: F401 - the fixture
from tests.services.test_loops import _create


@contextmanager
def counting(db: Database):
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _loops(db: Database, library, count: int, start: int = 0) -> list[str]:
    ids = []
    for index in range(start, start + count):
        loop, _ = _create(
            db,
            library,
            candidate_name=f"Candidate {index}",
            first_day=date(2026, 11, 24) + timedelta(days=7 * index),
        )
        ids.append(loop.short_id)
        with db.session() as session:
            subject = subject_of(session, library, loop.short_id, 1)
            from bot.loops.queries import assignments_of

            owner = next(
                a.user_id
                for a in assignments_of(session, subject.loop)
                if a.round_id == subject.rnd.id and a.letter == "R"
            )
            from bot.loops.queries import standing
            from bot.scorecards.form import SignalRating

            rated = [
                SignalRating(signal=s, rating=subject.template.rating_scale[0])
                for s in subject.spec.measure
            ]
            submit_scorecard(
                session,
                subject,
                standing(session, subject.loop, owner, admins=[]),
                ScorecardAnswers(recommendation="Hire", key_evidence="e", ratings=rated),
                NOW,
            )
    return ids


def _statements(db: Database, read: Callable) -> list[str]:
    with db.read() as session:
        read(session)  # warm: a document version is parsed once per process
    with counting(db) as seen, db.read() as session:
        read(session)
    return seen


def _cost(db: Database, read: Callable) -> int:
    return len(_statements(db, read))


def test_list_home_card_and_summary_cost_the_same_for_more_loops(any_db, library) -> None:
    first = _loops(any_db, library, 2)
    reads = {
        "list": lambda s: loop_rows(s, HM, NOW, admins=[]),
        "home": lambda s: home_lists(s, HM, NOW, admins=[]),
        "card": lambda s: loop_card(s, find_loop(s, first[0])),
        "summary": lambda s: gather(s, find_loop(s, first[0])),
    }
    small = {name: _cost(any_db, read) for name, read in reads.items()}
    _loops(any_db, library, 4, start=2)
    large = {name: _cost(any_db, read) for name, read in reads.items()}
    assert large == small, (small, large)
    assert all(count <= 8 for count in large.values()), large


def _show(session, ref: str) -> dict:
    """What `/loop show` reads: the loop, the person's standing and the card."""
    snap = Snapshot.find(session, ref)
    loop = snap.loops[0]
    snap.standing(loop, HM, [])
    return loop_card(session, loop, snap)


def test_list_and_show_read_the_loop_document_with_the_loop(any_db, library) -> None:
    """A loop's row names its document (id and hash), so a document this process has parsed
    costs no statement of its own: `/loop list` and `/loop show` each read in four."""
    first = _loops(any_db, library, 2)
    reads = {
        "list": lambda s: loop_rows(s, HM, NOW, admins=[]),
        "show": lambda s: _show(s, first[0]),
    }
    for name, read in reads.items():
        seen = _statements(any_db, read)
        alone = [q for q in seen if "template_versions" in q and "JOIN template_versions" not in q]
        assert not alone, (name, alone)
        assert len(seen) == 4, (name, seen)


POST_STATEMENTS = 4
"""An immediate post of one message: the row written and its channel's pace read (one
transaction), then, once Slack has it, the row marked sent and the message recorded."""


def test_an_immediate_post_does_not_read_back_the_row_it_wrote(any_db, emulator) -> None:
    ws = emulator.workspace
    channel = ws.add_channel("loop-debrief", is_private=True, members=[ws.bot_user_id]).id
    client = make_client(emulator.bot_token, emulator.api_url)
    sender = OutboxSender(db=any_db, messenger=Messenger(client), worker="replica-1")

    def post(n: int) -> list[Posted | None]:
        return sender.post([Message(channel=channel, text=f"n{n}", blocks=None, purpose="x")], NOW)

    post(0)  # warm
    with counting(any_db) as seen:
        (posted,) = post(1)
    assert posted is not None and [m.text for m in emulator.messages_in(channel)] == ["n0", "n1"]
    assert len(seen) <= POST_STATEMENTS, seen
    assert not [s for s in seen if s.lstrip().startswith("SELECT") and "FROM outbox" in s], seen


def test_a_reminder_sent_reads_what_it_says_in_a_few_statements(sqlite_db, emulator, library):
    """The dispatcher's send of one DM (its checks, what it says, its record) runs at most 10
    statements, the tick's claims included (8.2 for a new loop's ten notices and for four guides
    and heads-ups; 17.6 and 16.25 when each part of a delivery read the loop's rounds and people
    for itself, 20.1 and 18.25 before a delivery held its loop and assignment)."""
    from bot.reminders.dispatcher import Dispatcher

    _, proposal = _create(sqlite_db, library)
    client = make_client(emulator.bot_token, emulator.api_url)
    dispatcher = Dispatcher(db=sqlite_db, messenger=Messenger(client), library=library)
    start = proposal.rounds[1].starts_at
    for when, sent in ((NOW, 10), (start - timedelta(minutes=15), 4)):
        with counting(sqlite_db) as seen:
            assert dispatcher.tick(when).sent == sent
        assert len(seen) <= 10 * sent, f"{len(seen) / sent:.1f} statements a message"
