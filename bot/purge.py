"""Erasing a candidate: their loops, scorecards, drafts, reminders and the Slack messages
loopbot posted about them. What stays is an audit entry that names no one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, delete, select

from bot.errors import LoopbotError
from bot.slack.messenger import Messenger, RateLimited, SlackCallFailed
from bot.store import Database
from bot.store.models import (
    Assignment,
    AuditEntry,
    Decision,
    Decline,
    Loop,
    LoopStatus,
    OutboxMessage,
    Reminder,
    ReplacementAsk,
    Round,
    Scorecard,
    ScorecardRevision,
    SlackMessage,
)

log = logging.getLogger(__name__)
GONE_ALREADY = ("message_not_found", "channel_not_found", "is_archived")
UNSEND_PATIENCE_S = 15.0
"""How long `unsend` waits out Slack's rate limits in all (its messenger, the dispatcher's,
does not wait itself): a tick of the dispatcher, and a stop, are held no longer than that."""
_KEPT = select(Loop.id).where(col(Loop.id).in_(bindparam("ids", expanding=True)))
_KEPT_HELD = _KEPT.with_for_update(read=True)
_KEPT_ALONE = _KEPT.with_for_update()


@dataclass
class PurgeReport:
    loops: int = 0
    scorecards: int = 0
    messages_deleted: int = 0
    messages_left: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    """Slack's error for each message it would not delete, counted."""
    compacted: bool = True
    """False when a reader kept SQLite from rewriting its file: the erased text may still be
    in the file's free pages until the next purge or `VACUUM`."""

    def refused(self, error: str) -> None:
        self.messages_left += 1
        self.refusals[error] = self.refusals.get(error, 0) + 1


def loops_of_candidate(session: Session, key: str) -> list[int]:
    return list(session.exec(select(Loop.id).where(Loop.candidate_key == key)).all())


def loops_older_than(session: Session, cutoff: datetime) -> list[int]:
    """Finished loops (decided or cancelled) last touched before `cutoff`."""
    return list(
        session.exec(
            select(Loop.id).where(
                col(Loop.status).in_([LoopStatus.DECIDED, LoopStatus.CANCELLED]),
                col(Loop.updated_at) < cutoff,
            )
        ).all()
    )


def kept_loops(connection: Connection, loop_ids: set[int], *, alone: bool = False) -> set[int]:
    """Those of `loop_ids` not erased, held (on PostgreSQL) until the caller's transaction ends,
    so a purge cannot erase them under what it writes about them; `alone`: held from every
    other writer too, for a check that what it writes is not there yet."""
    held = _KEPT_ALONE if alone else _KEPT_HELD
    query = held if connection.dialect.name == "postgresql" else _KEPT
    return set(connection.execute(query, {"ids": list(loop_ids)}).scalars())


def hold(connection: Connection, loop_id: int | None) -> None:
    """Before recording a message posted about a loop: on PostgreSQL, a purge of the loop now
    waits for the record (and then deletes the message), or this for the purge (and finds its
    row gone); SQLite's writers take turns anyway."""
    if loop_id is not None and connection.dialect.name == "postgresql":
        kept_loops(connection, {loop_id})


def posted_about(session: Session, loop_ids: list[int]) -> set[tuple[str, str]]:
    """(channel, ts) of every message recorded as posted about the loops."""
    posted = {
        (m.channel_id, m.ts)
        for m in session.exec(select(SlackMessage).where(col(SlackMessage.loop_id).in_(loop_ids)))
    }
    # DMs the dispatcher sent (guides, reminders, notices) are recorded on their rows.
    posted |= set(
        session.exec(
            select(Reminder.channel_id, Reminder.sent_ts).where(
                col(Reminder.loop_id).in_(loop_ids),
                col(Reminder.sent_ts).is_not(None),
                col(Reminder.channel_id).is_not(None),
            )
        ).all()
    )
    return posted  # type: ignore[return-value]


