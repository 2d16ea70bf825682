"""A small, line-numbered reading of Markdown: headings, bullets, tables and `Key: value` lines.

Hiring teams write loose Markdown; every parser in this package works on this tree so that any
error can point at the exact line of the file it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_KEY_LINE = re.compile(r"^\**([A-Za-z][A-Za-z0-9 /&()'-]{0,48}?)\**\s*:\**\s*(.*)$")
_LABELLED = re.compile(r"^\*\*(.+?)\*\*\s*:?\s*(.*)$")


@dataclass
class Line:
    number: int
    text: str


@dataclass
class Section:
    """A heading and everything under it until the next heading of the same or higher level."""

    level: int
    title: str
    line: int
    lines: list[Line] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all_lines(self) -> list[Line]:
        """Own lines followed by every descendant's heading and lines, in file order."""
        out = list(self.lines)
        for child in self.children:
            out.append(Line(child.line, "#" * child.level + " " + child.title))
            out.extend(child.all_lines())
        return out

    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines).strip()


@dataclass
class Bullet:
    line: int
    indent: int
    text: str
    children: list[Bullet] = field(default_factory=list)

    def labelled(self) -> tuple[str, str] | None:
        """`**Label**: rest` or `Label: rest` → (label, rest)."""
        return split_label(self.text)


@dataclass
class Table:
    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def parse_sections(text: str, first_line: int = 1) -> Section:
    """Parse Markdown into a root section (level 0) holding the heading tree."""
    root = Section(level=0, title="", line=first_line)
    stack = [root]
    in_fence = False
    for offset, raw in enumerate(text.split("\n")):
        number = first_line + offset
        if _FENCE.match(raw):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(raw)
        if match:
            level = len(match.group(1))
            section = Section(level=level, title=clean_inline(match.group(2)), line=number)
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].lines.append(Line(number, raw.rstrip()))
    return root


def parse_bullets(lines: list[Line]) -> list[Bullet]:
    """Nested bullet lists (by indentation); wrapped continuation lines join their bullet."""
    roots: list[Bullet] = []
    stack: list[Bullet] = []
    for line in lines:
        match = _BULLET.match(line.text)
        if not match:
            if line.text.strip() and stack and line.text.startswith((" ", "\t")):
                stack[-1].text += " " + line.text.strip()
            elif not line.text.strip():
                continue
            else:
                stack = []
            continue
        indent = len(match.group(1).expandtabs(4))
        bullet = Bullet(line=line.number, indent=indent, text=match.group(2).strip())
        while stack and stack[-1].indent >= indent:
            stack.pop()
        (stack[-1].children if stack else roots).append(bullet)
        stack.append(bullet)
    return roots


def outside_bullets(lines: list[Line]) -> str:
    """The text between and after a section's bullets: lines that are neither a bullet nor a
    bullet's indented continuation (`parse_bullets` leaves them out)."""
    kept = [
        ln.text
        for ln in lines
        if ln.text.strip() and not _BULLET.match(ln.text) and not ln.text.startswith((" ", "\t"))
    ]
    return "\n".join(kept).strip()


def parse_table(lines: list[Line]) -> Table | None:
    """The first pipe table in `lines`, or None."""
    rows = [ln for ln in lines if ln.text.strip().startswith("|")]
    if not rows:
        return None
    start = lines.index(rows[0])
    block: list[Line] = []
    for line in lines[start:]:
        if not line.text.strip().startswith("|"):
            break
        block.append(line)
    header = split_row(block[0].text)
    body = [ln for ln in block[1:] if not _is_separator(ln.text)]
    return Table(
        line=block[0].number, header=header, rows=[(ln.number, split_row(ln.text)) for ln in body]
    )


def split_row(text: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", text.strip())
    if cells and cells[0].strip() == "":
        cells = cells[1:]
    if cells and cells[-1].strip() == "":
        cells = cells[:-1]
    return [clean_inline(c.replace("\\|", "|")) for c in cells]


def _is_separator(text: str) -> bool:
    return bool(re.fullmatch(r"\s*\|?(\s*:?-{2,}:?\s*\|)*\s*:?-{2,}:?\s*\|?\s*", text))


def key_line(text: str) -> tuple[str, str] | None:
    """`Focus: ...`, `**Focus:** ...` → ("focus", "..."); None for prose."""
    stripped = text.strip()
    if not stripped or _BULLET.match(text):
        return None
    match = _KEY_LINE.match(stripped)
    if not match:
        return None
    return normalize(match.group(1)), clean_inline(match.group(2))


def split_label(text: str) -> tuple[str, str] | None:
    match = _LABELLED.match(text)
    if match:
        label = match.group(1).strip().rstrip(":").strip()
        return label, clean_inline(match.group(2).lstrip(":").strip())
    if ":" in text:
        label, rest = text.split(":", 1)
        if 0 < len(label) <= 60 and not label.strip().endswith("?"):
            return clean_inline(label), clean_inline(rest)
    return None


def clean_inline(text: str) -> str:
    """Drop emphasis markers around a whole phrase; keep code spans and links as written."""
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()


def normalize(text: str) -> str:
    """Lower-case, punctuation to spaces: the form headings and names are matched in."""
    text = clean_inline(text).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def split_list(text: str) -> list[str]:
    """`a, b, and c.` → [a, b, c]; a single phrase stays whole."""
    text = text.strip().rstrip(".").strip()
    if not text:
        return []
    parts = [p.strip() for p in re.split(r"[;,]", text)]
    out = []
    for part in parts:
        part = re.sub(r"^(and|or)\s+", "", part).strip()
        if part:
            out.append(part)
    return out
