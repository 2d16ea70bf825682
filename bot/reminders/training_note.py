"""What a round's messages say about its trainee (bot/loops/training.py), to them and to the
interviewers beside them."""

from __future__ import annotations

from bot.authz import Standing, trains
from bot.documents.models import Round as TemplateRound
from bot.slack.format import mention


def training_note(
    trainee: tuple[str, str] | None,
    spec: TemplateRound | None,
    reader: Standing | None,
    panel: list[str],
    owner: str | None,
) -> dict | None:
    """The trainee, their part (shadow, reverse_shadow), whether the reader is that trainee,
    and the round's interviewers; None for a round without a trainee."""
    if trainee is None or spec is None:
        return None
    user, part = trainee
    mine = reader is not None and trains(reader, spec.number)
    return {
        "trainee": mention(user),
        "part": part,
        "mine": part if mine else "",
        "interviewers": ", ".join(mention(u) for u in panel) or mention(owner),
    }
