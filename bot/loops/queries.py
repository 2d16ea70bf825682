"""Reading loops: by reference, for a person, and who stands where."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, union
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from bot.authz import Standing
from bot.documents.models import LoopTemplate
from bot.errors import NotFound
from bot.loops.ledger import Booking
from bot.store.db import rows
from bot.store.models import (
    Assignment,
    AuditEntry,
    Loop,
    LoopStatus,
    Round,
    Scorecard,
    TemplateVersion,
)

LOOP_ROLE = "-"  # letter of a loop-level assignment: the person holds that role in the loop
OBSERVER = "O"
"""The letter of a round's observer: in the room with the guide, no scorecard."""
ROUND_LETTERS = ("R", OBSERVER)
"""Letters that put a person in the room: booked, invited, sent the guide."""
INTERVIEWER, SHADOW, REVERSE_SHADOW = "interviewer", "shadow", "reverse_shadow"
TRAINEE_PARTS = (SHADOW, REVERSE_SHADOW)
"""The parts of an R row held by a trainee: their scorecard is shown apart, never counted."""
TRAINEE = "T"
"""A trainee's R, as their standing carries it (the store keeps R and the part)."""


AnyLoop = Loop | Row[Any]
"""A loop as an ORM object, or read as a row (`loops_for`, `find_loop_row`): a row reads the
same (`loop.short_id`) and also carries its document's `template_id` and `sha256`."""
Seat = Row[Any]
"""An Assignment read as a plain row (`assignments_of`): the same attributes, read only."""

_parsed: dict[tuple[str, str], LoopTemplate] = {}

# Statements every request runs are built once: building one costs more CPU than running it.
_VERSIONS = select(TemplateVersion.id, TemplateVersion.template_id, TemplateVersion.sha256).where(
    col(TemplateVersion.id).in_(bindparam("ids", expanding=True))
)
_BODIES = select(
    TemplateVersion.id, TemplateVersion.template_id, TemplateVersion.sha256, TemplateVersion.body
).where(col(TemplateVersion.id).in_(bindparam("ids", expanding=True)))
_LOOP_BY_SHORT_ID = select(Loop).where(Loop.short_id == bindparam("short"))
# A loop's columns with its document's id and hash: the parsed document comes from this
# process's cache, not from another statement.
_LOOP_ROWS = select(
    *Loop.__table__.columns,  # type: ignore[attr-defined]
    TemplateVersion.template_id,
    TemplateVersion.sha256,
).join(TemplateVersion, col(TemplateVersion.id) == col(Loop.template_version_id))
_LOOP_ROW_BY_SHORT_ID = _LOOP_ROWS.where(Loop.short_id == bindparam("short"))
_LOOP_ROW_BY_ID = _LOOP_ROWS.where(Loop.id == bindparam("id"))
_ROUNDS_OF = select(Round).where(Round.loop_id == bindparam("loop")).order_by(col(Round.number))
_ROUND_NAMES = (
    select(Round.number, Round.name)
    .where(Round.loop_id == bindparam("loop"))
    .order_by(col(Round.number))
)
SEAT_ORDER = (func.coalesce(col(Assignment.seat_of), col(Assignment.id)), col(Assignment.id))
"""A round's people in their seats' order, the lead first: a seat keeps its place when it is
given to someone else (`Assignment.seat_of`)."""
_ASSIGNMENTS_OF = (
    select(*Assignment.__table__.c)  # type: ignore[attr-defined]
    .where(Assignment.loop_id == bindparam("loop"))
    .order_by(*SEAT_ORDER)
)
_ACTIVE_ASSIGNMENTS_OF = _ASSIGNMENTS_OF.where(col(Assignment.active).is_(True))
HELD_COLUMNS = (  # a person's assignment, as `Held` reads it
    Assignment.letter,
    Assignment.role_code,
    Round.number,
    Round.id,
    Round.cancelled,
    Assignment.part,
)
_HELD_BY = (
    select(*HELD_COLUMNS)
    .outerjoin(Round, col(Round.id) == col(Assignment.round_id))
    .where(
        Assignment.loop_id == bindparam("loop"),
        Assignment.user_id == bindparam("user"),
        col(Assignment.active).is_(True),
    )
)
_SUBMITTED_BY = select(Scorecard.round_id).where(
    Scorecard.loop_id == bindparam("loop"),
    Scorecard.author_id == bindparam("user"),
    col(Scorecard.submitted).is_(True),
)
_MINE = union(
    # A UNION of two indexed lookups: an OR across the two would scan every loop.
    select(Assignment.loop_id).where(
        Assignment.user_id == bindparam("user"), col(Assignment.active).is_(True)
    ),
    select(Loop.id).where(Loop.created_by == bindparam("user")),
)
_LOOPS_FOR = (
    _LOOP_ROWS.where(col(Loop.id).in_(select(_MINE.subquery().c[0])))
    .order_by(col(Loop.created_at).desc())
    .limit(bindparam("limit"))
)


