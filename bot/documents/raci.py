"""The people side of a loop document: its Roles, RACI definitions and the RACI matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.documents.markdown import Section, normalize, parse_bullets, parse_table, split_label
from bot.documents.models import Role
from bot.documents.source import Source

_ROLE_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")

ROUND_CELL = re.compile(r"^\s*(\d+)\s*[.):-]?\s+(.+?)\s*$")

_NONE_CELL = {"", "-", "—", "–", "n/a", "none"}

MINUTES = re.compile(r"(\d+)(?:\s*(?:-|–|to)\s*(\d+))?[\s-]*(?:min\b|mins\b|minutes?\b)", re.I)

HOURS = re.compile(r"(\d+(?:\.\d+)?)[\s-]*(?:h\b|hours?\b)", re.I)

COLUMN_ALIASES = {
    "round": ("round", "stage", "interview"),
    "R": ("responsible", "r"),
    "A": ("accountable", "a"),
    "C": ("consulted", "c"),
    "I": ("informed", "i"),
    "output": ("primary output", "output", "artifacts", "artifact", "deliverable"),
    "duration": ("duration", "minutes", "length"),
    "type": ("type", "round type"),
}


@dataclass
class RoundDraft:
    number: int
    name: str
    line: int
    roles: dict[str, list[str]] = field(default_factory=dict)
    primary_output: str = ""
    duration: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    detail_line: int | None = None


def parse_roles(source: Source, section: Section) -> list[Role]:
    roles: list[Role] = []
    for bullet in parse_bullets(section.lines):
        parsed = _role_from_text(bullet.text)
        if parsed is None:
            source.error(
                bullet.line,
                f"cannot read role '{bullet.text}': write '- CODE: Name, what they own'",
            )
            continue
        code, name, description = parsed
        if any(r.code == code for r in roles):
            source.error(bullet.line, f"role code '{code}' is listed twice")
            continue
        lowered = description.lower()
        roles.append(
            Role(
                code=code,
                name=name,
                description=description,
                optional="optional" in lowered or " only" in lowered,
                finalists_only="finalist" in lowered,
            )
        )
    if not roles and not source.errors:
        source.error(section.line, "the Roles section lists no roles")
    return roles


def _role_from_text(text: str) -> tuple[str, str, str] | None:
    label = split_label(text)
    if not label:
        return None
    head, rest = label
    paren = re.fullmatch(r"(.+?)\s*\((.+?)\)", head)
    if paren:
        a, b = paren.group(1).strip(), paren.group(2).strip()
        code, name = (a, b) if _ROLE_CODE.match(a) else (b, a)
        return (code, name, rest.rstrip(".")) if _ROLE_CODE.match(code) else None
    if not _ROLE_CODE.match(head):
        return None
    name, _, description = rest.partition(",")
    return head, name.strip().rstrip("."), description.strip().rstrip(".")


def parse_definitions(section: Section | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for bullet in parse_bullets(section.lines) if section else []:
        label = bullet.labelled()
        match = label and re.search(r"\(([RACI])\)", label[0])
        if label and match:
            out[match.group(1)] = label[1]
    return out


def _column_map(source: Source, header: list[str], line: int) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = normalize(cell)
        for key, aliases in COLUMN_ALIASES.items():
            if key not in columns and any(name == a or name.startswith(a + " ") for a in aliases):
                columns[key] = index
                break
    missing = [
        label
        for key, label in (("round", "Round"), ("R", "Responsible"), ("A", "Accountable"))
        if key not in columns
    ]
    if missing:
        source.error(line, f"RACI matrix header has no {' or '.join(missing)} column")
        return None
    return columns


def _role_codes(
    source: Source, cell: str, roles: list[Role], line: int, column: str, round_name: str
) -> list[str]:
    if normalize(cell) in _NONE_CELL or cell.strip() in _NONE_CELL:
        return []
    codes = []
    by_name = {normalize(r.name): r.code for r in roles}
    for part in re.split(r"\s*(?:,|/|&|\+|\band\b)\s*", cell):
        part = part.strip()
        if not part:
            continue
        code = part if any(r.code == part for r in roles) else by_name.get(normalize(part))
        if code is None:
            known = ", ".join(r.code for r in roles)
            source.error(
                line,
                f"unknown role code '{part}' in the {column} column of round "
                f"'{round_name}' (the Roles section defines: {known})",
            )
            continue
        if code not in codes:
            codes.append(code)
    return codes


def parse_matrix(source: Source, section: Section, roles: list[Role]) -> list[RoundDraft]:
    table = parse_table(section.all_lines())
    if table is None:
        source.error(section.line, "the RACI matrix section has no table")
        return []
    columns = _column_map(source, table.header, table.line)
    if columns is None:
        return []
    letters = {"R": "Responsible", "A": "Accountable", "C": "Consulted", "I": "Informed"}
    drafts: list[RoundDraft] = []
    for position, (line, cells) in enumerate(table.rows, start=1):
        if len(cells) != len(table.header):
            source.error(
                line,
                f"matrix row has {len(cells)} cells but the header has "
                f"{len(table.header)}; fill empty cells with '-'",
            )
            continue
        cell = cells[columns["round"]]
        match = ROUND_CELL.match(cell)
        number, name = (int(match.group(1)), match.group(2)) if match else (position, cell.strip())
        if not name:
            source.error(line, "matrix row has an empty Round cell")
            continue
        clash = next(
            (d for d in drafts if d.number == number or normalize(d.name) == normalize(name)), None
        )
        if clash:
            source.error(
                line,
                f"round '{number}. {name}' duplicates round '{clash.number}. "
                f"{clash.name}' (line {clash.line})",
            )
            continue
        draft = RoundDraft(number=number, name=name, line=line)
        for letter, column in letters.items():
            if letter in columns:
                draft.roles[letter] = _role_codes(
                    source, cells[columns[letter]], roles, line, column, name
                )
        if "output" in columns:
            draft.primary_output = cells[columns["output"]].strip()
        if "duration" in columns:
            draft.duration = minutes_in(cells[columns["duration"]])
        if "type" in columns and normalize(cells[columns["type"]]) not in _NONE_CELL:
            draft.fields["round_type"] = cells[columns["type"]].strip()
        drafts.append(draft)
    if not drafts and not source.errors:
        source.error(table.line, "the RACI matrix has no rounds")
    return drafts


def minutes_in(text: str) -> int | None:
    match = MINUTES.search(text)
    if match:
        return int(match.group(2) or match.group(1))
    hours = HOURS.search(text)
    if hours:
        return round(float(hours.group(1)) * 60)
    return int(text) if text.strip().isdigit() else None
