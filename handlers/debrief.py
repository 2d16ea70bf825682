"""The debrief: `/loop debrief|finalist|export|calibration`, and the summary's buttons."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.app import debrief
from bot.commands import CommandSpec
from bot.debrief.calibration import LAST_LOOPS
from bot.debrief.service import Outcome
from bot.errors import InvalidInput, LoopbotError
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks import build_message_document
from bot.slack.blocks.debrief import (
    DebriefIds,
    build_message_calibration,
    build_modal_decision,
    decide_action,
)
from bot.slack.blocks.loops import LoopIds
from handlers.forms import Form
from handlers.middleware import Listeners, answer, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands

USAGE = {
    "debrief": "/loop debrief <loop>",
    "finalist": "/loop finalist <loop>",
    "export": "/loop export <loop>",
}


def _decision_ref(value: str) -> tuple[str, Outcome]:
    short_id, _, raw = (value or "").partition(":")
    try:
        return short_id, Outcome(raw)
    except ValueError:
        raise InvalidInput("That decision button is broken; use the debrief summary.") from None


def _action_value(body: dict) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def _first_arg(args: tuple[str, ...], name: str) -> str:
    if not args:
        raise InvalidInput(render("usage", usage=USAGE[name]))
    return args[0]


def handle_debrief_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    ref = _first_arg(args, "debrief")
    ack()
    done = debrief.open_debrief(runtime, actor=command.user_id, ref=ref)
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_debrief_open_button(ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    done = debrief.open_debrief(runtime, actor=body["user"]["id"], ref=_action_value(body))
    answer(runtime, respond, body, body["user"]["id"], done, replace_original=False)


def handle_finalist_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    ref = _first_arg(args, "finalist")
    ack()
    done = debrief.finalist(runtime, actor=command.user_id, ref=ref)
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_finalist_button(ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    done = debrief.finalist(runtime, actor=body["user"]["id"], ref=_action_value(body))
    answer(runtime, respond, body, body["user"]["id"], done, replace_original=False)


def handle_decide_button(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    short_id, outcome = _decision_ref(_action_value(body))
    candidate = debrief.decision_form(runtime, actor=body["user"]["id"], ref=short_id)
    runtime.messenger.open_view(
        body["trigger_id"],
        build_modal_decision(short_id=short_id, outcome=outcome, candidate=candidate),
    )


def handle_decision_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    short_id, outcome = _decision_ref(view.get("private_metadata", ""))
    reason = Form(view).text(DebriefIds.REASON)
    try:
        done = debrief.decide(
            runtime, actor=body["user"]["id"], ref=short_id, outcome=outcome, reason=reason
        )
    except LoopbotError as refusal:
        ack(response_action="errors", errors={DebriefIds.REASON: refusal.user_message})
        return
    ack(response_action="clear")
    later(runtime, body, done.then)


def handle_export_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    ref = _first_arg(args, "export")
    ack()
    respond(**build_message_document(debrief.export(runtime, actor=command.user_id, ref=ref)))


def handle_calibration_command(
    *, ack: Ack, command: SlashCommand, runtime: Runtime, **_: object
) -> None:
    rows = debrief.calibration(runtime, actor=command.user_id)
    ack(**build_message_calibration(rows=rows, last=LAST_LOOPS))


def register(listeners: Listeners, commands: LoopCommands) -> None:
    commands.add(
        CommandSpec("debrief", USAGE["debrief"], "open the debrief now (hiring manager)"),
        handle_debrief_command,
    )
    commands.add(
        CommandSpec(
            "finalist",
            USAGE["finalist"],
            "mark the candidate a finalist; the executive sponsor is told (hiring manager)",
        ),
        handle_finalist_command,
    )
    commands.add(
        CommandSpec("export", USAGE["export"], "the debrief as Markdown (hiring manager, admins)"),
        handle_export_command,
    )
    commands.add(
        CommandSpec(
            "calibration",
            "/loop calibration",
            "how interviewers compare with their panels (interview leads)",
        ),
        handle_calibration_command,
    )
    listeners.action(LoopIds.CARD_DEBRIEF, handle_debrief_open_button)
    listeners.action(DebriefIds.FINALIST, handle_finalist_button)
    for outcome in Outcome:
        listeners.action(decide_action(outcome), handle_decide_button)
    listeners.view(DebriefIds.DECISION, handle_decision_submitted)