def _parse(template_id: str, sha256: str, body: dict) -> LoopTemplate:
    """A stored document version as a template, parsed once per process."""
    key = (template_id, sha256)
    if key not in _parsed:
        _parsed[key] = LoopTemplate.model_validate(body)
    return _parsed[key]


def _versions_known(session: Session) -> dict[int, tuple[str, str]]:
    """Which document each version is, as this session read it (a version never changes)."""
    return session.info.setdefault("template_versions", {})


def know_version(session: Session, version_id: int, template_id: str, sha256: str) -> None:
    """Which document a version is, read along with something else: not read again."""
    _versions_known(session)[version_id] = (template_id, sha256)


def templates_by_version(session: Session, version_ids: set[int]) -> dict[int, LoopTemplate]:
    """Templates for several stored versions; bodies are read only the first time, and which
    document a version is, once a session (`know_version`)."""
    known = _versions_known(session)
    if missing := [v for v in version_ids if v not in known]:
        for version_id, template_id, sha256 in rows(session, _VERSIONS, {"ids": missing}):
            known[version_id] = (template_id, sha256)
    out, unparsed = {}, []
    for version_id in version_ids & known.keys():
        template_id, sha256 = known[version_id]
        cached = _parsed.get((template_id, sha256))
        if cached is None:
            unparsed.append(version_id)
        else:
            out[version_id] = cached
    if unparsed:
        for version_id, template_id, sha256, body in rows(session, _BODIES, {"ids": unparsed}):
            out[version_id] = _parse(template_id, sha256, body)
    return out


def templates_of(session: Session, loops: list[AnyLoop]) -> dict[int, LoopTemplate]:
    """Templates of these loops by version id. A loop read as a row names its document, so once
    this process has parsed it no statement is run; ORM loops are looked up by version."""
    out, unknown = {}, set()
    for loop in loops:
        key = (getattr(loop, "template_id", ""), getattr(loop, "sha256", ""))
        cached = _parsed.get(key)
        if cached is None:
            unknown.add(loop.template_version_id)
        else:
            out[loop.template_version_id] = cached
    if unknown:
        out.update(templates_by_version(session, unknown))
    return out


def template_of(session: Session, loop: AnyLoop) -> LoopTemplate:
    """The loop document as it was when the loop was created."""
    return templates_of(session, [loop])[loop.template_version_id]


