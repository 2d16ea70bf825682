"""Typed inputs and proposals for creating and changing loops."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class LoopRequest(BaseModel):
    """Step 1 of `/loop create`: who the candidate is, which document, and who fills each role."""

    model_config = ConfigDict(frozen=True)
    candidate_name: str
    candidate_key: str | None = None
    template_id: str
    variant: str | None = None
    briefed_round: int | None = None
    candidate_tz: str
    candidate_hours: str | None = None
    """When the candidate can interview (`Mon-Fri 09:00-17:30`, their time); None: the default."""
    first_day: date
    people: dict[str, list[str]]
    created_by: str


class ProposedRound(BaseModel):
    """One round of a proposal. A live round has a start time and a place; an asynchronous one
    (format "async": a take-home, a submission) has no slot but a submission deadline."""

    model_config = ConfigDict(frozen=True)
    number: int
    name: str
    starts_at: datetime | None
    minutes: int
    format: str
    responsible: str | None
    problem: str | None = None
    deadline: datetime | None = None
    written_due: datetime | None = None
    """A hybrid round's written part: the candidate's working day before, unless set by hand."""
    place: str | None = None
    co_interviewers: list[str] = []
    """The panel's other interviewers: each writes a scorecard too."""
    observers: list[str] = []
    """In the room with the guide; no scorecard."""
    unpinned: list[str] = []
    """People the round type pins to this round who could not make its time."""
    trainee: str | None = None
    """A trainee beside the interviewers; `trainee_part` says how (shadow, reverse_shadow)."""
    trainee_part: str | None = None

    @property
    def members(self) -> list[str]:
        """Everyone the round books: interviewers, then observers, then a trainee."""
        lead = [self.responsible] if self.responsible else []
        trainee = [self.trainee] if self.trainee else []
        return [*lead, *self.co_interviewers, *self.observers, *trainee]

    @property
    def asynchronous(self) -> bool:
        return self.format == "async"


class Unavailable(BaseModel):
    """Why one person could not take a round: "hours" (their day does not overlap the
    candidate's), "short" (it overlaps by less than the round), "cap" (weekly cap), "daily"
    (daily maximum) or "busy" (taken at every shared time)."""

    model_config = ConfigDict(frozen=True)
    user_id: str
    reason: str
    hours: str
    overlap_minutes: int = 0


class Gap(BaseModel):
    """A live round no one could take inside everyone's working day: who, and why."""

    model_config = ConfigDict(frozen=True)
    number: int
    minutes: int
    candidate_hours: str
    candidate_utc: str
    searched: str = ""
    """The candidate's days searched, first to last (`Tue 24 Nov to Mon 07 Dec`)."""
    people: list[Unavailable]


class Proposal(BaseModel):
    """Step 2: the schedule and Responsible per round, as proposed or as edited by a person;
    `gaps` explains the live rounds left without a time, `zones` is each person's time zone."""

    model_config = ConfigDict(frozen=True)
    request: LoopRequest
    rounds: list[ProposedRound]
    gaps: dict[int, Gap] = {}
    zones: dict[str, str] = {}
    candidate_day: str = ""
    """The candidate's working day the times were proposed in (`Mon–Fri 09:00–17:30`)."""
    unreadable: list[str] = []
    """People whose calendars could not be read for this proposal (Slack user ids)."""
    warnings: list[str] = []
    """What the recruiter should know before creating the loop (bot.loops.briefing)."""