def _delete(
    messenger: Messenger | None,
    posted: set[tuple[str, str]],
    report: PurgeReport,
    *,
    wait: Callable[[float], None] = time.sleep,
    patience_s: float = 0.0,
) -> None:
    """Delete the messages from Slack, best effort, counted in `report`; rate limits are waited
    out (Retry-After) and the message asked for again while the waits fit in `patience_s`.
    Once Slack has not answered (the client's own retries spent), the rest are not asked for:
    each would wait as long again."""
    unreachable = False
    for channel, ts in sorted(posted):
        if messenger is None or unreachable:
            report.refused("no Slack token" if messenger is None else "Slack unreachable")
            continue
        while True:
            try:
                messenger.delete(channel, ts)
                report.messages_deleted += 1
            except RateLimited as exc:
                if exc.retry_after <= patience_s:
                    patience_s -= exc.retry_after
                    wait(exc.retry_after)
                    continue
                report.refused(exc.error)
                log.warning("message not deleted", extra={"slack_error": exc.error})
            except SlackCallFailed as exc:
                if exc.error in GONE_ALREADY:
                    report.messages_deleted += 1
                else:
                    report.refused(exc.error)
                    log.warning("message not deleted", extra={"slack_error": exc.error})
            except LoopbotError:
                report.refused("Slack unreachable")
                unreachable = True
            break


def unsend(
    messenger: Messenger,
    posted: list[tuple[str, str]],
    *,
    wait: Callable[[float], None] = time.sleep,
) -> None:
    """Delete messages that reached Slack after their loop was erased (they were on their way
    when the purge ran): the purge's promise holds for them too, through a rate limit or two."""
    report = PurgeReport()
    _delete(messenger, set(posted), report, wait=wait, patience_s=UNSEND_PATIENCE_S)
    log.info(
        "message about an erased loop deleted",
        extra={"count": report.messages_deleted, "left": report.messages_left},
    )


def purge_loops(
    *,
    db: Database,
    messenger: Messenger | None,
    loop_ids: list[int],
    actor: str,
    reason: str,
    now: datetime,
) -> PurgeReport:
    """Delete the loops' Slack messages (best effort, counted) and every row about them."""
    report = PurgeReport(loops=len(loop_ids))
    if not loop_ids:
        return report
    with db.read() as session:
        posted = posted_about(session, loop_ids)
    _delete(messenger, posted, report)
    with db.session() as session:
        # The loops first: a message being queued about one of them (`kept_loops`) waits for
        # this transaction, or this one for it, and nothing is written about an erased loop.
        session.exec(select(Loop.id).where(col(Loop.id).in_(loop_ids)).with_for_update())
        # Posted while the others were being deleted (a follow-up, a reminder): deleted once
        # this transaction has ended, when nothing more can be queued about these loops.
        late = posted_about(session, loop_ids) - posted
        cards = session.exec(select(Scorecard.id).where(col(Scorecard.loop_id).in_(loop_ids))).all()
        report.scorecards = len(cards)
        session.exec(
            delete(ScorecardRevision).where(col(ScorecardRevision.scorecard_id).in_(cards))
        )
        for table in (
            ReplacementAsk,
            Decline,
            Scorecard,
            Reminder,
            Decision,
            SlackMessage,
            OutboxMessage,
        ):
            session.exec(delete(table).where(col(table.loop_id).in_(loop_ids)))
        session.exec(delete(Assignment).where(col(Assignment.loop_id).in_(loop_ids)))
        session.exec(delete(Round).where(col(Round.loop_id).in_(loop_ids)))
        # Audit entries keep what happened but lose which loop: nothing leads back to a person.
        session.exec(
            AuditEntry.__table__.update()
            .where(  # type: ignore[attr-defined]
                AuditEntry.__table__.c.loop_id.in_(loop_ids)
            )
            .values(loop_id=None)
        )
        session.exec(delete(Loop).where(col(Loop.id).in_(loop_ids)))
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="candidate.purged",
                detail={
                    "reason": reason,
                    "loops": report.loops,
                    "scorecards": report.scorecards,
                    "messages_deleted": report.messages_deleted,
                    "messages_left": report.messages_left,
                    "posted_meanwhile": len(late),
                },
            )
        )
    _delete(messenger, late, report)
    report.compacted = db.compact()
    return report


def retention_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
