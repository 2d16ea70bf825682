"""Use cases for "can't make it": the interviewer says so, the replacement answers, asks expire.

Who is asked and when the recruiter takes over is `bot.loops.replacements`; here the settings in
force become its policy, and each step's messages are written (in templates) and sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from bot.app import Done
from bot.app import replacement_news as news
from bot.app.announce import (
    announce_change,
    keep_channel_to_readers,
    recruiters,
    refresh_card,
    withdraw_questions,
)
from bot.app.calendars import queue_events
from bot.app.create import limits
from bot.app.loops import review_clock
from bot.authz import Standing, trains
from bot.commands import parse_round
from bot.errors import DM_REFUSED_FOR_GOOD, InvalidInput, NotFound, SlackUnavailable
from bot.loops import leaving, replacements
from bot.loops.locks import hold, loop_to_change
from bot.loops.queries import (
    LOOP_ROLE,
    find_loop,
    round_names,
    standing,
    template_of,
)
from bot.loops.replacements import Policy
from bot.outbox import Message
from bot.reminders.plan import offsets_for
from bot.render import render
from bot.runtime import Runtime
from bot.slack.format import mention
from bot.store.models import (
    Assignment,
    Decline,
    Loop,
    ReplacementAsk,
    Round,
)

log = logging.getLogger(__name__)


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


def decline_form(runtime: Runtime, *, actor: str, ref: str, number: int) -> DeclineForm:
    """What the "can't make it" modal shows, once the person may say so for this round."""
    with runtime.db.read() as session:
        loop = find_loop(session, ref)
        who = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        rnd = leaving.declinable(session, loop, number, who, runtime.clock())
        when = news.when_of(rnd)
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
            news.mentions(seat.interviewers),
            lead,
            seat.begun,
        )


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
        policy = policy_of(runtime)
        step = replacements.next_step(session, loop, declined, now, policy)
        out = news.step_messages(runtime, session, loop, step, policy, announce=True)
        facts = news.facts_of(loop, step.rnd, declined)
        text = render("replacement_thanks", **facts, step=news.step_facts(step))
    return Done(text, lambda: news.send(runtime, out), out.loop_id)


def _step_out(
    runtime: Runtime, session: Session, loop: Loop, who: Standing, number: int, reason: str
) -> Done:
    """A trainee cannot make their round, or missed it: they are off it at once (`step_out`)."""
    out = leaving.step_out(session, loop, number, who, runtime.clock())
    return _trainee_off(runtime, session, loop, out, who.user_id, reason=reason)


def take_trainee_off(
    runtime: Runtime, *, actor: str, ref: str, round_ref: str, trainee: str
) -> Done:
    """Whoever may change the loop takes a trainee off a round (`/loop remove`)."""
    with runtime.db.session() as session:
        loop = loop_to_change(session, ref)
        number = parse_round(round_names(session, loop.id or 0), round_ref)
        by = standing(session, loop, actor, admins=runtime.settings.loopbot_admins)
        out = leaving.take_off(session, loop, number, trainee, by, runtime.clock())
        return _trainee_off(runtime, session, loop, out, trainee, by=actor)


def _trainee_off(
    runtime: Runtime,
    session: Session,
    loop: Loop,
    out: leaving.TraineeSeat,
    trainee: str,
    *,
    reason: str = "",
    by: str = "",
) -> Done:
    """What a trainee's leaving tells each reader, queued with the change: the recruiter (the
    reason, when the trainee gave one), the round's people while it is still ahead, the trainee
    when someone else took them off; the answer is the trainee's (or that someone's)."""
    if not out.begun:
        queue_events(runtime, session, loop, actor=by or trainee, round_ids={out.rnd.id or 0})
    facts = {
        "candidate": loop.candidate_name,
        "short_id": loop.short_id,
        "round": f"{out.rnd.number}. {out.rnd.name}",
        "when": news.when_of(out.rnd),
        "trainee": mention(trainee),
        "by": mention(by) if by else "",
        "part": out.part,
        "interviewers": news.mentions(out.interviewers),
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
    seats += [("trainee", trainee)] if by else []
    organisers = [u for u in recruiters(session, loop) or [loop.created_by] if u != trainee]
    seats += [("recruiter", u) for u in organisers]
    told = [(seat, u) for seat, u in seats if u != by]  # who took them off has the answer
    facts["told"] = news.mentions(organisers)
    dms = [(u, render("trainee_stepped_out", reader=seat, **facts), None) for seat, u in told]
    loop_id = loop.id or 0
    queued = news.queue_dms(runtime, session, loop_id, dms)

    def follow_up() -> None:
        runtime.outbox.send_queued(queued, runtime.clock())
        announce_change(runtime=runtime, loop_id=loop_id, actor=by or trainee)
        runtime.kick()

    answer = render("trainee_stepped_out", reader="actor" if by else "trainee", **facts)
    return Done(answer, follow_up, loop_id)


def answer_ask(runtime: Runtime, *, actor: str, ask_id: int, accept: bool) -> Done:
    """The asked person's answer. Done's text replaces the question in their DM."""
    now = runtime.clock()
    with runtime.db.read() as session:
        asked = session.get(ReplacementAsk, ask_id)
        _ask_zones_first(runtime, session, [asked.loop_id] if asked and not accept else [])
    if asked is None:
        raise NotFound("That question is no longer open.")
    review = review_clock(runtime, actor) if accept else None
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
            policy=(policy := policy_of(runtime)),
            offsets=offsets,
            review=review,
        )
        if answer.accepted:  # the calendar events follow the round to its new interviewer
            queue_events(runtime, session, loop, actor=actor, round_ids={answer.rnd.id or 0})
        facts = news.facts_of(loop, answer.rnd, answer.decline)
        handed_over = answer.next is not None and bool(answer.next.handed_over)
        text = render(
            "replacement_answered", **facts, accepted=answer.accepted, handed_over=handed_over
        )
        out = (
            news.step_messages(runtime, session, loop, answer.next, policy, announce=False)
            if answer.next is not None
            else news.Outgoing(loop.id or 0)
        )

    def follow_up() -> None:
        news.send(runtime, out)
        if answer.accepted:
            refresh_card(runtime=runtime, loop_id=out.loop_id, actor=actor)
            keep_channel_to_readers(runtime=runtime, loop_id=out.loop_id)
        runtime.kick()

    return Done(text, follow_up, out.loop_id)


def settle_questions(runtime: Runtime) -> int:
    """Each minute: questions nobody answered in time expire (`expire_asks`), and any a change
    withdrew that still shows its buttons is edited (the change's own follow-up may have been
    cut short by a crash). Returns how many expired."""
    expired = expire_asks(runtime)
    withdraw_questions(runtime=runtime, loop_id=None, actor=None)
    resend_questions(runtime)
    return expired


def resend_questions(runtime: Runtime) -> int:
    """Questions that never reached their person (the process died on the way, or Slack was
    down) are sent again, once each however many replicas sweep. Returns how many were sent."""
    with runtime.db.read() as session:
        lost = []
        for ask in replacements.unsent_questions(session, runtime.clock()):
            decline = session.get(Decline, ask.decline_id)
            loop = session.get(Loop, ask.loop_id)
            assert decline is not None and loop is not None
            rnd = session.get(Round, decline.round_id)
            assert rnd is not None
            try:  # whether anyone is left after it reads the pool's time zones from Slack
                last = replacements.last_ask(session, ask, rnd, policy_of(runtime))
            except SlackUnavailable as refused:
                log.warning("question waits: %s", refused, extra={"ask": ask.id})
                continue  # still unsent: the next minute's sweep tries again
            lost.append((ask.loop_id, news.question(loop, rnd, decline, ask, last=last)))
    sent = 0
    for loop_id, asked in lost:
        try:
            sent += news.send_question(runtime, loop_id, asked, again=True)
        except SlackUnavailable as refused:
            error = getattr(refused, "error", "unavailable")
            log.warning("question not sent: %s", error, extra={"ask": asked.ask_id})
            if error in DM_REFUSED_FOR_GOOD:  # they left: the next step, at the next sweep
                with runtime.db.session() as session:
                    replacements.expire_now(session, asked.ask_id, runtime.clock())
    return sent


def expire_asks(runtime: Runtime) -> int:
    """Asks nobody answered in time: their DM says so, and the next step is taken."""
    now = runtime.clock()
    sends: list[news.Outgoing] = []
    edits: list[Message] = []  # made once the transaction let go of the store
    with runtime.db.read() as session:
        _ask_zones_first(runtime, session, replacements.loops_with_expired_asks(session, now))
    with runtime.db.session() as session:
        for loop_id in sorted(set(replacements.loops_with_expired_asks(session, now))):
            hold(session, loop_id or 0)  # in one order: two sweeps never deadlock
        expired = replacements.expired_asks(session, now)
        for ask in expired:
            decline = session.get(Decline, ask.decline_id)
            loop = session.get(Loop, ask.loop_id)
            assert decline is not None and loop is not None
            rnd = session.get(Round, decline.round_id)
            assert rnd is not None
            handed_over = False
            if decline.state == "asking":
                policy = policy_of(runtime)
                step = replacements.next_step(session, loop, decline, now, policy)
                handed_over = bool(step.handed_over)
                sends.append(
                    news.step_messages(runtime, session, loop, step, policy, announce=False)
                )
            if ask.channel_id and ask.ts:  # says what came of it: another asked, or the recruiter
                facts = news.facts_of(loop, rnd, decline)
                late = render("replacement_expired", **facts, handed_over=handed_over)
                edits.append(
                    Message.text_over(
                        ask.channel_id, ask.ts, late, purpose=news.PURPOSE, loop_id=ask.loop_id
                    )
                )
    if edits:  # through the outbox, as a withdrawn question's; a click on it is told anyway
        runtime.outbox.edit(edits, now)
    for out in sends:
        news.send(runtime, out)
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
