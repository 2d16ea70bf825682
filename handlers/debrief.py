"""The debrief: `/loop debrief`, the Open debrief button, and the decision buttons."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.authz import Action, require
from bot.commands import CommandSpec
from bot.debrief.announce import post_summary, refresh_summary, summary_posted
from bot.debrief.calibration import LAST_LOOPS, calibrate
from bot.debrief.service import Outcome, open_early, record_decision
from bot.errors import InvalidInput, LoopbotError
from bot.loops.announce import refresh_card
from bot.loops.queries import find_loop, standing
from bot.runtime import Runtime
from bot.slack.blocks.debrief import (
    DebriefIds,
    build_message_calibration,
    build_modal_decision,
    decide_action,
)
from bot.slack.blocks.loops import LoopIds
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands

USAGE = "/loop debrief <loop>"


def _decision_ref(value: str) -> tuple[str, Outcome]:
    short_id, _, raw = (value or "").partition(":")
    try:
        return short_id, Outcome(raw)
    except ValueError:
        raise InvalidInput("That decision button is broken; use the debrief summary.") from None


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:
    admins = runtime.settings.loopbot_admins

    def _open(ref: str, user_id: str) -> str:
        with runtime.db.session() as session:
            loop = find_loop(session, ref)
            open_early(session, loop, user_id, admins, runtime.clock())
            loop_id, short_id = loop.id, loop.short_id
        already = summary_posted(runtime, loop_id)
        post_summary(runtime=runtime, loop_id=loop_id)
        refresh_card(runtime=runtime, loop_id=loop_id)
        return (
            f"The debrief for loop `{short_id}` is already open."
            if already
            else f"The debrief for loop `{short_id}` is open; its summary is in the loop's channel."
        )

    def handle_debrief_command(
        *, ack: Ack, respond: Respond, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        if not args:
            raise InvalidInput(f"Usage: `{USAGE}`")
        ack()
        respond(text=_open(args[0], command.user_id), response_type="ephemeral")

    def handle_open_button(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        text = _open(body["actions"][0].get("value", ""), body["user"]["id"])
        respond(text=text, response_type="ephemeral", replace_original=False)

    def handle_decide_button(ack: Ack, body: dict) -> None:
        ack()
        short_id, outcome = _decision_ref(body["actions"][0].get("value", ""))
        with runtime.db.read() as session:
            loop = find_loop(session, short_id)
            require(
                Action.DECIDE,
                standing(session, loop, body["user"]["id"], admins=admins),
                loop=loop.short_id,
            )
            candidate = loop.candidate_name
        runtime.messenger.open_view(
            body["trigger_id"],
            build_modal_decision(short_id=short_id, outcome=outcome, candidate=candidate),
        )

    def handle_decision_submitted(ack: Ack, body: dict, view: dict) -> None:
        short_id, outcome = _decision_ref(view.get("private_metadata", ""))
        reason = Form(view).text(DebriefIds.REASON)
        try:
            with runtime.db.session() as session:
                loop = find_loop(session, short_id)
                _, recorded = record_decision(
                    session,
                    loop,
                    actor=body["user"]["id"],
                    outcome=outcome,
                    reason=reason,
                    admins=admins,
                    now=runtime.clock(),
                )
                loop_id = loop.id
        except LoopbotError as refusal:
            ack(response_action="errors", errors={DebriefIds.REASON: refusal.user_message})
            return
        ack(response_action="clear")
        if recorded:

            def refresh() -> None:
                refresh_summary(runtime=runtime, loop_id=loop_id)
                refresh_card(runtime=runtime, loop_id=loop_id)
                runtime.kick()

            later(runtime, body, refresh)

    def handle_calibration_command(*, ack: Ack, command: SlashCommand, **_: object) -> None:
        with runtime.db.read() as session:
            rows = calibrate(session, command.user_id, admins)
        ack(**build_message_calibration(rows=rows, last=LAST_LOOPS))

    commands.add(
        CommandSpec("debrief", USAGE, "open the debrief now (hiring manager)"),
        handle_debrief_command,
    )
    commands.add(
        CommandSpec(
            "calibration",
            "/loop calibration",
            "how interviewers compare with their panels (interview leads)",
        ),
        handle_calibration_command,
    )
    listeners.action(LoopIds.CARD_DEBRIEF, handle_open_button)
    for outcome in Outcome:
        listeners.action(decide_action(outcome), handle_decide_button)
    listeners.view(DebriefIds.DECISION, handle_decision_submitted)
