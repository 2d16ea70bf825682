"""Managing loops: `/loop list|show|reschedule|swap|cancel` and the loop card's buttons."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond

from bot.authz import Action, require
from bot.commands import CommandSpec, round_number, user_mention
from bot.errors import InvalidInput, LoopbotError
from bot.loops import changes
from bot.loops.announce import refresh_card
from bot.loops.queries import find_loop, rounds_of, standing, template_of
from bot.loops.views import loop_card, loop_rows
from bot.reminders.plan import offsets_for
from bot.runtime import Runtime
from bot.slack.blocks.loops import (
    Field,
    LoopIds,
    build_message_loop_list,
    build_message_loop_show,
    build_modal_reschedule,
    build_modal_swap,
)
from bot.store.models import Loop
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands

USAGE = {
    "show": "/loop show <loop>",
    "reschedule": "/loop reschedule <loop> <round> <YYYY-MM-DD HH:MM>",
    "swap": "/loop swap <loop> <round> @person",
    "cancel": "/loop cancel <loop>",
}


def parse_round(loop_rounds: list[tuple[int, str]], ref: str) -> int:
    """A round by number ("2") or by the start of its name ("live ai")."""
    ref = ref.strip().rstrip(".")
    number = round_number(ref)
    if number is not None and any(n == number for n, _ in loop_rounds):
        return number
    matches = [n for n, name in loop_rounds if name.lower().startswith(ref.lower())] if ref else []
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(f"{n}. {name}" for n, name in loop_rounds)
    raise InvalidInput(f"Which round? This loop has: {listed}.")


def parse_when(text: str, tz: str) -> datetime:
    """`2026-11-30 14:00` in the person's own zone, or an ISO time with an offset."""
    text = text.strip().replace("T", " ")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Give the new time as `YYYY-MM-DD HH:MM` (your time zone).") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(tz))
    return when


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:
    admins = runtime.settings.loopbot_admins

    def offsets(session, loop: Loop) -> dict[str, int]:
        return offsets_for(
            runtime.settings.loopbot_reminders, template_of(session, loop).reminder_offsets
        )

    def _loop_rounds(session, loop: Loop) -> list[tuple[int, str]]:
        return [(r.number, r.name) for r in rounds_of(session, loop)]

    def _need(args: tuple[str, ...], count: int, name: str) -> None:
        if len(args) < count:
            raise InvalidInput(f"Usage: `{USAGE[name]}`")

    def handle_list(*, ack: Ack, respond: Respond, command: SlashCommand, **_: object) -> None:
        # Acknowledge at once; the list follows through the response URL, so a busy database
        # never costs Slack's 3 seconds.
        ack()
        with runtime.db.read() as session:
            rows = loop_rows(session, command.user_id, runtime.clock())
        respond(**build_message_loop_list(rows=rows))

    def handle_show(
        *, ack: Ack, respond: Respond, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        _need(args, 1, "show")
        ack()
        with runtime.db.read() as session:
            loop = find_loop(session, args[0])
            require(
                Action.VIEW,
                standing(session, loop, command.user_id, admins=admins),
                loop=loop.short_id,
            )
            card = loop_card(session, loop)
        respond(**build_message_loop_show(card=card))

    def _after_change(respond: Respond, loop_id: int, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)
        refresh_card(runtime=runtime, loop_id=loop_id)
        runtime.kick()

    def handle_reschedule(
        *, ack: Ack, respond: Respond, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        _need(args, 3, "reschedule")
        ack()
        tz = runtime.messenger.user(command.user_id).tz
        when = parse_when(" ".join(args[2:4]), tz)
        with runtime.db.session() as session:
            loop = find_loop(session, args[0])
            number = parse_round(_loop_rounds(session, loop), args[1])
            rnd = changes.reschedule(
                session=session,
                loop=loop,
                round_number=number,
                starts_at=when,
                actor=command.user_id,
                admins=admins,
                now=runtime.clock(),
                offsets=offsets(session, loop),
            )
            loop_id, text = loop.id, f"Moved {rnd.number}. {rnd.name} of loop `{loop.short_id}`."
        _after_change(respond, loop_id, text)

    def handle_swap(
        *, ack: Ack, respond: Respond, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        _need(args, 3, "swap")
        ack()
        person = user_mention(args[2])
        if person is None:
            raise InvalidInput(f"Mention the new interviewer: `{USAGE['swap']}`")
        if runtime.messenger.user(person).deleted:
            raise InvalidInput(f"<@{person}> has left the workspace.")
        with runtime.db.session() as session:
            loop = find_loop(session, args[0])
            number = parse_round(_loop_rounds(session, loop), args[1])
            rnd = changes.swap(
                session=session,
                loop=loop,
                round_number=number,
                new_user=person,
                actor=command.user_id,
                admins=admins,
                now=runtime.clock(),
                offsets=offsets(session, loop),
            )
            loop_id = loop.id
            text = f"<@{person}> now runs {rnd.number}. {rnd.name} of loop `{loop.short_id}`."
        _after_change(respond, loop_id, text)

    def handle_cancel(
        *, ack: Ack, respond: Respond, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        _need(args, 1, "cancel")
        ack()
        _cancel(respond, args[0], command.user_id)

    def _cancel(respond: Respond, ref: str, user_id: str) -> None:
        with runtime.db.session() as session:
            loop = find_loop(session, ref)
            changes.cancel(
                session=session, loop=loop, actor=user_id, admins=admins, now=runtime.clock()
            )
            loop_id, short_id = loop.id, loop.short_id
        _after_change(
            respond, loop_id, f"Loop `{short_id}` is cancelled; everyone in it is being told."
        )

    def handle_card_cancel(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        _cancel(respond, body["actions"][0]["value"], body["user"]["id"])

    def _open_change_modal(body: dict, build) -> None:
        user_id = body["user"]["id"]
        with runtime.db.read() as session:
            loop = find_loop(session, body["actions"][0]["value"])
            require(
                Action.CHANGE, standing(session, loop, user_id, admins=admins), loop=loop.short_id
            )
            view = build(session, loop)
        runtime.messenger.open_view(body["trigger_id"], view)

    def handle_card_reschedule(ack: Ack, body: dict) -> None:
        ack()
        _open_change_modal(
            body,
            lambda session, loop: build_modal_reschedule(
                short_id=loop.short_id, rounds=_loop_rounds(session, loop), initial=None
            ),
        )

    def handle_card_swap(ack: Ack, body: dict) -> None:
        ack()
        _open_change_modal(
            body,
            lambda session, loop: build_modal_swap(
                short_id=loop.short_id, rounds=_loop_rounds(session, loop)
            ),
        )

    def _submit_change(ack: Ack, body: dict, view: dict, field: str, apply) -> None:
        form = Form(view)
        number = form.option(Field.ROUND)
        if number is None or not re.fullmatch(r"\d{1,3}", number):
            ack(response_action="errors", errors={Field.ROUND: "Pick a round."})
            return
        try:
            with runtime.db.session() as session:
                loop = find_loop(session, view.get("private_metadata") or "")
                text = apply(session, loop, int(number), form)
                loop_id = loop.id
        except LoopbotError as problem:
            ack(response_action="errors", errors={field: problem.user_message})
            return
        ack()

        def tell() -> None:
            runtime.messenger.dm(body["user"]["id"], text=text)
            refresh_card(runtime=runtime, loop_id=loop_id)
            runtime.kick()

        later(runtime, body, tell)

    def handle_reschedule_submitted(ack: Ack, body: dict, view: dict) -> None:
        def apply(session, loop: Loop, number: int, form: Form) -> str:
            when = form.moment(Field.WHEN)
            if when is None:
                raise InvalidInput("Pick the new start.")
            rnd = changes.reschedule(
                session=session,
                loop=loop,
                round_number=number,
                starts_at=when,
                actor=body["user"]["id"],
                admins=admins,
                now=runtime.clock(),
                offsets=offsets(session, loop),
            )
            return f"Moved {rnd.number}. {rnd.name} of loop `{loop.short_id}`."

        _submit_change(ack, body, view, Field.WHEN, apply)

    def handle_swap_submitted(ack: Ack, body: dict, view: dict) -> None:
        def apply(session, loop: Loop, number: int, form: Form) -> str:
            person = form.user(Field.PERSON)
            if person is None:
                raise InvalidInput("Pick the new interviewer.")
            if runtime.messenger.user(person).deleted:
                raise InvalidInput(f"<@{person}> has left the workspace.")
            rnd = changes.swap(
                session=session,
                loop=loop,
                round_number=number,
                new_user=person,
                actor=body["user"]["id"],
                admins=admins,
                now=runtime.clock(),
                offsets=offsets(session, loop),
            )
            return f"<@{person}> now runs {rnd.number}. {rnd.name} of loop `{loop.short_id}`."

        _submit_change(ack, body, view, Field.PERSON, apply)

    commands.add(CommandSpec("list", "/loop list", "the loops you're part of"), handle_list)
    commands.add(
        CommandSpec("show", USAGE["show"], "rounds, times, people, scorecard status"), handle_show
    )
    commands.add(CommandSpec("reschedule", USAGE["reschedule"], "move a round"), handle_reschedule)
    commands.add(CommandSpec("swap", USAGE["swap"], "give a round to someone else"), handle_swap)
    commands.add(CommandSpec("cancel", USAGE["cancel"], "cancel a loop"), handle_cancel)
    listeners.action(LoopIds.CARD_CANCEL, handle_card_cancel)
    listeners.action(LoopIds.CARD_RESCHEDULE, handle_card_reschedule)
    listeners.action(LoopIds.CARD_SWAP, handle_card_swap)
    listeners.view(LoopIds.RESCHEDULE, handle_reschedule_submitted)
    listeners.view(LoopIds.SWAP, handle_swap_submitted)