def short_id_of(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", ref or "").upper()[:16]


def _no_loop(ref: str) -> NotFound:
    shown = (ref or "").strip()[:20] or "(none)"
    return NotFound(f"No loop `{shown}`. `/loop list` shows the loops you're part of.")


def find_loop(session: Session, ref: str) -> Loop:
    """A loop by the short id shown on its card (any case, with or without a leading #)."""
    short = short_id_of(ref)
    loop = session.exec(_LOOP_BY_SHORT_ID, params={"short": short}).first() if short else None
    if loop is None:
        raise _no_loop(ref)
    return loop


def find_loop_row(session: Session, ref: str) -> Row[Any]:
    """`find_loop` for reading only: the loop as a row, with its document's id and hash."""
    short = short_id_of(ref)
    found = rows(session, _LOOP_ROW_BY_SHORT_ID, {"short": short}) if short else []
    if not found:
        raise _no_loop(ref)
    return found[0]


def loop_row(session: Session, loop_id: int) -> Row[Any] | None:
    """A loop by id, for reading only: as `find_loop_row` reads it."""
    found = rows(session, _LOOP_ROW_BY_ID, {"id": loop_id})
    return found[0] if found else None


def round_names(session: Session, loop_id: int) -> list[tuple[int, str]]:
    """(number, name) of each of the loop's rounds, in order: for forms that list them."""
    return [(number, name) for number, name in rows(session, _ROUND_NAMES, {"loop": loop_id})]


def rounds_of(session: Session, loop: Loop) -> list[Round]:
    return list(session.exec(_ROUNDS_OF, params={"loop": loop.id}).all())


def assignments_of(session: Session, loop: AnyLoop, *, active: bool = True) -> Sequence[Seat]:
    """The loop's people in their seats' order, as plain rows that read like an Assignment
    (`a.user_id`, `a.letter`): every use case reads them, and building an ORM object for each
    cost more than the read. To change one: `session.get(Assignment, a.id)`."""
    query = _ACTIVE_ASSIGNMENTS_OF if active else _ASSIGNMENTS_OF
    return rows(session, query, {"loop": loop.id})


def recruiter_roles(template: LoopTemplate) -> set[str]:
    """Roles kept informed on every candidate (not finalists only): the recruiter's."""
    return {
        r.code
        for r in template.roles
        if not r.finalists_only and any(r.code in rnd.informed for rnd in template.rounds)
    }


def standing(
    session: Session,
    loop: AnyLoop,
    user_id: str,
    *,
    admins: list[str],
    template: LoopTemplate | None = None,
    held: list[Held] | None = None,
) -> Standing:
    """What `user_id` is to `loop`, read from the store (their assignments: `held`, when
    already read)."""
    params = {"loop": loop.id, "user": user_id}
    if held is None:
        held = [Held(*row) for row in rows(session, _HELD_BY, params)]
    done = {row.round_id for row in rows(session, _SUBMITTED_BY, params)}
    return build_standing(
        loop=loop,
        template=template or template_of(session, loop),
        user_id=user_id,
        admins=admins,
        held=held,
        done=done,
    )


@dataclass(frozen=True)
class Held:
    """One active assignment of a person: a RACI letter on a round, or a role in the loop."""

    letter: str
    role_code: str
    round_number: int | None
    round_id: int | None
    round_cancelled: bool | None
    part: str = INTERVIEWER


def build_standing(
    *,
    loop: AnyLoop,
    template: LoopTemplate,
    user_id: str,
    admins: list[str],
    held: list[Held],
    done: set[int],
) -> Standing:
    """What a person is to a loop (letters by round, roles, creator, admin, whether their
    scorecards are all in) and the loop's state the rules depend on. `done`: ids of rounds whose
    scorecard they have submitted."""
    finalist_codes = {r.code for r in template.roles if r.finalists_only}
    by_round: dict[int, set[str]] = {}
    owed: set[int] = set()
    for h in held:
        if h.letter != LOOP_ROLE and h.round_number is not None:
            trainee = h.letter == "R" and h.part in TRAINEE_PARTS
            by_round.setdefault(h.round_number, set()).add(TRAINEE if trainee else h.letter)
            if h.letter == "R" and not h.round_cancelled and h.round_id is not None:
                owed.add(h.round_id)
    codes = {h.role_code for h in held if h.letter == LOOP_ROLE}
    return Standing(
        user_id=user_id,
        is_creator=loop.created_by == user_id,
        is_admin=user_id in admins,
        is_recruiter=bool(codes & recruiter_roles(template)),
        letters=frozenset(
            TRAINEE if h.letter == "R" and h.part in TRAINEE_PARTS else h.letter
            for h in held
            if h.letter != LOOP_ROLE
        ),
        round_letters={n: frozenset(v) for n, v in by_round.items()},
        submitted_all=bool(owed) and owed <= done,
        only_on_finalists=bool(codes) and codes <= finalist_codes,
        debrief_open=loop.debrief_opened_at is not None,
        finalist=loop.finalist,
        decided=loop.status == LoopStatus.DECIDED,
    )


def standing_across_loops(session: Session, user_id: str, *, admins: list[str]) -> Standing:
    """What a person is across every loop (for rules not about one loop, like calibration)."""
    letters = session.exec(
        select(Assignment.letter)
        .where(Assignment.user_id == user_id, Assignment.letter != LOOP_ROLE)
        .distinct()
    ).all()
    return Standing(user_id=user_id, is_admin=user_id in admins, letters=frozenset(letters))


def rounds_run_by(session: Session, loop: Loop, user_id: str) -> list[int]:
    """Numbers of the loop's rounds the person is Responsible for."""
    return list(
        session.exec(
            select(Round.number)
            .join(Assignment, col(Assignment.round_id) == col(Round.id))
            .where(
                Round.loop_id == loop.id,
                Assignment.user_id == user_id,
                Assignment.letter == "R",
                col(Assignment.active).is_(True),
            )
            .order_by(col(Round.number))
        ).all()
    )


def loops_for(session: Session, user_id: str, *, limit: int = 20) -> list[Row[Any]]:
    """Loops the person created or holds any role in, newest first, as rows (read only)."""
    return list(rows(session, _LOOPS_FOR, {"user": user_id, "limit": limit}))


def bookings_between(
    session: Session, start: datetime, end: datetime, *, exclude_loop: int | None = None
) -> list[Booking]:
    """Interviews people already run between `start` and `end`, across all live loops."""
    query = (
        select(Assignment.user_id, Round.starts_at, Round.duration_minutes, Round.id)
        .join(Round, col(Round.id) == col(Assignment.round_id))
        .join(Loop, col(Loop.id) == col(Round.loop_id))
        .where(
            col(Assignment.letter).in_(ROUND_LETTERS),
            col(Assignment.active).is_(True),
            col(Round.cancelled).is_(False),
            Loop.status != LoopStatus.CANCELLED,
            col(Round.starts_at) >= start,
            col(Round.starts_at) <= end,
        )
    )
    if exclude_loop is not None:
        query = query.where(Round.loop_id != exclude_loop)
    return [
        Booking(user, starts, starts + timedelta(minutes=minutes), round_id)
        for user, starts, minutes, round_id in session.exec(query).all()
        if starts is not None
    ]


def last_assigned(session: Session, user_ids: list[str]) -> dict[str, datetime]:
    """When each person was last given a round (assignment creation time)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(Assignment.user_id, Assignment.created_at).where(
            col(Assignment.user_id).in_(user_ids), col(Assignment.letter).in_(ROUND_LETTERS)
        )
    ).all()
    out: dict[str, datetime] = {}
    for user, created in rows:
        if user not in out or created > out[user]:
            out[user] = created
    return out


ROUND_CHANGES = ("round.rescheduled", "round.swapped")


def change_at(session: Session, loop: Loop, loop_version: int) -> dict | None:
    """What the change that made `loop_version` did to a round (round, from and to), as audited."""
    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.loop_id == loop.id, col(AuditEntry.action).in_(ROUND_CHANGES))
        .order_by(col(AuditEntry.id).desc())
    ).all()
    return next((e.detail for e in entries if e.detail.get("loop_version") == loop_version), None)
