"""Scorecards: open from a DM, App Home or `/loop scorecard`; submit, draft on close, read."""

from __future__ import annotations

from slack_bolt import Ack

from bot.commands import CommandSpec, round_number
from bot.debrief.announce import debrief_if_all_in
from bot.documents.models import ValueStatus
from bot.errors import InvalidInput, LoopbotError
from bot.loops.announce import refresh_card_soon
from bot.loops.queries import find_loop, rounds_run_by
from bot.runtime import Runtime
from bot.scorecards.form import ScorecardAnswers, SignalRating, ValueFinding
from bot.scorecards.service import (
    ScorecardProblems,
    Subject,
    open_scorecard,
    readable_scorecards,
    save_draft,
    subject_of,
    submit_scorecard,
)
from bot.slack.blocks.scorecards import (
    Field,
    ScorecardIds,
    build_message_scorecard_receipt,
    build_modal_scorecard,
    build_modal_scorecard_read,
    question_field,
    signal_evidence_field,
    signal_field,
    value_evidence_field,
    value_field,
)
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands

USAGE = "/loop scorecard <loop> [round]"


def read_answers(view: dict, subject: Subject) -> ScorecardAnswers:
    """The modal's state as answers; anything Slack could send but the form never offered is
    dropped or refused by validation, never stored as given."""
    form = Form(view)
    ratings = [
        SignalRating(
            signal=signal,
            rating=form.option(signal_field(i)),
            evidence=form.text(signal_evidence_field(i)),
        )
        for i, signal in enumerate(subject.spec.measure)
    ]
    values = []
    for i, value in enumerate(subject.values):
        raw = form.option(value_field(i))
        status = ValueStatus(raw) if raw in {s.value for s in ValueStatus} else None
        values.append(
            ValueFinding(value=value, status=status, evidence=form.text(value_evidence_field(i)))
        )
    return ScorecardAnswers(
        ratings=ratings,
        question_notes=[
            form.text(question_field(i)) for i in range(len(subject.spec.core_questions))
        ],
        values=values,
        recommendation=form.option(Field.RECOMMENDATION),
        key_evidence=form.text(Field.KEY_EVIDENCE),
        concerns=form.text(Field.CONCERNS),
        private_note=form.text(Field.PRIVATE_NOTE),
        artifacts=form.options(Field.ARTIFACTS),
    )


def _reference(value: str) -> tuple[str, int]:
    short_id, _, ref = (value or "").partition(":")
    number = round_number(ref)
    if number is None:
        raise InvalidInput("That scorecard link is broken; use `/loop scorecard <loop>`.")
    return short_id, number


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:

    def _modal(user_id: str, short_id: str, number: int) -> dict:
        with runtime.db.read() as session:
            subject = subject_of(session, runtime.library, short_id, number)
            answers = open_scorecard(session, subject, user_id)
        return build_modal_scorecard(subject=subject, answers=answers)

    def handle_scorecard_command(
        *, ack: Ack, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        if not args:
            raise InvalidInput(f"Usage: `{USAGE}`")
        with runtime.db.read() as session:
            loop = find_loop(session, args[0])
            mine = rounds_run_by(session, loop, command.user_id)
        if len(args) > 1:
            typed = round_number(args[1])
            if typed is None:
                raise InvalidInput(f"Give the round as a number. Usage: `{USAGE}`")
            number = typed
        elif mine:
            number = mine[0]
        else:
            raise InvalidInput(f"You don't run a round in loop `{loop.short_id}`.")
        modal = _modal(command.user_id, loop.short_id, number)
        ack()
        runtime.messenger.open_view(command.trigger_id, modal)

    def handle_open(ack: Ack, body: dict) -> None:
        ack()
        short_id, number = _reference(body["actions"][0].get("value", ""))
        modal = _modal(body["user"]["id"], short_id, number)
        runtime.messenger.open_view(body["trigger_id"], modal)

    def handle_submit(ack: Ack, body: dict, view: dict) -> None:
        user_id = body["user"]["id"]
        short_id, number = _reference(view.get("private_metadata", ""))
        try:
            with runtime.db.session() as session:
                subject = subject_of(session, runtime.library, short_id, number)
                answers = read_answers(view, subject)
                card, last = submit_scorecard(session, subject, user_id, answers, runtime.clock())
                loop_id, revision = subject.loop.id, card.revision
        except ScorecardProblems as problem:
            ack(response_action="errors", errors=problem.errors)
            return
        except LoopbotError as refusal:
            ack(response_action="errors", errors={Field.RECOMMENDATION: refusal.user_message})
            return
        ack(response_action="clear")

        def tell() -> None:
            receipt = build_message_scorecard_receipt(
                subject=subject, answers=answers, revision=revision
            )
            runtime.messenger.dm(user_id, text=receipt["text"], blocks=receipt["blocks"])
            refresh_card_soon(runtime=runtime, loop_id=loop_id)
            if last:
                debrief_if_all_in(runtime=runtime, loop_id=loop_id)

        later(runtime, body, tell)

    def handle_closed(ack: Ack, body: dict, view: dict) -> None:
        ack()
        short_id, number = _reference(view.get("private_metadata", ""))
        with runtime.db.session() as session:
            subject = subject_of(session, runtime.library, short_id, number)
            save_draft(
                session, subject, body["user"]["id"], read_answers(view, subject), runtime.clock()
            )

    def handle_read(ack: Ack, body: dict) -> None:
        ack()
        short_id = body["actions"][0].get("value", "")
        with runtime.db.read() as session:
            loop = find_loop(session, short_id)
            items = readable_scorecards(
                session, loop, body["user"]["id"], runtime.settings.loopbot_admins
            )
        runtime.messenger.open_view(
            body["trigger_id"], build_modal_scorecard_read(loop_short_id=loop.short_id, items=items)
        )

    commands.add(
        CommandSpec("scorecard", USAGE, "write or edit your scorecard"), handle_scorecard_command
    )
    listeners.action(ScorecardIds.OPEN, handle_open)
    listeners.action(ScorecardIds.READ, handle_read)
    listeners.view(ScorecardIds.SUBMIT, handle_submit)
    listeners.view_closed(ScorecardIds.SUBMIT, handle_closed)
