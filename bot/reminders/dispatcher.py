"""The dispatcher: claims due reminder rows with a lease, re-checks them, sends, records.

Several replicas may run it on one PostgreSQL database: a row is claimed by exactly one of them
(`FOR UPDATE SKIP LOCKED`); a crash between claim and send leaves a lease that expires, and the
row is taken again. On SQLite, BEGIN IMMEDIATE serializes the claims.
"""

from __future__ import annotations

import heapq
import logging
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot import metrics
from bot.documents import Library
from bot.errors import DM_REFUSED_FOR_GOOD, SlackUnavailable
from bot.loops.at_hand import LoopAtHand
from bot.loops.places import REVIEW_DAYS
from bot.outbox import OutboxSender, backoff
from bot.pacing import RATE_LIMITED, SharedPace, dm_key
from bot.purge import hold, unsend
from bot.reminders.cadence import Cadence
from bot.reminders.checks import ask_slack_first, failure_note, why_not_send
from bot.reminders.claims import (
    CLAIM_POSTGRES,
    CLAIM_SQLITE,
    HELD,
    POSTED,
    RELEASE,
    RENEW,
    SENT,
)
from bot.reminders.followups import plan_next, raise_escalation, where_in_cadence
from bot.reminders.invites import invite_files
from bot.reminders.messages import Outgoing, compose
from bot.reminders.plan import Kind
from bot.reminders.situation import situation_of
from bot.slack.messenger import Messenger, Posted, RateLimited, SlackCallFailed
from bot.store import Database
from bot.store.models import (
    Reminder,
    ReminderState,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
MAX_ATTEMPTS = 6
RATE_LIMIT_WAITS = 3
"""Waits for Retry-After on the second or later message of a reminder (the first went out)."""
PERMANENT = DM_REFUSED_FOR_GOOD


@dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    """Put back because Slack rate-limited the person's DM; due again after Retry-After."""
    posted: int = 0
    """Channel messages from the outbox that had waited for a retry."""


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        messenger: Messenger,
        library: Library | Callable[[], Library],
        worker: str | None = None,
        lease: timedelta = LEASE,
        batch: int = BATCH,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        outbox: OutboxSender | None = None,
        reminders: dict[str, int] | None = None,
        review_days: int = REVIEW_DAYS,
        cadence: Cadence | None = None,
    ):
        self.db = db
        self.messenger = messenger
        self.outbox = outbox
        self.reminders = reminders or {}
        """`LOOPBOT_REMINDERS`: with each loop's document, the lead times the texts quote."""
        self.review_days = review_days
        """Channel messages waiting for a retry go out on the same ticks."""
        self.cadence = cadence or Cadence()
        self._raised = False
        """Rows written this tick that are due at once (an escalation's messages): claimed in it."""
        self._library = library
        self.worker = worker or f"{socket.gethostname()}:{uuid.uuid4().hex[:6]}"
        self.lease = lease
        self.batch = batch
        self.sleep = sleep
        """How a Retry-After between two messages of one reminder is waited out."""
        self.monotonic = monotonic
        """The clock that measures how long a tick has run (its leases move on with it)."""
        self.pace = SharedPace(db)
        """People whose DM Slack rate-limited, shared by every replica: their rows wait for a
        slot on that person's lane while everyone else's go on."""
        self._slots: list[datetime] = []
        """When rows put back are due again (a heap): the dispatcher should tick then."""
        self._claimed: dict[int, tuple[str | None, str]] = {}
        """Whom each row claimed goes to and what it is: asked of Slack before its delivery."""
        self.stopping = False
        """Set by a graceful stop: the tick ends after the row in hand; `release` the rest."""

    @property
    def library(self) -> Library:
        """The documents in service now (a reload swaps them between ticks)."""
        return self._library() if callable(self._library) else self._library

    @property
    def resume_at(self) -> datetime | None:
        """When the earliest row put back for a rate limit is due again (tick then), if any."""
        return self._slots[0] if self._slots else None

    def tick(self, now: datetime) -> Outcome:
        """Send everything due at `now`, batch after batch, oldest first."""
        total = Outcome()
        while self._slots and self._slots[0] <= now:
            heapq.heappop(self._slots)
        self._started = (now, self.monotonic())
        if self.outbox is not None:
            total.posted = self.outbox.tick(now)
        while True:
            # Claim on the same moving clock the renewal uses: a backlog drained in one tick
            # outlasts a lease, and a lease written from the tick's start would be born expired.
            ids, self._raised = self.claim(self._current(now)), False
            metrics.reminders_due(len(ids))
            for reminder_id in ids:
                if self.stopping:
                    return total
                result = self.deliver(reminder_id, now)
                metrics.reminder_outcome(result)
                setattr(total, result, getattr(total, result) + 1)
            if len(ids) < self.batch and not self._raised:  # raised rows go this tick
                return total

    def release(self, now: datetime) -> int:
        """Give back every row this dispatcher still holds (a graceful stop); returns how many."""
        with self.db.session() as session:
            result = session.connection().execute(
                RELEASE, {"me": self.worker, "now": _param(now, self.db)}
            )
            return result.rowcount or 0

    def claim(self, now: datetime) -> list[int]:
        statement = CLAIM_POSTGRES if self.db.dialect == "postgresql" else CLAIM_SQLITE
        params = {
            "now": _param(now, self.db),
            "lease": _param(now + self.lease, self.db),
            "me": self.worker,
            "batch": self.batch,
        }
        with self.db.session() as session:
            claimed = session.connection().execute(statement, params).all()
        self._claimed = {row.id: (row.user_id, row.kind) for row in claimed}
        return sorted(self._claimed)

    def _current(self, now: datetime) -> datetime:
        """`now` moved on by the time this tick has taken (a batch can outlast its lease)."""
        started = getattr(self, "_started", None)
        if started is None or started[0] != now:
            return now
        return now + timedelta(seconds=self.monotonic() - started[1])

    def _renew(self, session: Session, reminder_id: int, current: datetime) -> bool:
        """Extend our lease just before sending, if the row is still ours and unexpired.

        The conditional UPDATE holds the row until commit, so a replica reclaiming an expired
        lease and this one can never both go on to send it."""
        result = session.connection().execute(
            RENEW,
            {
                "id": reminder_id,
                "me": self.worker,
                "now": _param(current, self.db),
                "until": _param(current + self.lease, self.db),
            },
        )
        return result.rowcount == 1

    def deliver(self, reminder_id: int, now: datetime) -> str:
        """Re-check, send and record one claimed row; returns the outcome's name."""
        if reminder_id in self._claimed:
            ask_slack_first(self.messenger, *self._claimed.pop(reminder_id))
        with self.db.session() as session:
            current = self._current(now)
            if not self._renew(session, reminder_id, current):
                return "skipped"
            held = session.exec(HELD, params={"id": reminder_id}).first()
            if held is None or held[0].claimed_by != self.worker:
                return "skipped"
            # Held until the transaction ends: the session keeps only weak references, so every
            # read below (the checks, the situation, the files) would load them again.
            reminder, assignment, loop, template_id, sha256 = held
            hand = LoopAtHand.of(session, loop, template_id, sha256) if loop else None
            why_not = why_not_send(session, reminder, now, hand)
            if why_not:
                self._finish(session, reminder, ReminderState.SKIPPED, now, error=why_not)
                return "skipped"
            if reminder.kind == Kind.ESCALATION:  # sends nothing: raises the loop's late DMs
                self._raised |= raise_escalation(session, reminder, now, self.reminders)
                return "sent" if reminder.state == ReminderState.SENT else "skipped"
            assert assignment is not None
            user_id, loop_id = assignment.user_id, reminder.loop_id
            if reminder.last_error != RATE_LIMITED:
                # No slot yet: if Slack paced this person (any replica), wait for their next.
                slot = self.pace.slot(session.connection(), dm_key(user_id), current)
                if slot is not None and slot > current:
                    self._defer(session, reminder, slot, current)
                    return "deferred"
            zone = lambda: self.messenger.user(user_id).tz  # noqa: E731 - read only if needed
            where = where_in_cadence(
                session, reminder, assignment, zone, self.cadence, self.reminders, now
            )
            situation = situation_of(
                session,
                reminder,
                assignment,
                settings_offsets=self.reminders,
                review_days=self.review_days,
                now=now,
                cadence=where,
                hand=hand,
            )
            if reminder.kind == Kind.LATE_SCORECARDS and not situation.late:
                self._finish(session, reminder, ReminderState.SKIPPED, now, error="all in")
                return "skipped"
            messages = compose(situation, self.library)
            dm_of = self.messenger.dm_channel  # asked before the transaction (ask_slack_first)
            assert hand is not None
            messages += invite_files(session, reminder, assignment, hand=hand, now=now, dm_of=dm_of)
            # Taken before: Slack may have accepted some of it before that attempt was cut off
            # (a crash before the record, a timeout), so look in the DM before sending again.
            uncertain = reminder.attempts > 1
        posted: list[Posted] = []
        try:
            already = self.messenger.tagged_in_dm(user_id) if uncertain else {}
            for part, message in enumerate(messages):
                tag = f"reminder:{reminder_id}:{part}"
                if tag in already:
                    posted.append(already[tag])
                    continue
                waits = RATE_LIMIT_WAITS if posted else 0
                posted.append(self._dm(user_id, message, waits=waits, tag=tag, now=now))
        except RateLimited as exc:
            if posted:
                return self._failed_send(reminder_id, exc, now)
            current = self._current(now)
            with self.db.session() as session:
                key = dm_key(user_id)
                slot = self.pace.refused(session.connection(), key, current, exc.retry_after)
            with self.db.session() as session:
                reminder = session.get(Reminder, reminder_id)
                assert reminder is not None
                self._defer(session, reminder, slot, current)
            return "deferred"
        except SlackUnavailable as exc:
            return self._failed_send(reminder_id, exc, now)
        with self.db.session() as session:
            hold(session.connection(), loop_id)
            recorded = self._record(session, reminder, posted, where, now)
        if not recorded:  # its loop was erased while the DM was on its way
            unsend(self.messenger, [(p.channel, p.ts) for p in posted if p.ts], wait=self.sleep)
            return "skipped"
        return "sent"

    def _record(
        self, session: Session, reminder: Reminder, posted: list[Posted], where, now: datetime
    ) -> bool:
        """Record `reminder` (as read before sending) sent, with what follows it; False when
        its row is gone."""
        connection = session.connection()
        first = {"reminder": reminder.id, "at": now, "channel": posted[0].channel}
        if connection.execute(SENT, {**first, "ts": posted[0].ts}).rowcount != 1:
            return False
        self._raised |= where is not None and plan_next(session, reminder, where, now)
        metrics.reminder_sent(reminder.kind, due=reminder.due_at, at=self._current(now))
        purpose = f"dm:{reminder.kind}"
        records = [
            {"loop_id": reminder.loop_id, "channel_id": p.channel, "ts": p.ts, "purpose": purpose}
            for p in posted
            if p.ts  # a file's share may not be found
        ]
        if records:
            connection.execute(POSTED, [{**r, "posted_at": now} for r in records])
        return True

    def _dm(
        self, user_id: str, message: Outgoing, *, waits: int, tag: str, now: datetime
    ) -> Posted:
        """Post one message (or share its file), waiting out up to `waits` rate limits (the
        other replicas told)."""
        while True:
            try:
                return self.messenger.dm(
                    user_id, text=message.text, blocks=message.blocks, tag=tag, file=message.file
                )
            except RateLimited as exc:
                if waits <= 0:
                    raise
                waits -= 1
                with self.db.session() as session:
                    key, current = dm_key(user_id), self._current(now)
                    self.pace.refused(
                        session.connection(), key, current, exc.retry_after, take=False
                    )
                self.sleep(exc.retry_after)

    def _defer(self, session: Session, reminder: Reminder, until: datetime, now: datetime) -> None:
        """Back to pending until `until`; a rate limit is not a failed attempt."""
        reminder.state = ReminderState.PENDING
        reminder.due_at = until
        reminder.lease_until = None
        reminder.attempts = max(0, reminder.attempts - 1)
        reminder.last_error = RATE_LIMITED
        reminder.updated_at = now
        session.add(reminder)
        heapq.heappush(self._slots, until)

    def _failed_send(self, reminder_id: int, exc: SlackUnavailable, now: datetime) -> str:
        error = exc.error if isinstance(exc, SlackCallFailed) else "unreachable"
        with self.db.session() as session:
            reminder = session.get(Reminder, reminder_id)
            assert reminder is not None
            if error in PERMANENT or reminder.attempts >= MAX_ATTEMPTS:
                self._finish(session, reminder, ReminderState.FAILED, now, error=error)
                log.warning(
                    "reminder failed", extra={"reminder": reminder_id, "slack_error": error}
                )
                recruiters, note = failure_note(session, reminder, error)
            else:
                reminder.state = ReminderState.PENDING
                reminder.due_at = now + backoff(reminder.attempts)
                reminder.last_error = error[:200]
                reminder.lease_until = None
                reminder.updated_at = now
                session.add(reminder)
                return "retried"
        for recruiter in recruiters:
            try:
                self.messenger.dm(recruiter, text=note)
            except SlackUnavailable:
                log.warning("could not tell the recruiter", extra={"reminder": reminder_id})
        return "failed"

    @staticmethod
    def _finish(
        session: Session,
        reminder: Reminder,
        state: ReminderState,
        now: datetime,
        error: str | None = None,
    ) -> None:
        reminder.state = state
        reminder.lease_until = None
        reminder.last_error = error
        reminder.updated_at = now
        session.add(reminder)


def _param(when: datetime, db: Database) -> datetime | str:
    """Raw SQL bypasses the UTC column type; give each engine the form that type stores."""
    when = when.astimezone(UTC)
    if db.dialect == "sqlite":
        return when.strftime("%Y-%m-%d %H:%M:%S.%f")
    return when
