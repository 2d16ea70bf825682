"""What loopbot assumes where a loop document is silent, so `docs show` and `docs check` can say
which values came from the team and which from loopbot."""

from __future__ import annotations

from bot.documents.markdown import normalize
from bot.documents.models import DEFAULT_RATING_SCALE, RoundType
from bot.documents.raci import RoundDraft

DEFAULT_MINUTES = 60


def loop_defaults(
    meta: dict, drafts: list[RoundDraft], catalogue: dict[str, RoundType]
) -> dict[str, str]:
    """Fields the document leaves out and loopbot fills in, by path, with the value assumed."""
    out = {}
    if not meta.get("rating_scale"):
        out["rating_scale"] = " / ".join(DEFAULT_RATING_SCALE)
    if "default_variant" not in meta:
        out["default_variant"] = "On-site"
    for draft in drafts:
        typed = catalogue.get(normalize(draft.fields.get("round_type") or draft.name))
        if not (draft.fields.get("duration") or draft.duration or typed):
            out[f"rounds.{draft.number}.duration_minutes"] = str(DEFAULT_MINUTES)
    return out


def default_warnings(defaulted: dict[str, str], drafts: list[RoundDraft]) -> list[str]:
    """The defaults a team probably wants to set itself: how long each round runs."""
    return [
        f"round '{d.name}' gives no duration: loopbot assumes {DEFAULT_MINUTES} minutes "
        "(add a Duration column, a `Duration:` line or a `Type:` from the catalogue)"
        for d in drafts
        if f"rounds.{d.number}.duration_minutes" in defaulted
    ]
