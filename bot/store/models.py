"""The tables. The database is also the schedule: reminders are rows, claimed with a lease."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime, utcnow


class LoopStatus(StrEnum):
    SCHEDULED = "scheduled"
    DEBRIEF = "debrief"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class ReminderState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    REPLACED = "replaced"
    """An edit a later edit of the same message made moot before it went out."""
    CANCELLED = "cancelled"


class TemplateVersion(SQLModel, table=True):
    """A loop document as it was understood when a loop was created from it."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "sha256"),)
    id: int | None = Field(default=None, primary_key=True)
    template_id: str = Field(index=True, max_length=200)
    version: str = Field(max_length=50)
    sha256: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Loop(SQLModel, table=True):
    __tablename__ = "loops"
    id: int | None = Field(default=None, primary_key=True)
    short_id: str = Field(unique=True, max_length=16)
    candidate_name: str = Field(max_length=200)
    candidate_key: str | None = Field(default=None, index=True, max_length=200)
    template_version_id: int = Field(foreign_key="template_versions.id")
    variant: str | None = Field(default=None, max_length=100)
    candidate_tz: str = Field(max_length=64)
    candidate_hours: str | None = Field(
        default=None,
        max_length=40,
        description="when the candidate can interview (`Tue-Thu 13:00-17:00`, their time); "
        "None: LOOPBOT_WORKING_HOURS",
    )
    channel_id: str | None = Field(default=None, max_length=32)
    status: str = Field(default=LoopStatus.SCHEDULED, index=True, max_length=20)
    finalist: bool = False
    briefed_round: int | None = Field(
        default=None, description="the round the candidate's documents brief, when they name none"
    )
    debrief_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, description="bumped by every change people are told about")
    created_by: str = Field(max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Round(SQLModel, table=True):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("loop_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    number: int
    name: str = Field(max_length=200)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    duration_minutes: int = 60
    format: str = Field(default="on-site", max_length=20)
    place: str | None = Field(default=None, max_length=500, description="a room or a meeting link")
    deadline: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="an asynchronous round's submission due"
    )
    received_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="when the recruiter marked it received"
    )
    review_due: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="the end of the reviewer's window"
    )
    written_due: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="a hybrid round's written part, due from the candidate before its review",
    )
    version: int = Field(default=1, description="bumped by every reschedule or swap")
    cancelled: bool = False


