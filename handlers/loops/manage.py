"""Managing loops: `/loop list|show|reschedule|swap|remove|cancel` and the loop card's buttons."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond

from bot.app import Done, loops, replacements
from bot.commands import CommandSpec, user_mention
from bot.errors import InvalidInput, LoopbotError
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks.loops import (
    Field,
    LoopIds,
    build_message_loop_list,
    build_message_loop_show,
    build_modal_reschedule,
    build_modal_swap,
)
from handlers.forms import Form
from handlers.middleware import Listeners, answer, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands

USAGE = {
    "show": "/loop show <loop>",
    "reschedule": "/loop reschedule <loop> <round> <YYYY-MM-DD HH:MM>",
    "swap": "/loop swap <loop> <round> @person [@replaced]",
    "remove": "/loop remove <loop> <round> @trainee",
    "cancel": "/loop cancel <loop>",
}


# A day and a time of day, nothing else (an offset may follow): a bare day would be midnight.
_WHEN = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?(Z|[+-]\d{2}(:?\d{2})?)?")


def parse_when(text: str, tz: str) -> datetime:
    """`2026-11-30 14:00` in the person's own zone, or an ISO time with an offset."""
    text = text.strip()
    try:
        if not _WHEN.fullmatch(text):
            raise ValueError(text)
        when = datetime.fromisoformat(text.replace("T", " "))
    except ValueError:
        raise InvalidInput("Give the new time as `YYYY-MM-DD HH:MM` (your time zone).") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(tz))
    return when


def _need(args: tuple[str, ...], count: int, name: str) -> None:
    if len(args) < count:
        raise InvalidInput(render("usage", usage=USAGE[name]))


def _mentioned(token: str, whom: str, name: str) -> str:
    """The person `token` mentions (`<@U…>`), else the command's usage, naming `whom`."""
    person = user_mention(token)
    if person is None:
        raise InvalidInput(render("usage", problem=f"Mention {whom}", usage=USAGE[name]))
    return person


def handle_list_command(
    *, ack: Ack, respond: Respond, command: SlashCommand, runtime: Runtime, **_: object
) -> None:
    # Acknowledge at once; the list follows through the response URL, so a busy database
    # never costs Slack's 3 seconds.
    ack()
    later(
        runtime,
        {"response_url": command.response_url},
        lambda: respond(
            **build_message_loop_list(rows=loops.list_loops(runtime, actor=command.user_id))
        ),
    )


def handle_show_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    _need(args, 1, "show")
    ack()
    later(
        runtime,
        {"response_url": command.response_url},
        lambda: respond(
            **build_message_loop_show(
                card=loops.show_loop(runtime, actor=command.user_id, ref=args[0])
            )
        ),
    )


def handle_reschedule_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    _need(args, 3, "reschedule")
    ack()
    when = parse_when(" ".join(args[2:]), runtime.messenger.user(command.user_id).tz)
    done = loops.reschedule_round(
        runtime, actor=command.user_id, ref=args[0], round_ref=args[1], starts_at=when
    )
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_swap_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    _need(args, 3, "swap")
    ack()
    person = _mentioned(args[2], "the new interviewer", "swap")
    old = _mentioned(args[3], "whose seat it is (a panel)", "swap") if len(args) > 3 else None
    done = loops.swap_round(
        runtime, actor=command.user_id, ref=args[0], round_ref=args[1], new_user=person, old=old
    )
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_remove_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    _need(args, 3, "remove")
    ack()
    trainee = _mentioned(args[2], "the trainee", "remove")
    done = replacements.take_trainee_off(
        runtime, actor=command.user_id, ref=args[0], round_ref=args[1], trainee=trainee
    )
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_cancel_command(
    *,
    ack: Ack,
    respond: Respond,
    command: SlashCommand,
    args: tuple[str, ...],
    runtime: Runtime,
    **_: object,
) -> None:
    _need(args, 1, "cancel")
    ack()
    done = loops.cancel_loop(runtime, actor=command.user_id, ref=args[0])
    answer(runtime, respond, {"response_url": command.response_url}, command.user_id, done)


