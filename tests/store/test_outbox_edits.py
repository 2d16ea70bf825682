"""A post still waiting for Slack is revised in place, on both engines: its text and its blocks
(JSON) are what the dispatcher then sends; posts already on their way, sent, or of another
purpose or loop are left as they were."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.outbox.edits import revise_waiting
from bot.store import Database
from bot.store.models import OutboxMessage, OutboxState

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD = {"text": "Round 2 Tue 10:00", "blocks": [{"type": "section", "text": "Tue 10:00"}]}
NEW = {"text": "Round 2 Wed 14:00", "blocks": [{"type": "section", "text": "Wed 14:00 · ✓"}]}


def _row(db: Database, *, loop_id: int, purpose: str, state: str, edits: str | None = None):
    with db.session() as session:
        row = OutboxMessage(
            loop_id=loop_id,
            channel_id="C1",
            purpose=purpose,
            text=OLD["text"],
            blocks=OLD["blocks"],
            state=state,
            edits_ts=edits,
            due_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        return row.id


def test_only_a_waiting_post_of_the_loop_and_purpose_is_revised(any_db: Database) -> None:
    waiting = _row(any_db, loop_id=1, purpose="loop_card", state=OutboxState.PENDING)
    sending = _row(any_db, loop_id=1, purpose="loop_card", state=OutboxState.CLAIMED)
    sent = _row(any_db, loop_id=1, purpose="loop_card", state=OutboxState.SENT)
    an_edit = _row(any_db, loop_id=1, purpose="loop_card", state=OutboxState.PENDING, edits="1.2")
    other_loop = _row(any_db, loop_id=2, purpose="loop_card", state=OutboxState.PENDING)
    other_purpose = _row(any_db, loop_id=1, purpose="debrief", state=OutboxState.PENDING)

    revise_waiting(any_db, 1, "loop_card", lambda: NEW)

    with any_db.read() as session:
        said = {r.id: (r.text, r.blocks) for r in session.exec(select(OutboxMessage)).all()}
    assert said[waiting] == (NEW["text"], NEW["blocks"])
    for untouched in (sending, sent, an_edit, other_loop, other_purpose):
        assert said[untouched] == (OLD["text"], OLD["blocks"]), untouched


def test_nothing_is_built_when_no_post_waits(any_db: Database) -> None:
    _row(any_db, loop_id=1, purpose="loop_card", state=OutboxState.SENT)
    built: list[bool] = []
    revise_waiting(any_db, 1, "loop_card", lambda: built.append(True) or NEW)
    assert built == []
