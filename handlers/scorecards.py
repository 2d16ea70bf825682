"""Scorecards: open from a DM, App Home or `/loop scorecard`; submit, draft on close, read."""

from __future__ import annotations

from slack_bolt import Ack

from bot.app import scorecards
from bot.app.scorecards import round_number
from bot.commands import CommandSpec
from bot.commands import round_number as parse_round_number
from bot.documents.models import ValueStatus
from bot.errors import InvalidInput, LoopbotError
from bot.render import render
from bot.runtime import Runtime
from bot.scorecards.form import ScorecardAnswers, SignalRating, ValueFinding
from bot.scorecards.service import ScorecardProblems, Subject
from bot.slack.blocks.scorecards import (
    Field,
    ScorecardIds,
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
    number = parse_round_number(ref)
    if not short_id or number is None:
        raise InvalidInput("That scorecard link is broken; use `/loop scorecard <loop>`.")
    return short_id, number


def _open_modal(runtime: Runtime, trigger_id: str, actor: str, ref: str, number: int | None):
    form = scorecards.scorecard_form(runtime, actor=actor, ref=ref, number=number)
    runtime.messenger.open_view(
        trigger_id,
        build_modal_scorecard(
            subject=form.subject, answers=form.answers, submitted_at=form.submitted_at
        ),
    )


def handle_scorecard_command(
    *, ack: Ack, command: SlashCommand, args: tuple[str, ...], runtime: Runtime, **_: object
) -> None:
    if not args:
        raise InvalidInput(render("usage", usage=USAGE))
    number = round_number(args[1]) if len(args) > 1 else None
    form = scorecards.scorecard_form(runtime, actor=command.user_id, ref=args[0], number=number)
    ack()
    runtime.messenger.open_view(
        command.trigger_id,
        build_modal_scorecard(
            subject=form.subject, answers=form.answers, submitted_at=form.submitted_at
        ),
    )


def handle_scorecard_open(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    short_id, number = _reference(_action_value(body))
    _open_modal(runtime, body["trigger_id"], body["user"]["id"], short_id, number)


def _action_value(body: dict) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def handle_scorecard_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    short_id, number = _reference(view.get("private_metadata", ""))
    try:
        done = scorecards.submit(
            runtime,
            actor=body["user"]["id"],
            ref=short_id,
            number=number,
            read=lambda subject: read_answers(view, subject),
        )
    except ScorecardProblems as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    except LoopbotError as refusal:
        ack(response_action="errors", errors={Field.RECOMMENDATION: refusal.user_message})
        return
    ack(response_action="clear")
    later(runtime, body, done.then)


def handle_scorecard_closed(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    ack()
    short_id, number = _reference(view.get("private_metadata", ""))
    scorecards.keep_draft(
        runtime,
        actor=body["user"]["id"],
        ref=short_id,
        number=number,
        read=lambda subject: read_answers(view, subject),
    )


def handle_scorecards_read(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    short_id, items, opened = scorecards.read_scorecards(
        runtime, actor=body["user"]["id"], ref=_action_value(body)
    )
    view = build_modal_scorecard_read(loop_short_id=short_id, items=items, debrief_open=opened)
    runtime.messenger.open_view(body["trigger_id"], view)


def register(listeners: Listeners, commands: LoopCommands) -> None:
    commands.add(
        CommandSpec("scorecard", USAGE, "write or edit your scorecard"), handle_scorecard_command
    )
    listeners.action(ScorecardIds.OPEN, handle_scorecard_open)
    listeners.action(ScorecardIds.READ, handle_scorecards_read)
    listeners.view(ScorecardIds.SUBMIT, handle_scorecard_submitted)
    listeners.view_closed(ScorecardIds.SUBMIT, handle_scorecard_closed)
