"""Use cases for "can't make it": the interviewer says so, the replacement answers, asks expire.

Who is asked and when the recruiter takes over is `bot.loops.replacements`; here the settings in
force become its policy, and each step's messages are written (in templates) and sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, col, select

from bot.app import Done
from bot.app.announce import announce_change, dm_about, refresh_card, withdraw_questions
from bot.app.calendars import queue_events
from bot.app.create import limits
from bot.authz import Standing, trains
from bot.errors import InvalidInput, NotFound, SlackUnavailable
from bot.loops import leaving, replacements
from bot.loops.locks import loop_to_change
from bot.loops.queries import (
    LOOP_ROLE,
    assignments_of,
    find_loop,
    recruiter_roles,
    standing,
    template_of,
)
from bot.loops.replacements import Policy, Step
from bot.outbox import Message
from bot.reminders.plan import offsets_for
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks.replacements import ask_blocks, handover_blocks
from bot.slack.format import mention, minutes, slack_time
from bot.store.models import (
    AskState,
    Assignment,
    Decline,
    Loop,
    ReplacementAsk,
    Round,
    SlackMessage,
)

PURPOSE = "replacement"


def policy_of(runtime: Runtime) -> Policy:
    s = runtime.settings
    return Policy(
        asks=s.loopbot_replacement_asks,
        cutoff=timedelta(hours=s.loopbot_replacement_cutoff_hours),
        answer_within=timedelta(hours=s.loopbot_replacement_answer_hours),
        limits=limits(runtime),
        default_hours=s.working_hours,
        zone_of=lambda user_id: runtime.messenger.user(user_id).tz,
        training=(s.loopbot_training_shadows, s.loopbot_training_reverse_shadows),
    )


@dataclass(frozen=True)
class DeclineForm:
    short_id: str
    number: int
    round_name: str
    when: str
    part: str | None = None
    """A trainee's part on the round (they leave it; nobody is asked), else None."""
    interviewers: str = ""
    """Who runs the round without the trainee (mentions)."""
    lead: str = ""
    """The interviewer who leads it then (a mention)."""
    begun: bool = False
    """The trainee's round has started: they say they missed it."""


@dataclass
class Outgoing:
    """Messages one step sends, prepared inside the transaction, sent after it."""

    loop_id: int
    dms: list[tuple[str, str, list[dict] | None]] = field(default_factory=list)
    ask_id: int | None = None
    """The ask whose DM (the first of `dms`) is kept so an answer can replace its buttons."""


def decline_form(runtime: Runtime, *, actor: str, ref: str, number: int) -> DeclineForm:
    """What the "can't make it" modal shows, once the person may say so for this round."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        rnd = leaving.declinable(session, loop, number, who, runtime.clock())
        when = _when(rnd)
        if not trains(who, number):
            return DeclineForm(loop.short_id, number, rnd.name, when)
        seat = leaving.trainee_seat(session, loop, rnd, actor, runtime.clock())
        lead = mention(seat.interviewers[0]) if seat.interviewers else ""
        return DeclineForm(
            loop.short_id,
            number,
            rnd.name,
            when,
            seat.part,
            _mentions(seat.interviewers),
            lead,
            seat.begun,
        )


def _mentions(users: list[str]) -> str:
    return ", ".join(mention(u) for u in users)


def decline(runtime: Runtime, *, actor: str, ref: str, number: int, reason: str) -> Done:
    """The interviewer cannot make their round: the first replacement is asked, or the
    recruiter is handed the round; the interviewer stays on it until someone takes it. A
    trainee leaves it (`_step_out`)."""
    now = runtime.clock()
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        training = trains(
            standing(session, loop, actor, admins=runtime.settings.loopbot_admins), number
        )
        if not training:
            _ask_zones_first(runtime, session, [loop.id])
    if not reason.strip():
        readers = (
            "the recruiter reads it" if training else "the recruiter and hiring manager read it"
        )
        raise InvalidInput(f"Say why, in a few words: {readers}.")
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        if trains(who, number):
            return _step_out(runtime, session, loop, who, number, reason.strip())
        declined = replacements.decline_round(session, loop, number, who, reason, now)
        step = replacements.next_step(session, loop, declined, now, policy_of(runtime))
        out = _step_messages(session, loop, step, announce=True)
        text = render("replacement_thanks", **_facts(loop, step.rnd, declined), step=_step(step))
    return Done(text, lambda: _send(runtime, out), out.loop_id)


def _step_out(
    runtime: Runtime, session: Session, loop: Loop, who: Standing, number: int, reason: str
) -> Done:
    """A trainee cannot make their round, or missed it: they are off it at once (`step_out`);
    the recruiter is told, and the round's people when it is still ahead."""
    out = leaving.step_out(session, loop, number, who, runtime.clock())
    queue_events(runtime, session, loop, actor=who.user_id, round_ids={out.rnd.id or 0})
    facts = {
        "candidate": loop.candidate_name,
        "short_id": loop.short_id,
        "round": f"{out.rnd.number}. {out.rnd.name}",
        "when": _when(out.rnd),
        "trainee": mention(who.user_id),
        "part": out.part,
        "interviewers": _mentions(out.interviewers),
        "lead": mention(out.interviewers[0]) if out.interviewers else "",
        "several": len(out.interviewers) > 1,
        "reason": reason,
        "begun": out.begun,
    }
    seats = (
        []
        if out.begun
        else [("lead", u) for u in out.interviewers[:1]]
        + [
            *(("interviewer", u) for u in out.interviewers[1:]),
            *(("observer", u) for u in out.observers),
        ]
    )  # once it has begun, they have seen it go on without the trainee
    dms = [(user, render("trainee_stepped_out", reader=seat, **facts)) for seat, user in seats]
    told = render("trainee_stepped_out", reader="recruiter", **facts)
    dms += [(u, told) for u in _recruiters(session, loop) or [loop.created_by]]
    loop_id = loop.id or 0

    def follow_up() -> None:
        for user, text in dms:
            dm_about(runtime, loop_id, user, purpose=PURPOSE, text=text)
        announce_change(runtime=runtime, loop_id=loop_id, actor=who.user_id)
        runtime.kick()

    return Done(render("trainee_stepped_out", reader="trainee", **facts), follow_up, loop_id)


