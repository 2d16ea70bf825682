"""What a round's messages say about its people beyond a single interviewer: a panel's other
interviewers, its observers (the guide, no scorecard) and a trainee (bot/loops/training.py),
to each of them and to the interviewers beside them."""

from __future__ import annotations

from bot.authz import Action, Standing, can, observes, trains
from bot.documents.models import Round as TemplateRound
from bot.slack.blocks.scorecards import open_button
from bot.slack.format import mention


def observing(reader: Standing | None, spec: TemplateRound | None) -> bool:
    """The reader observes the round and does not interview in it."""
    return reader is not None and spec is not None and observes(reader, spec.number)


def may(action: Action, reader: Standing | None, spec: TemplateRound | None) -> bool:
    """Whether a message's button for `action` on the round is for this reader (a message
    read by nobody in particular keeps it)."""
    return spec is not None and (reader is None or can(action, reader, round=spec.number))


def scorecard_button(reader: Standing | None, spec: TemplateRound | None, short_id: str) -> list:
    """The guide's "Open scorecard", for those who write one (not an observer)."""
    if spec is None or not may(Action.WRITE_SCORECARD, reader, spec):
        return []
    return [open_button(short_id, spec.number)]


def panel_values(
    panel: list[str],
    observers: list[str],
    trainee: tuple[str, str] | None,
    spec: TemplateRound | None,
    reader: Standing | None,
    owner: str | None,
) -> dict:
    """`observing`, `panel` (the interviewers, when the round has more than one person),
    `observers` and `training` for the round's templates."""
    return {
        "observing": observing(reader, spec),
        "panel": _interviewers(panel) if len(panel) + len(observers) > 1 else "",
        "observers": ", ".join(map(mention, observers)),
        "training": training_note(trainee, spec, reader, panel, owner),
    }


def _interviewers(panel: list[str]) -> str:
    """The panel's interviewers, the lead first and named so when there are several."""
    names = [mention(person) for person in panel]
    if len(names) > 1:
        names[0] += " (lead)"
    return ", ".join(names)


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
