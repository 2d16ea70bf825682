""" "Can't make it": the interviewer's button and modal, and the replacement's Accept / Decline."""

from __future__ import annotations

import re

from slack_bolt import Ack

from bot.app import loops, replacements
from bot.commands import round_number
from bot.errors import InvalidInput, LoopbotError
from bot.runtime import Runtime
from bot.slack.blocks import sections_for
from bot.slack.blocks.replacements import REASON, ReplacementIds, build_modal_decline
from handlers.forms import Form
from handlers.middleware import Listeners, later


def _round_ref(value: str) -> tuple[str, int]:
    short_id, _, ref = (value or "").partition(":")
    number = round_number(ref)
    if not short_id or number is None:
        raise InvalidInput("That button is broken; ask the recruiter to swap the round.")
    return short_id, number


def _value(body: dict) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")


def handle_cant_make_it(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    short_id, number = _round_ref(_value(body))
    form = replacements.decline_form(runtime, actor=body["user"]["id"], ref=short_id, number=number)
    runtime.messenger.open_view(
        body["trigger_id"],
        build_modal_decline(
            short_id=form.short_id,
            number=form.number,
            round_name=form.round_name,
            when=form.when,
            part=form.part,
            interviewers=form.interviewers,
            lead=form.lead,
            begun=form.begun,
        ),
    )


def handle_decline_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    actor = body["user"]["id"]
    try:
        short_id, number = _round_ref(view.get("private_metadata", ""))
        done = replacements.decline(
            runtime, actor=actor, ref=short_id, number=number, reason=Form(view).text(REASON)
        )
    except LoopbotError as problem:
        ack(response_action="errors", errors={REASON: problem.user_message})
        return
    ack()
    later(runtime, body, lambda: loops.confirm_by_dm(runtime, actor=actor, done=done))


def _answer(ack: Ack, body: dict, runtime: Runtime, *, accept: bool) -> None:
    ack()
    value = _value(body)
    if not re.fullmatch(r"\d{1,18}", value):
        raise InvalidInput("That question is no longer open.")
    done = replacements.answer_ask(
        runtime, actor=body["user"]["id"], ask_id=int(value), accept=accept
    )
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get(
        "id"
    )
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    try:
        if channel and ts:
            runtime.messenger.update(channel, ts, text=done.text, blocks=sections_for(done.text))
    finally:  # the answer is recorded: who else must hear of it does, whatever Slack said here
        later(runtime, body, done.then)


def handle_accept(ack: Ack, body: dict, runtime: Runtime) -> None:
    _answer(ack, body, runtime, accept=True)


def handle_decline(ack: Ack, body: dict, runtime: Runtime) -> None:
    _answer(ack, body, runtime, accept=False)


def register(listeners: Listeners) -> None:
    listeners.action(ReplacementIds.OPEN, handle_cant_make_it)
    listeners.view(ReplacementIds.SUBMIT, handle_decline_submitted)
    listeners.action(ReplacementIds.ACCEPT, handle_accept)
    listeners.action(ReplacementIds.DECLINE, handle_decline)