def answer_ask(runtime: Runtime, *, actor: str, ask_id: int, accept: bool) -> Done:
    """The asked person's answer. Done's text replaces the question in their DM."""
    now = runtime.clock()
    with runtime.db.read() as session:
        asked = session.get(ReplacementAsk, ask_id)
        _ask_zones_first(runtime, session, [asked.loop_id] if asked and not accept else [])
    if asked is None:
        raise NotFound("That question is no longer open.")
    with runtime.db.session() as session:
        loop = loop_to_change(session, asked.loop_id)
        ask = session.get(ReplacementAsk, ask_id)
        if ask is None:
            raise NotFound("That question is no longer open.")
        offsets = offsets_for(
            runtime.settings.loopbot_reminders, template_of(session, loop).reminder_offsets
        )
        answer = replacements.answer(
            session,
            loop,
            ask,
            actor=actor,
            accept=accept,
            now=now,
            policy=policy_of(runtime),
            offsets=offsets,
        )
        if answer.accepted:  # the calendar events follow the round to its new interviewer
            queue_events(runtime, session, loop, actor=actor, round_ids={answer.rnd.id or 0})
        facts = _facts(loop, answer.rnd, answer.decline)
        text = render("replacement_answered", **facts, accepted=answer.accepted)
        out = (
            _step_messages(session, loop, answer.next, announce=False)
            if answer.next is not None
            else Outgoing(loop.id or 0)
        )

    def follow_up() -> None:
        _send(runtime, out)
        if answer.accepted:
            refresh_card(runtime=runtime, loop_id=out.loop_id, actor=actor)
        runtime.kick()

    return Done(text, follow_up, out.loop_id)


def settle_questions(runtime: Runtime) -> int:
    """Each minute: questions nobody answered in time expire (`expire_asks`), and any a change
    withdrew that still shows its buttons is edited (the change's own follow-up may have been
    cut short by a crash). Returns how many expired."""
    expired = expire_asks(runtime)
    withdraw_questions(runtime=runtime, loop_id=None, actor=None)
    return expired


def expire_asks(runtime: Runtime) -> int:
    """Asks nobody answered in time: their DM says so, and the next step is taken."""
    now = runtime.clock()
    sends: list[Outgoing] = []
    edits: list[Message] = []  # made once the transaction let go of the store
    with runtime.db.read() as session:
        _ask_zones_first(runtime, session, replacements.loops_with_expired_asks(session, now))
    with runtime.db.session() as session:
        for loop_id in sorted(set(replacements.loops_with_expired_asks(session, now))):
            loop_to_change(session, loop_id or 0)  # in one order: two sweeps never deadlock
        expired = replacements.expired_asks(session, now)
        for ask in expired:
            decline = session.get(Decline, ask.decline_id)
            loop = session.get(Loop, ask.loop_id)
            assert decline is not None and loop is not None
            rnd = session.get(Round, decline.round_id)
            assert rnd is not None
            if ask.channel_id and ask.ts:
                late = render("replacement_expired", **_facts(loop, rnd, decline))
                edits.append(
                    Message.text_over(
                        ask.channel_id, ask.ts, late, purpose=PURPOSE, loop_id=ask.loop_id
                    )
                )
            if decline.state == "asking":
                step = replacements.next_step(session, loop, decline, now, policy_of(runtime))
                sends.append(_step_messages(session, loop, step, announce=False))
    if edits:  # through the outbox, as a withdrawn question's; a click on it is told anyway
        runtime.outbox.edit(edits, now)
    for out in sends:
        _send(runtime, out)
    return len(expired)


