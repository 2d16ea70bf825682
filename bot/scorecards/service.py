"""Opening, drafting, submitting and reading scorecards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from bot.authz import Action, Standing, can, require
from bot.commands import MAX_ROUND
from bot.documents import Library
from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.errors import InvalidInput, LoopbotError
from bot.loops.briefing import briefing_for
from bot.loops.queries import (
    TRAINEE_PARTS,
    AnyLoop,
    assignments_of,
    find_loop_row,
    rounds_of,
    template_of,
)
from bot.scorecards.form import ScorecardAnswers, problems
from bot.store.db import rows
from bot.store.models import (
    AuditEntry,
    Decision,
    Loop,
    LoopStatus,
    Round,
    Scorecard,
    ScorecardRevision,
)

# Built once: every submission runs them. The loop and the round are read as plain rows (no
# ORM objects to build: nothing here changes them).
_ROUND = select(*Round.__table__.columns).where(  # type: ignore[attr-defined]
    Round.loop_id == bindparam("loop"), Round.number == bindparam("number")
)
_DECIDED = select(Decision.id).where(Decision.loop_id == bindparam("loop")).limit(1)
_MINE = select(Scorecard).where(
    Scorecard.round_id == bindparam("round"), Scorecard.author_id == bindparam("author")
)
_MINE_NOW = select(
    Scorecard.id,
    Scorecard.submitted,
    Scorecard.submitted_at,
    Scorecard.revision,
    Scorecard.answers,
    Scorecard.private_note,
    Scorecard.recommendation,
).where(Scorecard.round_id == bindparam("round"), Scorecard.author_id == bindparam("author"))
_NEW_CARD = insert(Scorecard.__table__)  # type: ignore[attr-defined]
_SUBMIT = (
    update(Scorecard.__table__)  # type: ignore[attr-defined]
    .where(col(Scorecard.id) == bindparam("card"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "answers",
                "private_note",
                "recommendation",
                "submitted",
                "submitted_at",
                "revision",
                "updated_at",
            )
        }
    )
)
_REVISION = insert(ScorecardRevision.__table__)  # type: ignore[attr-defined]
_AUDIT = insert(AuditEntry.__table__)  # type: ignore[attr-defined]


class ScorecardProblems(LoopbotError):
    """The submission cannot be stored; `errors` name the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers need a fix: " + "; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Subject:
    """The round a scorecard is about, with what the form is built from."""

    loop: AnyLoop
    rnd: Round | Row[Any]
    spec: TemplateRound
    template: LoopTemplate
    values: list[str]


def values_under_probe(
    library: Library, loop: AnyLoop, template: LoopTemplate, spec: TemplateRound
) -> list[str]:
    """The candidate's values this round should find evidence for: those of their interview
    guide (else their context's mapping) when it briefs this round, none otherwise."""
    brief = briefing_for(library, loop, template)
    if brief.guide and spec.number in brief.guide_rounds:
        return [v.value for v in brief.guide.values]
    if brief.context and spec.number in brief.context_rounds:
        return [v.value for v in brief.context.values]
    return []


def subject_of(session: Session, library: Library, short_id: str, number: int) -> Subject:
    loop = find_loop_row(session, short_id)
    template = template_of(session, loop)
    found = []
    if 1 <= number <= MAX_ROUND:  # a number the database's integer column can hold
        found = rows(session, _ROUND, {"loop": loop.id, "number": number})
    rnd = found[0] if found else None
    if rnd is None:
        raise InvalidInput(f"Loop `{loop.short_id}` has no round {number}.")
    spec = template.round(number)
    return Subject(loop, rnd, spec, template, values_under_probe(library, loop, template, spec))


def _decided(session: Session, loop: AnyLoop) -> bool:
    return bool(rows(session, _DECIDED, {"loop": loop.id}))


def _mine(session: Session, subject: Subject, user_id: str) -> Scorecard | None:
    return session.exec(_MINE, params={"round": subject.rnd.id, "author": user_id}).first()


def first_owed(session: Session, loop: AnyLoop, user_id: str, numbers: list[int]) -> int:
    """Of the rounds `numbers` (in order), the first whose scorecard the person has not
    submitted; the first of them when every one is in (it then opens as an edit)."""
    submitted = set(
        session.exec(
            select(Round.number)
            .join(Scorecard, col(Scorecard.round_id) == col(Round.id))
            .where(
                Scorecard.loop_id == loop.id,
                Scorecard.author_id == user_id,
                col(Scorecard.submitted).is_(True),
            )
        ).all()
    )
    return next((n for n in numbers if n not in submitted), numbers[0])


def check_writer(session: Session, subject: Subject, who: Standing) -> None:
    require(Action.WRITE_SCORECARD, who, loop=subject.loop.short_id, round=subject.rnd.number)
    if subject.loop.status == LoopStatus.CANCELLED:
        raise InvalidInput(f"Loop `{subject.loop.short_id}` is cancelled.")
    if _decided(session, subject.loop):
        raise InvalidInput("The hiring manager has recorded the decision; scorecards are locked.")


def open_scorecard(
    session: Session, subject: Subject, who: Standing
) -> tuple[ScorecardAnswers | None, datetime | None]:
    """The person's draft or submitted answers, if any, after checking they may write it, and
    when they submitted it (None for a draft or a blank form)."""
    check_writer(session, subject, who)
    user_id = who.user_id
    mine = _mine(session, subject, user_id)
    if mine is None or not mine.answers:
        return None, None
    answers = ScorecardAnswers.model_validate(
        {**mine.answers, "private_note": mine.private_note or ""}
    )
    return answers, mine.submitted_at if mine.submitted else None


