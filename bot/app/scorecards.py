"""Use cases for scorecards: open the form, submit, keep a draft, read the loop's scorecards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.app import Done
from bot.app.announce import admit_reader, dm_about, refresh_card_soon
from bot.app.summary import debrief_if_all_in, refresh_summary, tell_all_in
from bot.commands import round_number as parse_round_number
from bot.errors import InvalidInput
from bot.loops.locks import hold
from bot.loops.queries import find_loop, rounds_run_by, standing
from bot.runtime import Runtime
from bot.scorecards.form import ScorecardAnswers
from bot.scorecards.service import (
    Readable,
    Subject,
    first_owed,
    open_scorecard,
    readable_scorecards,
    save_draft,
    subject_of,
    submit_scorecard,
)
from bot.slack.blocks.scorecards import build_message_scorecard_receipt

RECEIPT = "scorecard_receipt"
ReadAnswers = Callable[[Subject], ScorecardAnswers]


@dataclass(frozen=True)
class ScorecardForm:
    subject: Subject
    answers: ScorecardAnswers | None
    submitted_at: datetime | None = None
    """Set when the form edits a submitted scorecard: closing it keeps what was submitted."""


def round_number(raw: str) -> int:
    """A round number as typed or carried by a button; anything else is refused plainly."""
    number = parse_round_number(raw)
    if number is None:
        raise InvalidInput("Give the round as a number, e.g. `2`.")
    return number


def scorecard_form(runtime: Runtime, *, actor: str, ref: str, number: int | None) -> ScorecardForm:
    """The person's scorecard for a round (when none is named, their first round whose
    scorecard is not in yet), with their draft or submitted answers, once they may write it."""
    admins = runtime.settings.loopbot_admins
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        if number is None:
            mine = rounds_run_by(session, loop, actor)
            if not mine:
                raise InvalidInput(f"You don't run a round in loop `{loop.short_id}`.")
            number = first_owed(session, loop, actor, mine)
        subject = subject_of(session, runtime.library, loop.short_id, number)
        who = standing(session, subject.loop, actor, admins=admins, template=subject.template)
        return ScorecardForm(subject, *open_scorecard(session, subject, who))


def submit(runtime: Runtime, *, actor: str, ref: str, number: int, read: ReadAnswers) -> Done:
    """Store a submission (raises `ScorecardProblems` naming fields, storing nothing); then the
    receipt, the channel once all the person's scorecards are in, the card, the debrief. An
    edit of a submitted scorecard leaves the card as it is (it shows who is in, not what they
    said); an open debrief's summary is brought up to date."""
    admins = runtime.settings.loopbot_admins
    with runtime.db.session() as session:
        hold(session, ref)
        subject = subject_of(session, runtime.library, ref, number)
        who = standing(session, subject.loop, actor, admins=admins, template=subject.template)
        answers = read(subject)
        stored = submit_scorecard(session, subject, who, answers, runtime.clock())
        loop_id, revision = subject.loop.id, stored.revision
    assert loop_id is not None
    if not stored.changed:
        return Done("")  # sent again as it is: its receipt is on its way already
    receipt = build_message_scorecard_receipt(subject=subject, answers=answers, revision=revision)

    def follow_up() -> None:
        # Into the channel first: the receipt is what tells them they may now read it (again on
        # an edit, in case Slack refused the first time).
        admit_reader(runtime=runtime, loop_id=loop_id, user_id=actor)
        dm_about(runtime, loop_id, actor, purpose=RECEIPT, **receipt)
        if stored.first:
            refresh_card_soon(runtime=runtime, loop_id=loop_id, actor=actor)
        if not (stored.last and debrief_if_all_in(runtime=runtime, loop_id=loop_id)):
            # A debrief opened early keeps its summary current as the others come in.
            refresh_summary(runtime=runtime, loop_id=loop_id, actor=actor)
            if stored.last:
                tell_all_in(runtime=runtime, loop_id=loop_id, actor=actor)

    return Done("", follow_up)


def keep_draft(runtime: Runtime, *, actor: str, ref: str, number: int, read: ReadAnswers) -> None:
    """What was typed when the form closed, kept for next time."""
    admins = runtime.settings.loopbot_admins
    with runtime.db.session() as session:
        hold(session, ref)
        subject = subject_of(session, runtime.library, ref, number)
        who = standing(session, subject.loop, actor, admins=admins, template=subject.template)
        save_draft(session, subject, who, read(subject), runtime.clock())


def read_scorecards(runtime: Runtime, *, actor: str, ref: str) -> tuple[str, list[Readable], bool]:
    """The loop's submitted scorecards: content where the person may read it, status elsewhere;
    refused to anyone outside the loop. With whether its debrief is open."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        return loop.short_id, readable_scorecards(session, loop, who), who.debrief_open
