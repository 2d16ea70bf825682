"""Sending outbox rows: at once for the request that wrote them, or later by the dispatcher."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from time import monotonic

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, or_, select

from bot.calendars import CalendarBackend, CalendarRefused, CalendarUnavailable
from bot.calendars.sync import CALENDAR, write_event
from bot.errors import SlackUnavailable
from bot.outbox.edits import replaced, revise_waiting
from bot.outbox.failures import GONE, PERMANENT, OutboxFailed, Undelivered
from bot.outbox.rows import BATCH, LEASE, MAX_ATTEMPTS, Message, Outgoing, backoff
from bot.pacing import RATE_LIMITED, SharedPace, channel_key
from bot.purge import hold, kept_loops, unsend
from bot.slack.format import is_user_id
from bot.slack.messenger import Messenger, Posted, RateLimited, SlackCallFailed
from bot.store import Database
from bot.store.models import OutboxMessage, OutboxState, SlackMessage

log = logging.getLogger(__name__)

# Every message loopbot sends runs these: built once, as building one costs more CPU than
# running it, and on the tables (no ORM unit of work for rows nobody holds as objects).
_QUEUE = insert(OutboxMessage.__table__)  # type: ignore[attr-defined]
_MOOT = (
    update(OutboxMessage.__table__)  # type: ignore[attr-defined]
    .where(
        col(OutboxMessage.channel_id) == bindparam("channel"),
        col(OutboxMessage.edits_ts) == bindparam("ts"),
        col(OutboxMessage.state) == OutboxState.PENDING,
    )
    .values(state=OutboxState.REPLACED)
)
_SENT = (
    update(OutboxMessage.__table__)  # type: ignore[attr-defined]
    .where(col(OutboxMessage.id) == bindparam("row"))
    .values(state=OutboxState.SENT, sent_ts=bindparam("ts"), lease_until=None)
)
_RECORD = insert(SlackMessage.__table__)  # type: ignore[attr-defined]
# Rows due (waiting, or leased by a sender that died), oldest first; each tick runs it.
_DUE = (
    select(OutboxMessage)
    .where(
        or_(
            (col(OutboxMessage.state) == OutboxState.PENDING)
            & (col(OutboxMessage.due_at) <= bindparam("now")),
            (col(OutboxMessage.state) == OutboxState.CLAIMED)
            & (col(OutboxMessage.lease_until) < bindparam("now")),
        )
    )
    .order_by(col(OutboxMessage.id))
    .limit(BATCH)
)
_DUE_UNLOCKED = _DUE.with_for_update(skip_locked=True)
"""PostgreSQL: rows another replica is claiming are passed over."""
_SENT_OR_ON_ITS_WAY = select(OutboxMessage.id).where(
    OutboxMessage.loop_id == bindparam("loop_id"),
    OutboxMessage.purpose == bindparam("purpose"),
    OutboxMessage.state != OutboxState.FAILED,
)


class OutboxSender:
    """Sends outbox rows; one per serving process for immediate sends, one in the dispatcher."""

    def __init__(
        self,
        *,
        db: Database,
        messenger: Messenger,
        worker: str | None = None,
        calendar: CalendarBackend | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.db = db
        self.messenger = messenger
        self.sleep = sleep
        """How a Retry-After is waited out where the messenger does not wait (`unsend`)."""
        self.calendar = calendar
        """Where rows of purpose `calendar` (interview events) are written."""
        self.worker = worker or f"{socket.gethostname()}:{uuid.uuid4().hex[:6]}"
        self.pace = SharedPace(db)
        """Channels Slack rate-limited, shared by every replica (see bot/pacing.py)."""

    def post(
        self, messages: list[Message], now: datetime, *, once: bool = False
    ) -> list[Posted | None]:
        """Queue `messages` (the second and later as replies in the first's thread) and send
        them now. Each is Posted, or None when it waits for a retry. A permanent refusal of
        the first raises OutboxFailed (the caller may say more than the generic notice).
        `once`: nothing is queued when a message of the first's purpose about its loop is
        already sent or on its way (two callers at once queue it once)."""
        rows = self._queue(messages, now, once=once)
        return self._send_now(rows, now, tell_first=False) if rows else [None] * len(messages)

    def _queue(
        self,
        messages: list[Message],
        now: datetime,
        *,
        replacing: bool = False,
        once: bool = False,
    ) -> list[Outgoing]:
        """Rows for `messages`, claimed by this sender to be sent at once, and whether Slack
        paced their channel (same transaction); `replacing`: each is an edit, and an earlier
        edit of the same message still waiting is moot; `once`: see `post`. None about a loop
        erased meanwhile."""
        with self.db.session() as session:
            connection = session.connection()
            about = {m.loop_id for m in messages if m.loop_id is not None}
            if about and kept_loops(connection, about, alone=once) != about:
                log.info("messages about an erased loop dropped", extra={"count": len(messages)})
                return []
            kind = {"loop_id": messages[0].loop_id, "purpose": messages[0].purpose}
            if once and connection.execute(_SENT_OR_ON_ITS_WAY, kind).first():
                return []
            rows: list[Outgoing] = []
            for message in messages:
                if replacing:
                    connection.execute(_MOOT, {"channel": message.channel, "ts": message.edits})
                thread_of = rows[0].id if rows and message.edits is None else None
                inserted = connection.execute(
                    _QUEUE,
                    {
                        "loop_id": message.loop_id,
                        "channel_id": message.channel,
                        "purpose": message.purpose,
                        "thread_of": thread_of,
                        "edits_ts": message.edits,
                        "text": message.text,
                        "blocks": message.blocks,
                        "actor": message.actor,
                        "state": OutboxState.CLAIMED,
                        "attempts": 1,
                        "due_at": now,
                        "lease_until": now + LEASE,
                        "claimed_by": self.worker,
                        "created_at": now,
                    },
                )
                rows.append(Outgoing.queued(inserted.inserted_primary_key[0], message, thread_of))
            keys = {channel_key(row.channel_id) for row in rows if row.purpose != CALENDAR}
            paced = {key for key in keys if self.pace.paced(connection, key)}
            return [replace(row, paced=channel_key(row.channel_id) in paced) for row in rows]

    def queue_in(self, session: Session, messages: list[Message], now: datetime) -> list[int]:
        """Rows for `messages` (posts, each on its own) written in the caller's transaction,
        claimed by this sender: `send_queued` sends them once it has committed. They are sent
        even if this process dies first: by the dispatcher, when the claim runs out."""
        ids = []
        for message in messages:
            row = {"channel_id": message.channel, "text": message.text, "blocks": message.blocks}
            row |= {"loop_id": message.loop_id, "purpose": message.purpose}
            row |= {"actor": message.actor, "state": OutboxState.CLAIMED, "attempts": 1}
            row |= {"claimed_by": self.worker, "lease_until": now + LEASE}
            inserted = session.connection().execute(
                _QUEUE, {**row, "due_at": now, "created_at": now}
            )
            ids.append(inserted.inserted_primary_key[0])
        return ids

    def send_queued(self, ids: list[int], now: datetime) -> None:
        """Send rows `queue_in` wrote, now that their transaction has committed."""
        for row_id in ids:
            self._send(row_id, now, tell=True)

    def edit(self, messages: list[Message], now: datetime) -> None:
        """Queue edits of posted messages (each `Message.edits` a ts) and send them now; an
        edit Slack refuses for a while is retried like a post, unless a later edit of the same
        message replaces it first, and the person who acted is told if it never goes through.
        A message after the first that edits nothing is posted in the first's thread."""
        self._send_now(self._queue(messages, now, replacing=True), now, tell_first=True)

    def _send_now(
        self, rows: list[Outgoing], now: datetime, *, tell_first: bool
    ) -> list[Posted | None]:
        """Send rows just queued, in order, without reading them back: a reply goes in the
        thread its first message started once Slack has that one, and a channel Slack
        rate-limited on the way is paced for the rest."""
        results: list[Posted | None] = []
        # outbox id -> ts, of the messages Slack has (an edit's: the message it edits)
        started: dict[int, str] = {row.id: row.edits_ts for row in rows if row.edits_ts}
        refused: set[str] = set()
        deadline = monotonic() + LEASE.total_seconds() / 2
        for index, row in enumerate(rows):
            if monotonic() > deadline:  # Slack was slow: the row may be the dispatcher's now
                results.append(self._send(row.id, now, tell=tell_first or index > 0))
                continue
            if row.thread_of is not None:
                row = replace(row, thread_ts=started.get(row.thread_of))
            posted = self._deliver(row, now, tell=tell_first or index > 0, refused=refused)
            if posted is not None:
                started[row.id] = posted.ts
            results.append(posted)
        return results

    def tick(self, now: datetime) -> int:
        """Send every row due at `now` (waiting ones, and ones whose sender died); returns how
        many went out."""
        sent = 0
        while True:
            ids = self._claim(now)
            for row_id in ids:
                sent += self._send(row_id, now, tell=True) is not None
            if len(ids) < BATCH:
                return sent

    def _claim(self, now: datetime) -> list[int]:
        with self.db.session() as session:
            query = _DUE_UNLOCKED if self.db.dialect == "postgresql" else _DUE
            rows = list(session.exec(query, params={"now": now}).all())
            for row in rows:
                row.state, row.claimed_by = OutboxState.CLAIMED, self.worker
                row.lease_until = now + LEASE
                row.attempts += 1
                session.add(row)
            return [row.id for row in rows if row.id is not None]

    def _send(self, row_id: int, now: datetime, *, tell: bool) -> Posted | None:
        """Send a row the dispatcher claimed, as it stands now (with its thread's first)."""
        with self.db.read() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.claimed_by != self.worker or row.state != OutboxState.CLAIMED:
                return None
            parent = session.get(OutboxMessage, row.thread_of) if row.thread_of else None
            outgoing = Outgoing.of(
                row,
                # A reply to an edit goes in the thread of the message edited, whether or not
                # that edit went out (a later one may have replaced it).
                thread_ts=(parent.edits_ts or parent.sent_ts) if parent is not None else None,
                thread_failed=row.thread_of is not None
                and (
                    parent is None or (parent.state == OutboxState.FAILED and not parent.edits_ts)
                ),
                paced=row.purpose != CALENDAR
                and row.last_error != RATE_LIMITED
                and self.pace.paced(session.connection(), channel_key(row.channel_id)),
            )
        return self._deliver(outgoing, now, tell=tell)

    def _deliver(
        self, row: Outgoing, now: datetime, *, tell: bool, refused: set[str] | None = None
    ) -> Posted | None:
        """Hand `row` to Slack (or the calendar) and record the outcome; `refused` collects the
        channels Slack rate-limited, and a row on one of them takes a slot first."""
        if row.purpose == CALENDAR:
            return self._write_event(row, now)
        if row.thread_failed:
            self._fail(row.id, now, "thread_failed", tell=False)
            return None
        thread_ts = row.thread_ts
        if row.thread_of is not None and thread_ts is None:  # the thread's first waits yet
            self._retry(row.id, now + backoff(1), "waiting_for_thread", count=False)
            return None
        if row.edits_ts is not None and replaced(self.db, row):
            return None
        key = channel_key(row.channel_id)
        if row.paced or (refused and row.channel_id in refused):  # take the lane's next slot
            with self.db.session() as session:
                slot = self.pace.slot(session.connection(), key, now)
            if slot is not None and slot > now:
                self._retry(row.id, slot, RATE_LIMITED, count=False)
                return None
        try:
            if row.edits_ts is not None:
                self.messenger.update(
                    row.channel_id, row.edits_ts, text=row.text, blocks=row.blocks
                )
                posted = Posted(channel=row.channel_id, ts=row.edits_ts)
            else:
                where = row.channel_id
                if is_user_id(where):
                    where = self.messenger.dm_channel(where)
                posted = self.messenger.post(
                    where, text=row.text, blocks=row.blocks, thread_ts=thread_ts
                )
        except RateLimited as exc:
            if refused is not None:
                refused.add(row.channel_id)
            with self.db.session() as session:
                slot = self.pace.refused(session.connection(), key, now, exc.retry_after)
            self._retry(row.id, slot, RATE_LIMITED, count=False)
            return None
        except SlackCallFailed as exc:
            if exc.error in PERMANENT or row.attempts >= MAX_ATTEMPTS:
                self._fail(row.id, now, exc.error, tell=tell and exc.error not in GONE)
                if not tell:
                    raise OutboxFailed(exc.error) from None
                return None
            self._retry(row.id, now + backoff(row.attempts), exc.error)
            return None
        except SlackUnavailable:
            if row.attempts >= MAX_ATTEMPTS:
                self._fail(row.id, now, "unreachable", tell=True)
            else:
                self._retry(row.id, now + backoff(row.attempts), "unreachable")
            return None
        # Two statements, no objects loaded: every message loopbot sends pays for this.
        with self.db.session() as session:
            connection = session.connection()
            hold(connection, row.loop_id)
            marked = connection.execute(_SENT, {"row": row.id, "ts": posted.ts})
            if marked.rowcount and row.edits_ts is None:  # an edited message is recorded already
                record = {"loop_id": row.loop_id, "channel_id": posted.channel, "ts": posted.ts}
                connection.execute(_RECORD, {**record, "purpose": row.purpose, "posted_at": now})
        if not marked.rowcount:  # its loop was erased while it was on its way
            unsend(self.messenger, [(posted.channel, posted.ts)], wait=self.sleep)
            return None
        return posted

    def revise(self, loop_id: int, purpose: str, build: Callable[[], dict]) -> None:
        """Posts about `loop_id` for `purpose` still waiting for Slack go out as `build()` says
        (`revise_waiting`)."""
        revise_waiting(self.db, loop_id, purpose, build)

    def _write_event(self, row: Outgoing, now: datetime) -> Posted | None:
        """A calendar row: the event written as the loop stands now (idempotent by UID)."""
        if self.calendar is None:
            self._fail(row.id, now, "no calendar is configured", tell=False)
            return None
        try:
            done = write_event(
                db=self.db,
                calendar=self.calendar,
                messenger=self.messenger,
                user_id=row.channel_id,
                round_id=int(row.text),
                now=now,
            )
        except CalendarRefused as exc:
            self._fail(row.id, now, f"calendar refused: {exc}", tell=False)
            return None
        except (CalendarUnavailable, SlackUnavailable) as exc:
            if row.attempts >= MAX_ATTEMPTS:
                self._fail(row.id, now, f"calendar unavailable: {exc}", tell=False)
            else:
                self._retry(row.id, now + backoff(row.attempts), f"calendar: {exc}")
            return None
        self._written(row.id, done)
        return Posted(channel=row.channel_id, ts="")

    def _written(self, row_id: int, done: str) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None:
                row.state, row.lease_until, row.last_error = OutboxState.SENT, None, None
                session.add(row)
        log.info("calendar event written", extra={"outbox": row_id, "calendar": done})

    def _retry(self, row_id: int, when: datetime, error: str, *, count: bool = True) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.state, row.due_at, row.lease_until = OutboxState.PENDING, when, None
            row.last_error = error[:200]
            if not count:
                row.attempts = max(0, row.attempts - 1)
            session.add(row)
        log.info("message waits for a retry", extra={"outbox": row_id, "slack_error": error})

    def _fail(self, row_id: int, now: datetime, error: str, *, tell: bool) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.state, row.lease_until, row.last_error = OutboxState.FAILED, None, error[:200]
            session.add(row)
            notice = Undelivered.of(session, row, error) if tell else None
        log.warning("message not delivered", extra={"outbox": row_id, "slack_error": error})
        if notice is not None:
            notice.send(self.messenger)