def save_draft(
    session: Session, subject: Subject, who: Standing, answers: ScorecardAnswers, now: datetime
) -> None:
    """Keep what was typed when the modal closed; a submitted scorecard is never overwritten
    (its form has no draft to keep: closing it leaves the submission as it was)."""
    check_writer(session, subject, who)
    user_id = who.user_id
    mine = _mine(session, subject, user_id)
    if mine is not None and mine.submitted:
        return
    mine = mine or Scorecard(loop_id=subject.loop.id, round_id=subject.rnd.id, author_id=user_id)
    mine.answers = answers.public()
    mine.private_note = answers.private_note or None
    mine.recommendation = answers.recommendation
    mine.updated_at = now
    session.add(mine)


@dataclass(frozen=True)
class Stored:
    """A stored submission: its revision, whether it was its first submission (not an edit of
    a submitted one) and whether it was the loop's last missing scorecard; `changed`: False
    for the submitted scorecard sent again as it is (a double click), which stores nothing."""

    revision: int
    first: bool
    last: bool
    changed: bool = True


def submit_scorecard(
    session: Session, subject: Subject, who: Standing, answers: ScorecardAnswers, now: datetime
) -> Stored:
    """Store a submission (or an edit, as a new revision). Nothing is stored when an answer is
    missing or invalid."""
    check_writer(session, subject, who)
    user_id = who.user_id
    errors = problems(answers, spec=subject.spec, template=subject.template)
    if errors:
        raise ScorecardProblems(errors)
    found = rows(session, _MINE_NOW, {"round": subject.rnd.id, "author": user_id})
    mine = found[0] if found else None
    first = mine is None or not mine.submitted
    revision = (mine.revision if mine else 0) + 1
    said = {
        "answers": answers.public(),
        "private_note": answers.private_note or None,
        "recommendation": answers.recommendation,
    }
    if mine and mine.submitted and said == {k: getattr(mine, k) for k in said}:
        return Stored(mine.revision, first=False, last=False, changed=False)
    card = {
        **said,
        "submitted": True,
        "submitted_at": (mine.submitted_at if mine else None) or now,
        "revision": revision,
        "updated_at": now,
    }
    # Plain statements: this is every submission's acknowledgement path, and the ORM's unit of
    # work cost more than the three writes themselves.
    connection = session.connection()
    if mine is None:
        ids = {"loop_id": subject.loop.id, "round_id": subject.rnd.id, "author_id": user_id}
        card_id = connection.execute(_NEW_CARD, {**ids, **card}).inserted_primary_key[0]
    else:
        card_id = mine.id
        connection.execute(_SUBMIT, {"card": card_id, **card})
    connection.execute(
        _REVISION,
        {
            "scorecard_id": card_id,
            "revision": revision,
            "recommendation": card["recommendation"],
            "answers": card["answers"],
            "private_note": card["private_note"],
            "saved_at": now,
        },
    )
    connection.execute(
        _AUDIT,
        {
            "at": now,
            "actor": user_id,
            "loop_id": subject.loop.id,
            "action": "scorecard.submitted" if first else "scorecard.edited",
            "detail": {"round": subject.rnd.number, "revision": revision},
        },
    )
    return Stored(revision, first, first and all_in(session, subject.loop))


def all_in(session: Session, loop: AnyLoop) -> bool:
    """Every Responsible of every live round has submitted (a trainee's is not waited for)."""
    rounds = {r.id for r in rounds_of(session, loop) if not r.cancelled}
    owners = {
        (a.round_id, a.user_id)
        for a in assignments_of(session, loop)
        if a.letter == "R" and a.round_id in rounds and a.part not in TRAINEE_PARTS
    }
    done = set(
        session.exec(
            select(Scorecard.round_id, Scorecard.author_id).where(
                Scorecard.loop_id == loop.id, Scorecard.submitted
            )
        ).all()
    )
    return bool(owners) and owners <= done


@dataclass(frozen=True)
class Readable:
    round_number: int
    round_name: str
    author: str
    submitted: bool
    answers: ScorecardAnswers | None
    """None when the viewer may see only that it was submitted."""


def readable_scorecards(session: Session, loop: Loop, who: Standing) -> list[Readable]:
    """Every scorecard the loop is owed, in round order: a submitted one with content only where
    the viewer may read it, a missing one as who owes it (a trainee's practice card is never
    owed). Only people who may see the loop's status get even that."""
    require(Action.VIEW_STATUS, who, loop=loop.short_id)
    cards = session.exec(
        select(Scorecard).where(Scorecard.loop_id == loop.id, Scorecard.submitted)
    ).all()
    rounds = rounds_of(session, loop)
    numbers = {r.id: (r.number, r.name) for r in rounds}
    handed_in = {(c.round_id, c.author_id) for c in cards}
    held = {r.id: r for r in rounds if not r.cancelled}
    owed = [
        Readable(held[a.round_id].number, held[a.round_id].name, a.user_id, False, None)
        for a in assignments_of(session, loop)
        if a.letter == "R"
        and a.part not in TRAINEE_PARTS
        and a.round_id in held
        and (a.round_id, a.user_id) not in handed_in
    ]
    out = []
    for card in sorted(cards, key=lambda c: numbers[c.round_id][0]):
        content = None
        if can(Action.READ_SCORECARD, who, author=card.author_id):
            note = (
                card.private_note
                if can(Action.READ_PRIVATE_NOTE, who, author=card.author_id)
                else ""
            )
            content = ScorecardAnswers.model_validate({**card.answers, "private_note": note or ""})
        number, name = numbers[card.round_id]
        out.append(Readable(number, name, card.author_id, True, content))
    return sorted(out + owed, key=lambda r: r.round_number)
