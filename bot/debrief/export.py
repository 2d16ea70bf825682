"""`loopbot export`: the debrief as a Markdown document the team can file with its others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import yaml
from sqlmodel import Session

from bot.debrief.service import Outcome, baseline_of, decision_of, gather
from bot.debrief.summary import summarize
from bot.documents import Library
from bot.loops.queries import template_of
from bot.render import render
from bot.store.models import Loop, LoopStatus


def export_markdown(
    session: Session,
    loop: Loop,
    now: datetime,
    library: Library | None = None,
    *,
    blind: str = "",
    name_of: Callable[[str], str] = str,
) -> str:
    """Front matter (type debrief_summary, candidate key, loop, decision, dates) and a body in
    the shape of the candidate context document, so `loopbot docs` reads it back.

    `blind` keeps the scorecards' content out (what was recommended, found and written) and
    lists who has submitted instead: "until_open" for a hiring manager whose debrief is not
    open yet, "cancelled" when it never will be, "not_yours" for a reader who never reads
    content (an admin). The values mapping is then the baseline alone (given a `library`).
    `name_of`: a person's name from their Slack id (a document filed outside Slack shows no
    mentions); their id where none is given."""
    template, summary = gather(session, loop, library)
    values = summary.values
    if blind:  # what the rounds found is scorecard content
        values = summarize(
            [], template=template, missing=[], baseline=baseline_of(loop, library)
        ).values
    decision = decision_of(session, loop)
    # A loop cancelled with no decision never reaches one: it is not pending.
    undecided = "cancelled" if loop.status == LoopStatus.CANCELLED else "pending"
    key = loop.candidate_key or f"loop_{loop.short_id.lower()}"
    meta = {
        "id": f"debrief_{loop.short_id.lower()}",
        "type": "debrief_summary",
        "version": 1,
        "candidate_key": key,
        "loop": loop.short_id,
        "template": template_of(session, loop).id,
        "decision": decision.outcome if decision else undecided,
        "decided_at": decision.decided_at.isoformat() if decision else None,
        "created_date": loop.created_at.date().isoformat(),
        "exported_at": now.isoformat(timespec="seconds"),
        "tags": ["debrief", key],
    }
    body = render(
        "export",
        loop=loop,
        key=key,
        title=template.title,
        summary=summary,
        decision=decision,
        outcome=Outcome(decision.outcome).label if decision else undecided.capitalize(),
        blind=blind,
        values=values,
        name_of=name_of,
    )
    return (
        "---\n"
        + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        + "---\n\n"
        + body
        + "\n"
    )
