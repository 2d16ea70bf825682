"""`/loop create`: step 1 (who and what), step 2 (when and who runs each round), confirm."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from slack_bolt import Ack

from bot.commands import CommandSpec
from bot.errors import InvalidInput
from bot.loops.announce import announce_loop
from bot.loops.requests import LoopRequest, Proposal, ProposedRound
from bot.loops.schedule import next_business_day
from bot.loops.service import create_loop, propose
from bot.loops.validate import validate_request, validate_schedule
from bot.reminders.plan import offsets_for
from bot.runtime import Runtime
from bot.slack.blocks.loops import (
    ON_SITE,
    Field,
    LoopIds,
    build_modal_loop_created,
    build_modal_loop_step1,
    build_modal_loop_step2,
    role_field,
    round_owner_field,
    round_time_field,
)
from handlers.forms import Form
from handlers.middleware import Listeners, later
from handlers.requests import SlashCommand
from handlers.router import LoopCommands


def register(listeners: Listeners, runtime: Runtime, commands: LoopCommands) -> None:

    def _today_and_tz(user_id: str):
        tz = runtime.messenger.user(user_id).tz
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            tz, zone = "UTC", ZoneInfo("UTC")
        return runtime.clock().astimezone(zone).date(), tz

    def handle_create_command(
        *, ack: Ack, command: SlashCommand, args: tuple[str, ...], **_: object
    ) -> None:
        ack()
        if not runtime.library.loops:
            raise InvalidInput("No loop documents are loaded; add one to the documents folder.")
        wanted = args[0] if args else None
        template = (
            runtime.library.loops.get(wanted or "")
            or sorted(runtime.library.loops.values(), key=lambda t: t.title)[0]
        )
        today, tz = _today_and_tz(command.user_id)
        view = build_modal_loop_step1(
            library=runtime.library, template=template, tz=tz, first_day=next_business_day(today)
        )
        runtime.messenger.open_view(command.trigger_id, view)

    def handle_template_picked(ack: Ack, body: dict) -> None:
        ack()
        view = body["view"]
        form = Form(view)
        template = runtime.library.loops.get(form.option(Field.TEMPLATE) or "")
        if template is None:
            return
        today, tz = _today_and_tz(body["user"]["id"])
        keep = {
            Field.CANDIDATE_NAME: form.text(Field.CANDIDATE_NAME),
            Field.CANDIDATE_KEY: form.text(Field.CANDIDATE_KEY),
        }
        rebuilt = build_modal_loop_step1(
            library=runtime.library,
            template=template,
            tz=form.text(Field.CANDIDATE_TZ) or tz,
            first_day=form.day(Field.FIRST_DAY) or next_business_day(today),
            values=keep,
        )
        runtime.messenger.update_view(view["id"], rebuilt, hash=view.get("hash"))

    def handle_step1_submitted(ack: Ack, body: dict, view: dict) -> None:
        user_id = body["user"]["id"]
        form = Form(view)
        template = runtime.library.loops.get(
            json.loads(view.get("private_metadata") or "{}").get("template", "")
        ) or runtime.library.loops.get(form.option(Field.TEMPLATE) or "")
        if template is None:
            ack(response_action="errors", errors={Field.TEMPLATE: "Pick a loop document."})
            return
        variant = form.option(Field.VARIANT)
        first_day = form.day(Field.FIRST_DAY)
        if first_day is None:
            ack(response_action="errors", errors={Field.FIRST_DAY: "Pick a day."})
            return
        request = LoopRequest(
            candidate_name=form.text(Field.CANDIDATE_NAME),
            candidate_key=form.text(Field.CANDIDATE_KEY) or None,
            template_id=template.id,
            variant=None if variant in (None, ON_SITE) else variant,
            briefed_round=int(briefed) if (briefed := form.option(Field.BRIEFED_ROUND)) else None,
            candidate_tz=form.text(Field.CANDIDATE_TZ),
            first_day=first_day,
            people={
                r.code: (
                    form.users(role_field(r.code))
                    if r.pool
                    else [u for u in [form.user(role_field(r.code))] if u]
                )
                for r in template.roles
            },
            channel_id=form.conversation(Field.CHANNEL),
            created_by=user_id,
        )
        picked = {u for people in request.people.values() for u in people}
        users = {u: runtime.messenger.user(u) for u in sorted(picked)}
        errors = validate_request(
            request=request,
            template=template,
            library=runtime.library,
            now=runtime.clock(),
            users=users,
        )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        with runtime.db.read() as session:
            proposal = propose(
                session=session,
                request=request,
                template=template,
                now=runtime.clock(),
                weekly_cap=runtime.settings.loopbot_weekly_cap,
            )
        ack(
            response_action="update",
            view=build_modal_loop_step2(proposal=proposal, template=template),
        )

    def handle_step2_submitted(ack: Ack, body: dict, view: dict) -> None:
        try:
            request = LoopRequest.model_validate_json(view.get("private_metadata") or "")
        except ValidationError:
            ack()
            raise InvalidInput("That form has expired; start again with `/loop create`.") from None
        template = runtime.library.loops.get(request.template_id)
        if template is None or request.created_by != body["user"]["id"]:
            ack()
            raise InvalidInput("That loop document is no longer loaded; start again.")
        form = Form(view)
        now = runtime.clock()
        with runtime.db.session() as session:
            proposed = propose(session=session, request=request, template=template, now=now)
            edited = Proposal(
                request=request,
                rounds=[
                    ProposedRound(
                        number=r.number,
                        name=r.name,
                        starts_at=form.moment(round_time_field(r.number)) or r.starts_at,
                        minutes=r.minutes,
                        format=r.format,
                        responsible=(
                            form.user(round_owner_field(r.number))
                            if round_owner_field(r.number) in form.values
                            else r.responsible
                        ),
                        problem=r.problem,
                    )
                    for r in proposed.rounds
                ],
            )
            errors = validate_schedule(session=session, proposal=edited, now=now)
            if errors:
                ack(response_action="errors", errors=errors)
                return
            loop = create_loop(
                session=session,
                proposal=edited,
                template=template,
                now=now,
                offsets=offsets_for(runtime.settings.loopbot_reminders, template.reminder_offsets),
            )
        ack(
            response_action="update",
            view=build_modal_loop_created(short_id=loop.short_id, channel=request.channel_id),
        )
        loop_id = loop.id

        def announce() -> None:
            announce_loop(runtime=runtime, loop_id=loop_id)
            runtime.kick()

        later(runtime, body, announce)

    commands.add(
        CommandSpec("create", "/loop create", "start a candidate's loop from a loop document"),
        handle_create_command,
    )
    listeners.action(LoopIds.PICK_TEMPLATE, handle_template_picked)
    listeners.view(LoopIds.CREATE_STEP1, handle_step1_submitted)
    listeners.view(LoopIds.CREATE_STEP2, handle_step2_submitted)
