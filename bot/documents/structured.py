"""Loops written entirely as YAML front matter (`roles:`, `rounds:`, `rubric:`, `variants:`)."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.documents.loops import assemble_loop
from bot.documents.markdown import normalize
from bot.documents.models import LoopTemplate, Role, RoundType, RubricLevel, Variant
from bot.documents.raci import RoundDraft
from bot.documents.source import Source
from bot.documents.variants import variant_round


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [c.strip() for c in value.replace("/", ",").split(",") if c.strip()]
    return [str(c).strip() for c in value]


class _Round(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    number: int | None = None
    name: str
    responsible: list[str] = []
    accountable: list[str] = []
    consulted: list[str] = []
    informed: list[str] = []
    primary_output: str = ""
    focus: str | None = None
    why: str | None = None
    measure: list[str] | None = None
    observe: list[str] | None = None
    example_prompt: str | None = None
    core_questions: list[str] | None = None
    round_type: str | None = Field(None, alias="type")
    duration_minutes: int | None = None

    _split = field_validator("responsible", "accountable", "consulted", "informed", mode="before")(
        _codes
    )


class _Role(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    description: str = ""
    pool: bool = False
    optional: bool = False
    finalists_only: bool = False


class _Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    rounds: dict[str, str]


class _Loop(BaseModel):
    model_config = ConfigDict(extra="allow")
    roles: list[_Role]
    rounds: list[_Round]
    rubric: list[dict[str, str]] | dict[str, str]
    variants: list[_Variant] = []


def _line_of(source: Source, loc: tuple[Any, ...]) -> int:
    """The file line of a path like ('rounds', 2, 'name') inside the front matter."""
    try:
        node = yaml.compose(source.meta_text)
    except yaml.YAMLError:
        return source.meta_line
    line = node.start_mark.line if node else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line
    return source.meta_line + line


def structured_parts(
    source: Source,
) -> tuple[list[Role], list[RoundDraft], list[RubricLevel], list[Variant]] | None:
    """Validate the YAML form and turn it into the drafts the Markdown form produces too."""
    if "notes" in source.meta:  # it routes Markdown sections, which this form has none of
        source.error(
            source.meta_key_line("notes"),
            "front matter 'notes': names sections of a loop written in Markdown; this loop is "
            "written in front matter",
        )
    try:
        loop = _Loop.model_validate(source.meta)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            source.error(_line_of(source, err["loc"]), f"front matter '{where}': {err['msg']}")
        return None
    roles = [Role(**r.model_dump()) for r in loop.roles]
    known = {r.code for r in roles}
    drafts: list[RoundDraft] = []
    for index, item in enumerate(loop.rounds):
        line = _line_of(source, ("rounds", index))
        number = item.number or index + 1
        if any(d.number == number or normalize(d.name) == normalize(item.name) for d in drafts):
            source.error(line, f"round '{item.name}' is listed twice")
            continue
        draft = RoundDraft(
            number=number,
            name=item.name,
            line=line,
            detail_line=line,
            primary_output=item.primary_output,
            duration=item.duration_minutes,
        )
        for letter, codes in (
            ("R", item.responsible),
            ("A", item.accountable),
            ("C", item.consulted),
            ("I", item.informed),
        ):
            for code in codes:
                if code not in known:
                    source.error(
                        line,
                        f"unknown role code '{code}' in round '{item.name}' "
                        f"(roles: {', '.join(sorted(known))})",
                    )
            draft.roles[letter] = [c for c in codes if c in known]
        draft.fields = {
            k: v
            for k, v in item.model_dump(
                include={
                    "focus",
                    "why",
                    "measure",
                    "observe",
                    "example_prompt",
                    "core_questions",
                    "round_type",
                }
            ).items()
            if v is not None
        }
        drafts.append(draft)
    pairs = (
        list(loop.rubric.items())
        if isinstance(loop.rubric, dict)
        else [(d.get("name", ""), d.get("meaning", "")) for d in loop.rubric]
    )
    cut = (len(pairs) + 1) // 2
    rubric = [RubricLevel(name=n, meaning=m, advances=i < cut) for i, (n, m) in enumerate(pairs)]
    if len(rubric) < 2:
        source.error(_line_of(source, ("rubric",)), "the rubric needs at least two levels")
    variants = []
    for index, variant in enumerate(loop.variants):
        rounds = []
        for name, text in variant.rounds.items():
            draft = next((d for d in drafts if normalize(d.name) == normalize(name)), None)
            if draft is None:
                source.error(
                    _line_of(source, ("variants", index)),
                    f"variant '{variant.name}' names unknown round '{name}'",
                )
                continue
            rounds.append(variant_round(draft.number, text))
        variants.append(
            Variant(id=normalize(variant.name).replace(" ", "-"), name=variant.name, rounds=rounds)
        )
    if source.errors:
        return None
    return roles, drafts, rubric, variants


def parse_structured_loop(source: Source, catalogue: dict[str, RoundType]) -> LoopTemplate | None:
    """Parse a front-matter-only loop document; errors are recorded on `source`."""
    parts = structured_parts(source)
    if parts is None:
        return None
    roles, drafts, rubric, variants = parts
    return assemble_loop(
        source,
        title=str(source.meta.get("title", "")),
        roles=roles,
        drafts=drafts,
        rubric=rubric,
        variants=variants,
        catalogue=catalogue,
        definitions={},
    )
