"""Front matter that steers scheduling: `reminders:`, `places:`, `submission_days:`,
`trainees:`.

Each mistake is recorded at the line that holds it (`file:line: what is wrong`).
"""

from __future__ import annotations

from typing import Any

from bot.documents.markdown import normalize
from bot.documents.source import Source
from bot.reminders import policy


def _sub_key_line(source: Source, key: str, sub: str) -> int:
    """The file line of `sub:` inside the top-level mapping `key:`, else the line of `key:`."""
    lines = source.meta_text.split("\n")
    top = source.meta_key_line(key)
    start = top - source.meta_line
    if 0 <= start < len(lines) and f"{sub}:" in lines[start].split(":", 1)[-1]:
        return top
    for offset in range(start + 1, len(lines)):
        raw = lines[offset]
        if raw and not raw.startswith((" ", "\t", "-")):
            break
        if raw.strip().split(":", 1)[0].strip().strip("'\"") == sub:
            return source.meta_line + offset
    return top


def reminder_offsets(source: Source) -> dict[str, int]:
    """The document's `reminders:` (minutes per kind), each checked against the policy."""
    value: Any = source.meta.get("reminders") or {}
    if not isinstance(value, dict):
        source.error(
            source.meta_key_line("reminders"),
            "front matter 'reminders': give minutes per kind, e.g. `guide: -2880`",
        )
        return {}
    found = policy.problems({str(k): v for k, v in value.items()})
    for kind, message in found:
        line = (
            _sub_key_line(source, "reminders", kind) if kind else source.meta_key_line("reminders")
        )
        source.error(line, f"front matter 'reminders': {message}")
    return {} if found else {str(k): v for k, v in value.items()}


def check_over(source: Source, offsets: dict[str, int], deployment: dict[str, int]) -> None:
    """The document's `reminders:` over the deployment's (LOOPBOT_REMINDERS): in order still, as
    they go out (each layer alone may be, and the two together not)."""
    merged = policy.in_force(deployment, offsets)
    for kind, message in policy.out_of_order(merged, offsets):
        source.error(
            _sub_key_line(source, "reminders", kind),
            f"front matter 'reminders': {message}, with LOOPBOT_REMINDERS in force",
        )


def places(source: Source) -> dict[str, str]:
    """`places:` maps a variant (its name, or `on-site` / `remote`) to a room or a link."""
    value: Any = source.meta.get("places") or {}
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        source.error(
            source.meta_key_line("places"),
            "front matter 'places': give a room or a link per variant, e.g. `remote: https://…`",
        )
        return {}
    return {_variant_key(str(k)): v.strip()[:500] for k, v in value.items()}


def _variant_key(name: str) -> str:
    return normalize(name).replace(" ", "-")


def submission_days(source: Source) -> int | None:
    """`submission_days:` working days the candidate has for an asynchronous round."""
    value = source.meta.get("submission_days")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        source.error(
            source.meta_key_line("submission_days"),
            "front matter 'submission_days': give a whole number of working days from 1 to 60",
        )
        return None
    return value


def trainees(source: Source) -> list[str]:
    """`trainees:` the Slack user ids of pool members in training on this loop's rounds."""
    value = source.meta.get("trainees") or []
    if not isinstance(value, list) or not all(isinstance(u, str) and u.strip() for u in value):
        source.error(
            source.meta_key_line("trainees"),
            "front matter 'trainees': give a list of Slack user ids, e.g. `[U0123ABCD]`",
        )
        return []
    return [u.strip() for u in value]
