"""Loop documents: a team's interview loop, written as Markdown or as front-matter YAML."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from bot.documents import schedule_meta
from bot.documents.defaults import DEFAULT_MINUTES, default_warnings, loop_defaults
from bot.documents.markdown import (
    Line,
    Section,
    key_line,
    normalize,
    parse_bullets,
    parse_sections,
    split_list,
)
from bot.documents.models import (
    DEFAULT_RATING_SCALE,
    LoopNote,
    LoopTemplate,
    RaciLetter,
    Role,
    Round,
    RoundType,
    RubricLevel,
    Variant,
)
from bot.documents.notes import audiences, check_named, loose_notes
from bot.documents.panels import with_panel
from bot.documents.raci import (
    RoundDraft,
    minutes_in,
    parse_definitions,
    parse_matrix,
    parse_roles,
)
from bot.documents.source import Source
from bot.documents.variants import match_round, parse_variant

FIELD_ALIASES = {
    "focus": "focus",
    "why": "why",
    "measure": "measure",
    "signals": "measure",
    "observe": "observe",
    "example prompt": "example_prompt",
    "prompt": "example_prompt",
    "core questions to ask": "core_questions",
    "core questions": "core_questions",
    "questions": "core_questions",
    "type": "round_type",
    "round type": "round_type",
    "duration": "duration",
}


def parse_loop(source: Source, catalogue: dict[str, RoundType]) -> LoopTemplate | None:
    """Parse a loop document; on any problem record errors on `source` and return None."""
    root = parse_sections(source.body, source.body_line)
    title = _title(root) or str(source.meta.get("title") or source.meta.get("id") or "")
    variant_sections = [s for s in root.walk() if "variant" in normalize(s.title)]
    roles_section = _find(root, lambda t: "roles" in t.split() and "raci" not in t)
    matrix_section = _find(root, lambda t: "matrix" in t or t == "raci")
    details_section = _find(
        root, lambda t: t in ("round details", "rounds") or "round details" in t
    )
    rubric_section = _find(root, lambda t: "rubric" in t, exclude=variant_sections)
    definitions = _find(root, lambda t: "raci" in t and "definition" in t)

    top = root.children[0].line if root.children else source.body_line
    if roles_section is None:
        source.error(top, "no 'Roles' section: list each role as '- CODE: Name, what they own'")
    if matrix_section is None:
        source.error(top, "no 'RACI Matrix' section with a table of rounds")
    if rubric_section is None:
        source.error(top, "no 'Scoring Rubric' section: list levels as '- Strong Hire: meaning'")
    if source.errors:
        return None

    roles = parse_roles(source, roles_section)
    drafts = parse_matrix(source, matrix_section, roles)
    if details_section is not None:
        _attach_details(source, details_section, drafts)
    rubric = _parse_rubric(source, rubric_section)
    chosen = audiences(source)
    parsed = [(s, parse_variant(source, s, drafts, chosen)) for s in variant_sections]
    variants = [v for _, v in parsed if v is not None]
    read = [roles_section, matrix_section, details_section, rubric_section, definitions]
    notes = loose_notes(root, [*read, *(s for s, v in parsed if v is not None)], chosen)
    check_named(source, chosen, [*notes, *(n for v in variants for n in v.notes)])
    meta_roles = _role_overrides(source, roles)
    return assemble_loop(
        source,
        title=title,
        roles=meta_roles,
        drafts=drafts,
        rubric=rubric,
        variants=variants,
        catalogue=catalogue,
        definitions=parse_definitions(definitions),
        notes=notes,
    )


def _title(root: Section) -> str:
    first = next((s for s in root.walk() if s.level == 1), None)
    if not first:
        return ""
    return re.sub(r"^interview loop( proposal)?\s*:\s*", "", first.title, flags=re.I).strip()


def _find(root: Section, test, exclude: list[Section] | None = None) -> Section | None:
    excluded = {id(s) for ex in exclude or [] for s in ex.walk()}
    found = [
        s for s in root.walk() if s.level and id(s) not in excluded and test(normalize(s.title))
    ]
    return min(found, key=lambda s: (s.level, s.line)) if found else None


def _attach_details(source: Source, section: Section, drafts: list[RoundDraft]) -> None:
    for sub in section.children:
        draft = match_round(drafts, sub.title)
        if draft is None:
            names = ", ".join(f"'{d.name}'" for d in drafts)
            source.error(
                sub.line,
                f"details for round '{sub.title}', which is not in the RACI "
                f"matrix (its rounds: {names})",
            )
            continue
        if draft.detail_line is not None:
            source.error(
                sub.line,
                f"round '{draft.name}' has a second details section "
                f"(first at line {draft.detail_line})",
            )
            continue
        draft.detail_line = sub.line
        draft.fields.update(_round_fields(source, sub.all_lines()))


def _round_fields(source: Source, lines: list[Line]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    current: str | None = None
    pending: list[Line] = []

    def close() -> None:
        if current and pending:
            items = [b.text for b in parse_bullets(pending)]
            if current in ("measure", "observe"):
                fields[current] = fields.get(current) or items
            elif current == "core_questions":
                fields[current] = items
        pending.clear()

    for line in lines:
        parsed = key_line(line.text)
        if parsed and parsed[0] in FIELD_ALIASES:
            close()
            current = FIELD_ALIASES[parsed[0]]
            value = parsed[1]
            if current in ("measure", "observe"):
                fields[current] = split_list(value)
            elif current == "duration":
                fields["duration"] = minutes_in(value)
                if fields["duration"] is None:
                    source.error(line.number, f"cannot read a duration from '{value}'")
            elif current != "core_questions" and value:
                fields[current] = value
            continue
        if current:
            pending.append(line)
    close()
    return fields


def _parse_rubric(source: Source, section: Section) -> list[RubricLevel]:
    levels = []
    for bullet in parse_bullets(section.lines):
        label = bullet.labelled()
        if not label:
            source.error(
                bullet.line,
                f"cannot read rubric level '{bullet.text}': write '- Level: what it means'",
            )
            continue
        if any(normalize(level[0]) == normalize(label[0]) for level in levels):
            source.error(bullet.line, f"rubric level '{label[0]}' is listed twice")
            continue
        levels.append(label)
    if len(levels) < 2 and not source.errors:
        source.error(section.line, "the Scoring Rubric needs at least two levels")
        return []
    # Levels are written best first; the upper half are votes to move the candidate forward.
    cut = (len(levels) + 1) // 2
    return [RubricLevel(name=n, meaning=m, advances=i < cut) for i, (n, m) in enumerate(levels)]


def _role_overrides(source: Source, roles: list[Role]) -> list[Role]:
    pools = set(source.meta.get("pools") or [])
    optional = set(source.meta.get("optional_roles") or [])
    codes = [r.code for r in roles]
    for key, named in (("pools", pools), ("optional_roles", optional)):
        for code in sorted(named - set(codes)):
            source.error(
                source.meta_key_line(key),
                f"`{key}` names role '{code}', which the loop does not have "
                f"(its roles: {', '.join(codes)})",
            )
    return [
        r.model_copy(
            update={"pool": r.code in pools or r.pool, "optional": r.code in optional or r.optional}
        )
        for r in roles
    ]


def assemble_loop(
    source: Source,
    *,
    title: str,
    roles: list[Role],
    drafts: list[RoundDraft],
    rubric: list[RubricLevel],
    variants: list[Variant],
    catalogue: dict[str, RoundType],
    definitions: dict[str, str],
    notes: list[LoopNote] | None = None,
) -> LoopTemplate | None:
    """Check the rounds against roles and the catalogue and build the template, or record errors."""
    loop_id = str(source.meta.get("id") or _slug(title) or _slug(source.path))
    built = [r for d in drafts if (r := _build_round(source, d, catalogue))]
    rounds = [with_panel(r, catalogue, loop_id) for r in built]
    offsets, places = schedule_meta.reminder_offsets(source), schedule_meta.places(source)
    submission_days = schedule_meta.submission_days(source)
    if source.errors:
        return None
    used = {x: {code for r in rounds for code in r.roles(x)} for x in RaciLetter}
    # A role that only ever runs rounds is the interviewer pool the assignment engine draws from.
    only_responsible = set(used[RaciLetter.RESPONSIBLE]).difference(
        *(used[x] for x in RaciLetter if x is not RaciLetter.RESPONSIBLE)
    )
    roles = [r.model_copy(update={"pool": r.pool or r.code in only_responsible}) for r in roles]
    warnings = [f"round '{r.name}' has no core questions" for r in rounds if not r.core_questions]
    unused = [r.code for r in roles if not any(r.code in codes for codes in used.values())]
    warnings += [f"role '{code}' is not used in the RACI matrix" for code in unused]
    meta = source.meta
    defaulted = loop_defaults(meta, drafts, catalogue)
    warnings += default_warnings(defaulted, drafts)
    try:
        return LoopTemplate(
            id=loop_id,
            version=str(meta.get("version", "1")),
            title=str(meta.get("title") or title),
            source=source.path,
            sha256=source.sha256,
            roles=roles,
            raci_definitions=definitions,
            rounds=rounds,
            rubric=rubric,
            rating_scale=list(meta.get("rating_scale") or DEFAULT_RATING_SCALE),
            variants=variants,
            notes=notes or [],
            default_variant=str(meta.get("default_variant", "On-site")),
            reminder_offsets=offsets,
            places=places,
            submission_days=submission_days,
            trainees=schedule_meta.trainees(source),
            defaulted=defaulted,
            warnings=warnings,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "id"
        source.error(source.meta_key_line(key), f"front matter '{key}': {first['msg']}")
        return None


def _build_round(
    source: Source, draft: RoundDraft, catalogue: dict[str, RoundType]
) -> Round | None:
    fields = dict(draft.fields)
    type_name = fields.pop("round_type", None)
    round_type = catalogue.get(normalize(type_name or draft.name))
    if type_name and round_type is None:
        source.error(
            draft.detail_line or draft.line,
            f"round '{draft.name}' refers to round type '{type_name}', which is not in "
            "the round-type catalogue",
        )
        return None
    if draft.detail_line is None and round_type is None and "focus" not in fields:
        source.error(
            draft.line,
            f"round '{draft.name}' is in the RACI matrix but has no "
            f"'### {draft.number}. {draft.name}' section under Round Details",
        )
        return None
    if not draft.roles.get("R"):
        source.error(draft.line, f"round '{draft.name}' has no Responsible role")
        return None
    accountable = draft.roles.get("A") or []
    if len(accountable) != 1:
        problem = "no Accountable role" if not accountable else "more than one Accountable role"
        source.error(draft.line, f"round '{draft.name}' has {problem}; RACI needs exactly one")
        return None
    examples = []
    if round_type:
        for key in ("focus", "measure", "core_questions"):
            if key not in fields and getattr(round_type, key):
                fields[key] = getattr(round_type, key)
                examples += [key] if key in round_type.examples else []
        if "observe" not in fields and round_type.look_for:
            fields["observe"] = round_type.look_for
            examples += ["observe"] if "look_for" in round_type.examples else []
    if not fields.get("measure"):
        source.error(
            draft.detail_line or draft.line,
            f"round '{draft.name}' has no 'Measure:' line; scorecards rate those signals",
        )
        return None
    duration = (
        fields.pop("duration", None)
        or draft.duration
        or (round_type.duration_minutes if round_type else DEFAULT_MINUTES)
    )
    return Round(
        number=draft.number,
        name=draft.name,
        responsible=draft.roles["R"],
        accountable=accountable,
        consulted=draft.roles.get("C", []),
        informed=draft.roles.get("I", []),
        primary_output=draft.primary_output,
        artifacts=split_list(draft.primary_output),
        round_type=round_type.name if round_type else None,
        examples=examples,
        duration_minutes=duration,
        line=draft.line,
        **fields,
    )


def _slug(text: str) -> str:
    return normalize(text.rsplit("/", 1)[-1].removesuffix(".md")).replace(" ", "-")
