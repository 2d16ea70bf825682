"""What a step of "can't make it" sends: the question to the person asked (straight away, its
place kept so an answer can replace its buttons) and what the recruiter, the hiring manager and
a round's people read (queued in the change's own transaction, so none is lost)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.app.announce import recruiters, withdraw_questions
from bot.loops.queries import assignments_of
from bot.loops.replacements import Policy, Step, claim_question, last_ask
from bot.outbox import Message
from bot.render import render
from bot.runtime import Runtime
from bot.slack.blocks.replacements import ask_blocks, handover_blocks
from bot.slack.format import mention, minutes, slack_time
from bot.store.models import AskState, Decline, Loop, ReplacementAsk, Round, SlackMessage

PURPOSE = "replacement"


@dataclass
class Outgoing:
    """Messages one step sends: the question, prepared inside the transaction and sent after
    it; the others queued in the transaction (`queued`, outbox rows), so none is lost."""

    loop_id: int
    ask: Question | None = None
    queued: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Question:
    """The question to the person asked: its DM is kept on the ask (`ask_id`) so an answer can
    replace its buttons; `seen` is the ask's `asked_at`, which whoever sends it claims."""

    ask_id: int
    user: str
    text: str
    blocks: list[dict]
    seen: datetime


def question(
    loop: Loop, rnd: Round, declined: Decline, ask: ReplacementAsk, *, last: bool
) -> Question:
    """`last`: unanswered, the round goes to the recruiter (`replacements.last_ask`)."""
    facts = facts_of(loop, rnd, declined)
    text = render("replacement_ask", **facts, answer_by=slack_time(ask.expires_at), last=last)
    return Question(ask.id or 0, ask.user_id, text, ask_blocks(text, ask.id or 0), ask.asked_at)


def mentions(users: list[str]) -> str:
    """People as a sentence names them: `@amy`, `@amy and @bob`, `@amy, @bob and @cy`."""
    said = [mention(u) for u in users]
    return " and ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else "".join(said)


def when_of(rnd: Round) -> str:
    """When the round is: its start, or for an asynchronous one its submission's deadline, or
    once the submission is in, when it was received (its reviewer's window starts when they take
    it)."""
    if rnd.starts_at is not None:
        return slack_time(rnd.starts_at)
    if rnd.received_at is not None:
        return f"submission received {slack_time(rnd.received_at)}"
    return f"submission due {slack_time(rnd.deadline)}" if rnd.deadline else "a submission"


def facts_of(loop: Loop, rnd: Round, declined: Decline) -> dict:
    return {
        "candidate": loop.candidate_name,
        "short_id": loop.short_id,
        "round": f"{rnd.number}. {rnd.name}",
        "when": when_of(rnd),
        "asynchronous": rnd.starts_at is None,
        "review_due": slack_time(rnd.review_due) if rnd.received_at and rnd.review_due else "",
        "length": minutes(rnd.duration_minutes),
        "decliner": mention(declined.user_id),
        "reason": declined.reason,
    }


def step_facts(step: Step) -> dict:
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


def step_messages(
    runtime: Runtime, session: Session, loop: Loop, step: Step, policy: Policy, *, announce: bool
) -> Outgoing:
    """The ask to the person picked, and what the recruiter and the hiring manager read: the
    news when the interviewer first says so, each next person asked, the hand-over when it is
    theirs to solve."""
    facts = facts_of(loop, step.rnd, step.decline)
    about = step_facts(step)
    out = Outgoing(loop.id or 0)
    if step.ask is not None:
        last = last_ask(session, step.ask, step.rnd, policy)
        out.ask = question(loop, step.rnd, step.decline, step.ask, last=last)
    organisers = _organisers(session, loop, step.rnd)
    told: list[tuple[str, str, list[dict] | None]] = []
    if step.handed_over:
        text = render("replacement_handover", **facts, **about)
        blocks = handover_blocks(text, loop.short_id, movable=step.rnd.starts_at is not None)
        told = [(user, text, blocks) for user in organisers]
    elif announce:
        text = render("replacement_news", **facts, **about)
        told = [(user, text, None) for user in organisers]
    elif step.ask is not None and step.earlier:  # who is asked next, and why
        text = render("replacement_next", **facts, **about)
        told = [(user, text, None) for user in organisers]
    out.queued = queue_dms(runtime, session, out.loop_id, told)
    return out


def queue_dms(
    runtime: Runtime,
    session: Session,
    loop_id: int,
    dms: list[tuple[str, str, list[dict] | None]],
) -> list[int]:
    """DMs (person, text, blocks) about the loop, queued in the change's own transaction."""
    messages = [
        Message(channel=user, text=text, blocks=blocks, purpose=PURPOSE, loop_id=loop_id)
        for user, text, blocks in dms
    ]
    return runtime.outbox.queue_in(session, messages, runtime.clock())


def _organisers(session: Session, loop: Loop, rnd: Round) -> list[str]:
    """The recruiter(s) and the round's hiring manager: who hears of a round losing its
    interviewer and picks someone when loopbot cannot."""
    chosen = recruiters(session, loop)
    chosen += [
        a.user_id for a in assignments_of(session, loop) if a.round_id == rnd.id and a.letter == "A"
    ]
    return list(dict.fromkeys(chosen))


def send(runtime: Runtime, out: Outgoing) -> None:
    """The question goes straight to its person (`send_question`); the news and the hand-over
    were queued in the outbox."""
    if out.ask is not None:
        send_question(runtime, out.loop_id, out.ask)
    runtime.outbox.send_queued(out.queued, runtime.clock())


def send_question(runtime: Runtime, loop_id: int, asked: Question, *, again: bool = False) -> bool:
    """Claim the question's sending (`claim_question`: once, whoever else tries), send it, keep
    its place on the ask; False when another had claimed it. If this dies on the way (or Slack
    refuses), the minute's sweep sends it `again`: first looking in the person's DM for the
    question Slack may have taken before the answer was lost (its tag), so it is never sent
    twice."""
    with runtime.db.session() as session:
        if not claim_question(session, asked.ask_id, asked.seen, runtime.clock()):
            return False
    tag = f"ask:{asked.ask_id}"
    found = runtime.messenger.tagged_in_dm(asked.user).get(tag) if again else None
    posted = found or runtime.messenger.dm(
        asked.user, text=asked.text, blocks=asked.blocks, tag=tag
    )
    with runtime.db.session() as session:
        session.add(
            SlackMessage(loop_id=loop_id, channel_id=posted.channel, ts=posted.ts, purpose=PURPOSE)
        )
        ask = session.get(ReplacementAsk, asked.ask_id)
        if ask is not None:
            ask.channel_id, ask.ts = posted.channel, posted.ts
            session.add(ask)
        withdrawn = ask is not None and ask.state == AskState.VOID
    if withdrawn:  # a swap or a cancel came while the question was on its way
        withdraw_questions(runtime=runtime, loop_id=loop_id, actor=None)
    return True
