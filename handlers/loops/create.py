"""`/loop create`: step 1 (who and what), step 2 (when and who runs each round), confirm."""

from __future__ import annotations

import json
import re

from pydantic import ValidationError
from slack_bolt import Ack

from bot.app import create
from bot.app.announce import told_if_finalist
from bot.commands import CommandSpec
from bot.documents.models import LoopTemplate
from bot.errors import FieldProblems, InvalidInput
from bot.loops.requests import LoopRequest
from bot.runtime import Runtime
from bot.slack.blocks.loops import (
    ON_SITE,
    Field,
    LoopIds,
    build_modal_loop_created,
    build_modal_loop_step1,
    role_field,
    round_deadline_field,
    round_owner_field,
    round_place_field,
    round_time_field,
    round_written_field,
)
from bot.slack.blocks.proposal import build_modal_loop_step2
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands


def handle_create_command(
    *, ack: Ack, command: SlashCommand, args: tuple[str, ...], runtime: Runtime, **_: object
) -> None:
    ack()
    start = create.start_create(
        runtime, actor=command.user_id, template_id=args[0] if args else None
    )
    view = build_modal_loop_step1(
        library=runtime.library,
        template=start.template,
        tz=start.tz,
        first_day=start.first_day,
        hours=start.hours,
    )
    runtime.messenger.open_view(command.trigger_id, view)


def handle_template_picked(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    view = body.get("view")
    if not isinstance(view, dict) or view.get("type") != "modal":
        return  # the picker is only ever in step 1's modal
    form = Form(view)
    picked = form.option(Field.TEMPLATE)
    if picked not in runtime.library.loops:
        return
    start = create.start_create(runtime, actor=body["user"]["id"], template_id=picked)
    rebuilt = build_modal_loop_step1(
        library=runtime.library,
        template=start.template,
        tz=form.option(Field.CANDIDATE_TZ) or start.tz,
        first_day=form.day(Field.FIRST_DAY) or start.first_day,
        hours=start.hours,
        values={
            Field.CANDIDATE_NAME: form.text(Field.CANDIDATE_NAME),
            Field.CANDIDATE_KEY: form.text(Field.CANDIDATE_KEY),
            Field.CANDIDATE_HOURS: form.text(Field.CANDIDATE_HOURS),
        },
    )
    runtime.messenger.update_view(view["id"], rebuilt, hash=view.get("hash"))


def _step1_request(form: Form, template: LoopTemplate, user_id: str) -> LoopRequest:
    variant = form.option(Field.VARIANT)
    first_day = form.day(Field.FIRST_DAY)
    assert first_day is not None
    return LoopRequest(
        candidate_name=form.text(Field.CANDIDATE_NAME),
        candidate_key=form.text(Field.CANDIDATE_KEY) or None,
        template_id=template.id,
        variant=None if variant in (None, ON_SITE) else variant,
        briefed_round=int(briefed)
        if re.fullmatch(r"[0-9]{1,3}", briefed := form.option(Field.BRIEFED_ROUND) or "")
        else None,
        candidate_tz=form.option(Field.CANDIDATE_TZ) or "",
        candidate_hours=form.text(Field.CANDIDATE_HOURS) or None,
        first_day=first_day,
        people={
            r.code: (
                form.users(role_field(r.code))
                if r.pool
                else [u for u in [form.user(role_field(r.code))] if u]
            )
            for r in template.roles
        },
        created_by=user_id,
    )


def _template_named(metadata: str) -> str:
    """The loop document step 1 was opened for, as its view's metadata says ("" if unsaid)."""
    try:
        named = json.loads(metadata or "{}")
    except ValueError:
        return ""
    template = named.get("template") if isinstance(named, dict) else None
    return template if isinstance(template, str) else ""


def handle_step1_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    form = Form(view)
    template = runtime.library.loops.get(
        _template_named(view.get("private_metadata") or "")
    ) or runtime.library.loops.get(form.option(Field.TEMPLATE) or "")
    if template is None:
        ack(response_action="errors", errors={Field.TEMPLATE: "Pick a loop document."})
        return
    if form.day(Field.FIRST_DAY) is None:
        ack(response_action="errors", errors={Field.FIRST_DAY: "Pick a day."})
        return
    request = _step1_request(form, template, body["user"]["id"])
    try:
        proposal = create.propose_loop(runtime, request=request)
    except FieldProblems as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack(response_action="update", view=build_modal_loop_step2(proposal=proposal, template=template))


def handle_step2_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    try:
        request = LoopRequest.model_validate_json(view.get("private_metadata") or "")
    except ValidationError:
        ack()
        raise InvalidInput("That form has expired; start again with `/loop create`.") from None
    form = Form(view)
    numbers = {
        int(m.group(1))
        for block_id in form.values
        if (m := re.fullmatch(r"round:(\d{1,3}):(?:time|owner|place|deadline|written)", block_id))
    }
    edits = {
        n: create.RoundEdit(
            starts_at=form.moment(round_time_field(n)),
            responsible=form.user(round_owner_field(n)),
            responsible_given=round_owner_field(n) in form.values,
            place=form.text(round_place_field(n)) or None,
            deadline=form.moment(round_deadline_field(n)),
            written_due=form.moment(round_written_field(n)),
        )
        for n in numbers
    }
    try:
        done = create.create(runtime, actor=body["user"]["id"], request=request, edits=edits)
    except FieldProblems as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    except InvalidInput:
        ack()
        raise
    heard_later = told_if_finalist(runtime, request)
    ack(
        response_action="update",
        view=build_modal_loop_created(short_id=done.text, told_if_finalist=heard_later),
    )
    later(runtime, body, done.then)


def register(listeners: Listeners, commands: LoopCommands) -> None:
    commands.add(
        CommandSpec("create", "/loop create", "start a candidate's loop from a loop document"),
        handle_create_command,
    )
    listeners.action(LoopIds.PICK_TEMPLATE, handle_template_picked)
    listeners.view(LoopIds.CREATE_STEP1, handle_step1_submitted)
    listeners.view(LoopIds.CREATE_STEP2, handle_step2_submitted)