def _ask_zones_first(runtime: Runtime, session: Session, loop_ids: list[int | None]) -> None:
    """The time zones choosing a replacement reads (the pools: people holding a role that runs
    rounds in the loops), asked of Slack before the write transaction that chooses, so a slow
    Slack never holds the store's write lock; the messenger keeps them for a few minutes. A
    refusal is met again, and handled, inside."""
    if not loop_ids:
        return
    in_loops = col(Assignment.loop_id).in_(loop_ids)
    interviewing = select(Assignment.role_code).where(in_loops, Assignment.letter == "R")
    pool = session.exec(
        select(Assignment.user_id).where(
            in_loops, Assignment.letter == LOOP_ROLE, col(Assignment.role_code).in_(interviewing)
        )
    ).all()
    for user_id in sorted(set(pool)):
        try:
            runtime.messenger.user(user_id)
        except SlackUnavailable:
            return


def _when(rnd: Round) -> str:
    """When the round is: its start, or for an asynchronous one its submission's deadline."""
    if rnd.starts_at is not None:
        return slack_time(rnd.starts_at)
    return f"submission due {slack_time(rnd.deadline)}" if rnd.deadline else "a submission"


def _facts(loop: Loop, rnd: Round, declined: Decline) -> dict:
    return {
        "candidate": loop.candidate_name,
        "short_id": loop.short_id,
        "round": f"{rnd.number}. {rnd.name}",
        "when": _when(rnd),
        "asynchronous": rnd.starts_at is None,
        "length": minutes(rnd.duration_minutes),
        "decliner": mention(declined.user_id),
        "reason": declined.reason,
    }


def _step(step: Step) -> dict:
    return {
        "asked": mention(step.ask.user_id) if step.ask else "",
        "answer_by": slack_time(step.ask.expires_at) if step.ask else "",
        "why": step.handed_over,
        "asked_count": len(step.earlier),
        "cutoff_hours": step.cutoff_hours,
        "refusals": [{"who": mention(r.user_id), "reason": r.reason} for r in step.refusals],
        "earlier": [
            {"who": mention(a.user_id), "state": a.state, "by": slack_time(a.expires_at)}
            for a in step.earlier
        ],
    }


def _step_messages(session: Session, loop: Loop, step: Step, *, announce: bool) -> Outgoing:
    """The ask to the person picked, and what the recruiter and the hiring manager read: the
    news when the interviewer first says so, the hand-over when it is theirs to solve."""
    facts = _facts(loop, step.rnd, step.decline)
    about = _step(step)
    out = Outgoing(loop.id or 0)
    if step.ask is not None:
        text = render("replacement_ask", **facts, **about)
        out.dms.append((step.ask.user_id, text, ask_blocks(text, step.ask.id or 0)))
        out.ask_id = step.ask.id
    organisers = _organisers(session, loop, step.rnd)
    if step.handed_over:
        text = render("replacement_handover", **facts, **about)
        blocks = handover_blocks(text, loop.short_id)
        out.dms += [(user, text, blocks) for user in organisers]
    elif announce:
        text = render("replacement_news", **facts, **about)
        out.dms += [(user, text, None) for user in organisers]
    return out


def _organisers(session: Session, loop: Loop, rnd: Round) -> list[str]:
    """The recruiter(s) and the round's hiring manager: who hears of a round losing its
    interviewer and picks someone when loopbot cannot."""
    chosen = _recruiters(session, loop)
    chosen += [
        a.user_id for a in assignments_of(session, loop) if a.round_id == rnd.id and a.letter == "A"
    ]
    return list(dict.fromkeys(chosen))


def _recruiters(session: Session, loop: Loop) -> list[str]:
    codes = recruiter_roles(template_of(session, loop))
    people = assignments_of(session, loop)
    return list(
        dict.fromkeys(a.user_id for a in people if a.letter == LOOP_ROLE and a.role_code in codes)
    )


def _send(runtime: Runtime, out: Outgoing) -> None:
    """The question goes straight to its person (its buttons are replaced once answered, so its
    place is kept on the ask); the news and the hand-over go through the outbox."""
    for index, (user, text, blocks) in enumerate(out.dms):
        if index == 0 and out.ask_id is not None:
            posted = runtime.messenger.dm(user, text=text, blocks=blocks)
            with runtime.db.session() as session:
                session.add(
                    SlackMessage(
                        loop_id=out.loop_id,
                        channel_id=posted.channel,
                        ts=posted.ts,
                        purpose=PURPOSE,
                    )
                )
                ask = session.get(ReplacementAsk, out.ask_id)
                if ask is not None:
                    ask.channel_id, ask.ts = posted.channel, posted.ts
                    session.add(ask)
                withdrawn = ask is not None and ask.state == AskState.VOID
            if withdrawn:  # a swap or a cancel came while the question was on its way
                withdraw_questions(runtime=runtime, loop_id=out.loop_id, actor=None)
            continue
        dm_about(runtime, out.loop_id, user, purpose=PURPOSE, text=text, blocks=blocks)
