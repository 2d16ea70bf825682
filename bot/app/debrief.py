"""Use cases for the debrief: open it early, mark a finalist, decide, export, calibrate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.app import Done
from bot.app.announce import refresh_card
from bot.app.summary import post_summary, refresh_summary
from bot.authz import Action, can, require
from bot.debrief.calibration import Calibration, calibrate
from bot.debrief.export import export_markdown
from bot.debrief.service import (
    Outcome,
    finalist_audience,
    mark_finalist,
    open_early,
    record_decision,
)
from bot.errors import LoopbotError
from bot.loops.locks import loop_to_change
from bot.loops.queries import find_loop, standing
from bot.render import render
from bot.runtime import Runtime
from bot.store.models import LoopStatus


def open_debrief(runtime: Runtime, *, actor: str, ref: str) -> Done:
    """The hiring manager opens the debrief before every scorecard is in. Its summary goes to
    the loop's channel, which holds only people who may read it."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        already = not open_early(session, loop, who, runtime.clock())
        loop_id, short_id = loop.id, loop.short_id
    assert loop_id is not None
    post_summary(runtime=runtime, loop_id=loop_id)
    text = (
        f"The debrief for loop `{short_id}` is already open."
        if already
        else f"The debrief for loop `{short_id}` is open; its summary is in the loop's channel, "
        "which only the hiring manager, the interview lead and interviewers whose scorecards "
        "are in can read."
    )
    return Done(text, lambda: refresh_card(runtime=runtime, loop_id=loop_id, actor=actor), loop_id)


def finalist(runtime: Runtime, *, actor: str, ref: str) -> Done:
    """The hiring manager marks the candidate a finalist; the answer names who is told (the
    executive sponsor), or that nobody is."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        newly = mark_finalist(session, loop, who, runtime.clock())
        loop_id, short_id, candidate = loop.id, loop.short_id, loop.candidate_name
        audience = finalist_audience(session, loop)
    assert loop_id is not None

    def follow_up() -> None:
        refresh_summary(runtime=runtime, loop_id=loop_id, actor=actor)
        refresh_card(runtime=runtime, loop_id=loop_id, actor=actor)
        runtime.kick()

    text = render(
        "finalist_marked",
        already=not newly,
        candidate=candidate,
        short_id=short_id,
        roles=audience.roles,
        told=audience.told,
    )
    return Done(text, follow_up, loop_id)


def decision_form(runtime: Runtime, *, actor: str, ref: str) -> str:
    """The candidate's name for the decision modal, once the person may decide."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        require(Action.DECIDE, who, loop=loop.short_id)
        return loop.candidate_name


def decide(runtime: Runtime, *, actor: str, ref: str, outcome: Outcome, reason: str) -> Done:
    """Record the decision (once, however often it is clicked); the summary loses its buttons."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        _, recorded = record_decision(
            session, loop, who=who, outcome=outcome, reason=reason, now=runtime.clock()
        )
        loop_id = loop.id
    assert loop_id is not None
    if not recorded:
        return Done("")

    def follow_up() -> None:
        refresh_summary(runtime=runtime, loop_id=loop_id, actor=actor)
        refresh_card(runtime=runtime, loop_id=loop_id, actor=actor)
        runtime.kick()

    return Done("", follow_up)


def export(runtime: Runtime, *, actor: str, ref: str) -> str:
    """The loop's debrief as a Markdown document, for those who may export it. Its scorecards'
    content only for a reader who may read them now: blind as everywhere else."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        require(Action.EXPORT, who, loop=loop.short_id)
        blind = ""
        if not can(Action.READ_SCORECARD, who):
            opens = can(Action.READ_SCORECARD, replace(who, debrief_open=True))
            blind = "until_open" if opens else "not_yours"
            closed = loop.status == LoopStatus.CANCELLED and loop.debrief_opened_at is None
            blind = "cancelled" if closed else blind
        # The candidate's own documents (their baseline values) only for who reads them whole.
        library = runtime.library if can(Action.READ_CANDIDATE_BRIEF, who) else None
        return export_markdown(
            session, loop, runtime.clock(), library, blind=blind, name_of=_name_of(runtime)
        )


def _name_of(runtime: Runtime) -> Callable[[str], str]:
    """People by name in a document read outside Slack, where a mention shows as its id; their
    id when Slack cannot say."""

    def name(user_id: str) -> str:
        try:
            return runtime.messenger.user(user_id).real_name or user_id
        except LoopbotError:
            return user_id

    return name


def calibration(runtime: Runtime, *, actor: str) -> list[Calibration]:
    with runtime.db.read() as session:
        return calibrate(session, actor, runtime.settings.loopbot_admins)
