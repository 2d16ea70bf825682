"""Each round as a message lists it: when (for reader and candidate), length, who, where."""

from __future__ import annotations

from dataclasses import dataclass

from bot.loops.views import round_when
from bot.slack.format import mention, minutes, zone_time
from bot.store.models import Round


@dataclass(frozen=True)
class RoundLine:
    number: int
    name: str
    when: str
    length: str
    owner: str
    cancelled: bool
    candidate_when: str = ""
    format: str = ""
    place: str = ""
    """Where the round happens: a room or a meeting link, as the loop's card shows it."""
    written_due: str = ""
    """A hybrid round's written part: when the candidate sends it (a Slack date token)."""
    candidate_written_due: str = ""
    """The same, in the candidate's zone."""


def round_lines(
    rounds: list[Round], owners: dict[int, list[str]], candidate_tz: str | None = None
) -> list[RoundLine]:
    return [
        RoundLine(
            r.number,
            r.name,
            round_when(r)["when"],
            minutes(r.duration_minutes) if r.starts_at is not None else "",
            ", ".join(mention(u) for u in owners.get(r.id or 0, [])) or mention(None),
            r.cancelled,
            _candidate_when(r, candidate_tz),
            r.format,
            r.place or "",
            round_when(r)["written_due"],
            zone_time(r.written_due, candidate_tz)
            if r.written_due and candidate_tz and not r.cancelled
            else "",
        )
        for r in rounds
    ]


def _candidate_when(r: Round, candidate_tz: str | None) -> str:
    if not candidate_tz:
        return ""
    if r.starts_at is not None:
        return zone_time(r.starts_at, candidate_tz)
    if r.deadline is not None:
        return f"submission due {zone_time(r.deadline, candidate_tz)}"
    return ""