class Assignment(SQLModel, table=True):
    """A person in a RACI letter for one round, or (round_id None) holding a role in the loop."""

    __tablename__ = "assignments"
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="rounds.id", index=True)
    letter: str = Field(max_length=1)
    role_code: str = Field(max_length=16)
    user_id: str = Field(index=True, max_length=32)
    active: bool = True
    part: str = Field(
        default="interviewer",
        max_length=16,
        description="an R row: interviewer, shadow or reverse_shadow (a trainee's)",
    )
    seat_of: int | None = Field(
        default=None,
        description="the first row of the seat this one took over (a swap, a replacement): "
        "its place among the round's people, the lead's first; None for a seat's first row",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint(
            "assignment_id", "kind", "round_version", "step", name="uq_reminders_step"
        ),
        # The dispatcher's claim: rows waiting or leased, by due time, never the sent history.
        Index("ix_reminders_state_due_at", "state", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", index=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="rounds.id", index=True)
    kind: str = Field(max_length=32)
    round_version: int = Field(description="the round's (or, loop-wide, the loop's) version")
    step: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="a scorecard reminder's place in the feedback cadence (0: the first); for "
        "the late-scorecards DM, the escalation row that raised it",
    )
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    state: str = Field(default=ReminderState.PENDING, index=True, max_length=16)
    attempts: int = 0
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=32)
    sent_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Scorecard(SQLModel, table=True):
    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("round_id", "author_id"),)
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    author_id: str = Field(max_length=32)
    submitted: bool = False
    recommendation: str | None = Field(default=None, max_length=100)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    private_note: str | None = None
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revision: int = Field(default=0, description="how many times it was submitted")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ScorecardRevision(SQLModel, table=True):
    """Every submitted version of a scorecard, so edits never erase what was said before."""

    __tablename__ = "scorecard_revisions"
    __table_args__ = (UniqueConstraint("scorecard_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecards.id", index=True)
    revision: int
    recommendation: str | None = Field(default=None, max_length=100)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    private_note: str | None = None
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Decision(SQLModel, table=True):
    __tablename__ = "decisions"
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int = Field(foreign_key="loops.id", unique=True)
    decided_by: str = Field(max_length=32)
    outcome: str = Field(max_length=20)
    reason: str = ""
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what to which loop; `detail` never holds candidate names or scorecard text."""

    __tablename__ = "audit_entries"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=32)
    action: str = Field(max_length=64)
    loop_id: int | None = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SlackMessage(SQLModel, table=True):
    """A message loopbot posted about a loop, so it can be updated in place or erased."""

    __tablename__ = "slack_messages"
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int | None = Field(default=None, foreign_key="loops.id", index=True)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    purpose: str = Field(max_length=32)
    posted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already taken, so Slack's retries are processed once."""

    __tablename__ = "processed_events"
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SeenRequest(SQLModel, table=True):
    """Signed HTTP requests already accepted, kept for Slack's 5-minute window so a replay is
    refused by every process and replica, and after a restart."""

    __tablename__ = "seen_requests"
    key: str = Field(primary_key=True, max_length=64, description="sha256 of the signature")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class OutboxState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    REPLACED = "replaced"
    """An edit a later edit of the same message made moot before it went out."""


class OutboxMessage(SQLModel, table=True):
    """A message loopbot means to post to a channel, kept until Slack has it: sent at once when
    it can be, retried with backoff by the dispatcher when Slack refuses for a while, and the
    person who acted told when it gives up. `loop_id` lets a purge erase it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due_at", "state", "due_at"),
        # Every edit asks whether a later edit of the same message is on its way.
        Index("ix_outbox_channel_id_edits_ts", "channel_id", "edits_ts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int | None = Field(default=None, index=True)
    channel_id: str = Field(max_length=32)
    purpose: str = Field(max_length=32, description="as recorded in slack_messages once sent")
    thread_of: int | None = Field(default=None, description="the outbox row it replies to")
    text: str
    blocks: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    actor: str | None = Field(default=None, max_length=32, description="told if it fails")
    state: str = Field(default=OutboxState.PENDING, max_length=16)
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_ts: str | None = Field(default=None, max_length=32)
    edits_ts: str | None = Field(
        default=None, max_length=32, description="an edit (chat.update) of this message"
    )
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkingHours(SQLModel, table=True):
    """The days and hours a person interviews, as they set them in App Home (local times; their
    time zone comes from Slack)."""

    __tablename__ = "working_hours"
    user_id: str = Field(primary_key=True, max_length=32)
    days: str = Field(default="01234", max_length=7, description="weekdays, 0 = Monday")
    start_minute: int = Field(default=540, description="minutes after local midnight")
    end_minute: int = Field(default=1050, description="minutes after local midnight")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeclineState(StrEnum):
    ASKING = "asking"
    """loopbot is asking replacements, one at a time."""
    REPLACED = "replaced"
    HANDED_OVER = "handed_over"
    """No replacement in time: the recruiter picks someone."""
    CLOSED = "closed"
    """The round changed hands another way, or the loop was cancelled."""


class Decline(SQLModel, table=True):
    """An interviewer who cannot make their round, and why (for the recruiter and the hiring
    manager only; erased with the candidate)."""

    __tablename__ = "declines"
    id: int | None = Field(default=None, primary_key=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    user_id: str = Field(max_length=32)
    reason: str = ""
    state: str = Field(default=DeclineState.ASKING, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AskState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    VOID = "void"
    """Withdrawn: the round found someone else or the loop ended."""


class ReplacementAsk(SQLModel, table=True):
    """One person asked to take over a declined round, with an answer by `expires_at`."""

    __tablename__ = "replacement_asks"
    id: int | None = Field(default=None, primary_key=True)
    decline_id: int = Field(foreign_key="declines.id", index=True)
    loop_id: int = Field(foreign_key="loops.id", index=True)
    user_id: str = Field(max_length=32)
    state: str = Field(default=AskState.PENDING, index=True, max_length=16)
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)


class SlackPace(SQLModel, table=True):
    """Slack's pace for one key (a person's DM, a channel), learned from its 429s and shared by
    every replica: the next moment a message on that key may go (`not_before`, seconds since
    the epoch), moved on by `pace` seconds for each message given a slot."""

    __tablename__ = "slack_paces"
    key: str = Field(primary_key=True, max_length=80, description="dm:USER or channel:CHANNEL")
    not_before: float
    pace: float
