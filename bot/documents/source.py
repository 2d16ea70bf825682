"""Reading one document file: encoding, front matter, and where the Markdown body starts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

MAX_DOCUMENT_BYTES = 1_000_000
# libyaml's safe loader where PyYAML was built with it (its wheels are): the same documents,
# read several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class DocumentError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:  # line 0: about the file or folder as a whole
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class DocumentErrors(Exception):
    """One or more documents could not be read; nothing from the set was loaded."""

    def __init__(self, errors: list[DocumentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Source:
    path: str
    text: str
    meta: dict[str, Any]
    meta_text: str
    meta_line: int
    body: str
    body_line: int
    sha256: str
    errors: list[DocumentError] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.errors.append(DocumentError(self.path, line, message))

    def meta_key_line(self, key: str) -> int:
        """The file line of a top-level front-matter key, or the front matter's first line."""
        for offset, raw in enumerate(self.meta_text.split("\n")):
            if raw.split(":", 1)[0].strip() == key and not raw.startswith((" ", "-")):
                return self.meta_line + offset
        return max(self.meta_line - 1, 1)


def read_source(path: Path, display: str | None = None) -> Source:
    """Read a file into a Source; problems are recorded on it, never raised."""
    name = display or str(path)
    raw = path.read_bytes()
    empty = Source(name, "", {}, "", 1, "", 1, hashlib.sha256(raw).hexdigest())
    if len(raw) > MAX_DOCUMENT_BYTES:
        empty.error(
            1, f"file is {len(raw):,} bytes; documents are limited to {MAX_DOCUMENT_BYTES:,}"
        )
        return empty
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        empty.error(line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
        return empty
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        empty.error(
            text[: text.index("\x00")].count("\n") + 1, "contains NUL bytes; not a text file"
        )
        return empty
    source = Source(name, text, {}, "", 1, text, 1, empty.sha256)
    if not text.startswith("---\n"):
        return source
    handler = frontmatter.YAMLHandler()
    try:
        meta_text, body = handler.split(text)
    except ValueError:
        source.error(1, "front matter starts with '---' but has no closing '---' line")
        return source
    # The split keeps the rest of the opening fence line, so the YAML's first line is line 1.
    source.meta_text, source.meta_line = meta_text, 1
    source.body = body
    source.body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        meta = yaml.load(meta_text, Loader=_SAFE_LOADER) if meta_text.strip() else {}
    except yaml.YAMLError as exc:
        # An unclosed bracket is reported at the end of the YAML; its opening line is more useful.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = source.meta_line + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        source.error(line, f"unreadable front matter: {problem}")
        return source
    if not isinstance(meta, dict):
        source.error(source.meta_line + 1, "front matter must be a mapping of `key: value` lines")
        return source
    source.meta = meta
    return source