def handle_card_cancel(ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    done = loops.cancel_loop(runtime, actor=body["user"]["id"], ref=_card_value(body))
    answer(runtime, respond, body, body["user"]["id"], done, replace_original=False)


def handle_card_received(ack: Ack, body: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    short_id, _, number = _card_value(body).partition(":")
    done = loops.mark_received(runtime, actor=body["user"]["id"], ref=short_id, round_ref=number)
    answer(runtime, respond, body, body["user"]["id"], done, replace_original=False)


def _card_value(body: dict) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def handle_card_reschedule(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()

    def open_form() -> None:
        actor, ref = body["user"]["id"], _card_value(body)
        short_id, rounds = loops.change_form(runtime, actor=actor, ref=ref)
        view = build_modal_reschedule(short_id=short_id, rounds=rounds, initial=None)
        runtime.messenger.open_view(body["trigger_id"], view)

    later(runtime, body, open_form)


def handle_card_swap(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()

    def open_form() -> None:
        actor, ref = body["user"]["id"], _card_value(body)
        short_id, rounds = loops.change_form(runtime, actor=actor, ref=ref)
        runtime.messenger.open_view(
            body["trigger_id"], build_modal_swap(short_id=short_id, rounds=rounds)
        )

    later(runtime, body, open_form)


def _submit_change(ack: Ack, body: dict, view: dict, runtime: Runtime, field: str, apply) -> None:
    """A change modal: problems go back inline; the person gets a DM once it is done."""
    form = Form(view)
    number = form.option(Field.ROUND)
    if number is None or not re.fullmatch(r"\d{1,3}", number):
        ack(response_action="errors", errors={Field.ROUND: "Pick a round."})
        return
    try:
        done = apply(form, number)
    except LoopbotError as problem:
        ack(response_action="errors", errors={field: problem.user_message})
        return
    ack()
    later(runtime, body, lambda: loops.confirm_by_dm(runtime, actor=body["user"]["id"], done=done))


def handle_reschedule_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    def apply(form: Form, number: str) -> Done:
        when = form.moment(Field.WHEN)
        if when is None:
            raise InvalidInput("Pick the new start.")
        return loops.reschedule_round(
            runtime,
            actor=body["user"]["id"],
            ref=view.get("private_metadata") or "",
            round_ref=number,
            starts_at=when,
        )

    _submit_change(ack, body, view, runtime, Field.WHEN, apply)


def handle_swap_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    def apply(form: Form, number: str) -> Done:
        person = form.user(Field.PERSON)
        if person is None:
            raise InvalidInput("Pick the new interviewer.")
        return loops.swap_round(
            runtime,
            actor=body["user"]["id"],
            ref=view.get("private_metadata") or "",
            round_ref=number,
            new_user=person,
            old=form.user(Field.REPLACED),
        )

    _submit_change(ack, body, view, runtime, Field.PERSON, apply)


def register(listeners: Listeners, commands: LoopCommands) -> None:
    commands.add(CommandSpec("list", "/loop list", "the loops you're part of"), handle_list_command)
    commands.add(
        CommandSpec("show", USAGE["show"], "rounds, times, people, scorecard status"),
        handle_show_command,
    )
    commands.add(
        CommandSpec("reschedule", USAGE["reschedule"], "move a round"), handle_reschedule_command
    )
    commands.add(
        CommandSpec("swap", USAGE["swap"], "give a round to someone else"), handle_swap_command
    )
    commands.add(
        CommandSpec("remove", USAGE["remove"], "take a trainee off a round"),
        handle_remove_command,
    )
    commands.add(CommandSpec("cancel", USAGE["cancel"], "cancel a loop"), handle_cancel_command)
    listeners.action(LoopIds.CARD_CANCEL, handle_card_cancel)
    listeners.action(LoopIds.CARD_RECEIVED, handle_card_received)
    listeners.action(LoopIds.CARD_RESCHEDULE, handle_card_reschedule)
    listeners.action(LoopIds.CARD_SWAP, handle_card_swap)
    listeners.view(LoopIds.RESCHEDULE, handle_reschedule_submitted)
    listeners.view(LoopIds.SWAP, handle_swap_submitted)
