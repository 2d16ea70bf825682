"""Block Kit for scorecards: the modal built from the round's document, and reading one."""

from __future__ import annotations

import functools
from datetime import datetime
from enum import StrEnum

from bot.documents.models import ValueStatus
from bot.render import render
from bot.scorecards.form import MAX_LINE, MAX_LONG, ScorecardAnswers
from bot.scorecards.service import Readable, Subject
from bot.slack.blocks import (
    INPUT_ACTION,
    button,
    context,
    divider,
    header,
    input_block,
    option,
    plain,
    section,
    sections_for,
)
from bot.slack.format import slack_time

VALUE = INPUT_ACTION
VIEW_BLOCK_LIMIT = 100


class ScorecardIds(StrEnum):
    OPEN = "scorecard_open"
    SUBMIT = "scorecard_submit"
    READ = "scorecard_read"
    READ_VIEW = "scorecard_read_view"


class Field(StrEnum):
    RECOMMENDATION = "recommendation"
    KEY_EVIDENCE = "key_evidence"
    CONCERNS = "concerns"
    PRIVATE_NOTE = "private_note"
    ARTIFACTS = "artifacts"


def signal_field(index: int) -> str:
    return f"signal:{index}"


def signal_evidence_field(index: int) -> str:
    return f"signal:{index}:evidence"


def question_field(index: int) -> str:
    return f"question:{index}"


def value_field(index: int) -> str:
    return f"value:{index}"


def value_evidence_field(index: int) -> str:
    return f"value:{index}:evidence"


def open_button(short_id: str, number: int, label: str = "Open scorecard") -> dict:
    return button(label, ScorecardIds.OPEN, f"{short_id}:{number}", style="primary")


# Scorecard fields are optional unless said otherwise.
_input = functools.partial(input_block, optional=True)


def _text(
    initial: str, *, multiline: bool, max_length: int, placeholder: str | None = None
) -> dict:
    element: dict = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _select(options: list[dict], initial: str | None) -> dict:
    element: dict = {"type": "static_select", "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def modal_title(number: int) -> str:
    return f"Scorecard · round {number}"[:24]


def build_modal_scorecard(
    *, subject: Subject, answers: ScorecardAnswers | None, submitted_at: datetime | None = None
) -> dict:
    """One rating per signal the round measures, notes per core question, values under probe,
    the rubric's recommendation, evidence, concerns, a private note, artifacts received. A draft
    is kept when the form closes; an edit of a submitted scorecard counts only when submitted."""
    a = answers or ScorecardAnswers()
    spec, template = subject.spec, subject.template
    rated = {r.signal: r for r in a.ratings}
    found = {v.value: v for v in a.values}
    blocks: list[dict] = [
        section(
            render(
                "scorecard_intro",
                candidate=subject.loop.candidate_name,
                round=spec,
                short_id=subject.loop.short_id,
                variant=template.variant(subject.loop.variant) if subject.loop.variant else None,
                submitted=slack_time(submitted_at) if submitted_at else "",
            )
        )
    ]
    example = f" (loopbot's example for {spec.round_type})" if "measure" in spec.examples else ""
    blocks.append(header(f"Signals{example}"))
    scale = [option(level, level) for level in template.rating_scale]
    for index, signal in enumerate(spec.measure):
        mine = rated.get(signal)
        blocks.append(
            _input(
                signal_field(index),
                signal[:1].upper() + signal[1:],
                _select(scale, mine.rating if mine else None),
                optional=False,
            )
        )
        blocks.append(
            _input(
                signal_evidence_field(index),
                "Evidence",
                _text(
                    mine.evidence if mine else "",
                    multiline=False,
                    max_length=MAX_LINE,
                    placeholder="What did you see or hear?",
                ),
            )
        )
    if spec.core_questions:
        example = "core_questions" in spec.examples
        blocks.append(header("Core questions" + (" (loopbot's example)" if example else "")))
    for index, question in enumerate(spec.core_questions):
        note = a.question_notes[index] if index < len(a.question_notes) else ""
        blocks.append(
            _input(
                question_field(index), question, _text(note, multiline=True, max_length=MAX_LONG)
            )
        )
    if subject.values:
        blocks.append(header("Values under probe"))
        statuses = [option(s.value, s.value) for s in ValueStatus]
        for index, value in enumerate(subject.values):
            mine_value = found.get(value)
            blocks.append(
                _input(
                    value_field(index),
                    value,
                    _select(
                        statuses,
                        mine_value.status.value if mine_value and mine_value.status else None,
                    ),
                )
            )
            blocks.append(
                _input(
                    value_evidence_field(index),
                    f"Evidence for {value}"[:2000],
                    _text(
                        mine_value.evidence if mine_value else "",
                        multiline=False,
                        max_length=MAX_LINE,
                    ),
                )
            )
    blocks.append(header("Recommendation"))
    levels = [option(level.name, level.name, level.meaning) for level in template.rubric]
    radio: dict = {"type": "radio_buttons", "options": levels}
    chosen = next((o for o in levels if o["value"] == a.recommendation), None)
    if chosen:
        radio["initial_option"] = chosen
    blocks.append(_input(Field.RECOMMENDATION, "Overall recommendation", radio, optional=False))
    blocks.append(
        _input(
            Field.KEY_EVIDENCE,
            "Key evidence",
            _text(a.key_evidence, multiline=True, max_length=MAX_LONG),
            optional=False,
            hint="What you saw that supports your recommendation. Others read this at the debrief.",
        )
    )
    blocks.append(
        _input(Field.CONCERNS, "Concerns", _text(a.concerns, multiline=True, max_length=MAX_LONG))
    )
    blocks.append(
        _input(
            Field.PRIVATE_NOTE,
            "Private note for the hiring manager",
            _text(a.private_note, multiline=True, max_length=MAX_LONG),
            hint="Only the hiring manager ever sees this.",
        )
    )
    if spec.artifacts:
        options = [option(item, item) for item in spec.artifacts][:10]
        element: dict = {"type": "checkboxes", "options": options}
        initial = [o for o in options if o["value"] in a.artifacts]
        if initial:
            element["initial_options"] = initial
        blocks.append(
            _input(Field.ARTIFACTS, f"Artifacts received ({spec.primary_output})", element)
        )
    return {
        "type": "modal",
        "callback_id": ScorecardIds.SUBMIT,
        "title": plain(modal_title(spec.number), 24),
        "submit": plain("Submit changes" if submitted_at else "Submit", 24),
        "close": plain("Cancel" if submitted_at else "Save draft", 24),
        "notify_on_close": submitted_at is None,
        "private_metadata": f"{subject.loop.short_id}:{spec.number}",
        "blocks": blocks[:VIEW_BLOCK_LIMIT],
    }


def scorecard_text(answers: ScorecardAnswers, *, with_private_note: bool) -> str:
    return render("scorecard_answers", a=answers, with_private_note=with_private_note)


def build_message_scorecard_receipt(
    *, subject: Subject, answers: ScorecardAnswers, revision: int
) -> dict:
    """The author's copy of what they submitted."""
    title = (
        f"Your scorecard for {subject.spec.number}. {subject.spec.name} with "
        f"{subject.loop.candidate_name} is in" + (f" (edit {revision - 1})" if revision > 1 else "")
    )
    blocks = [
        section(
            f"*{title}.* You can edit it until the hiring manager decides.",
            accessory=open_button(subject.loop.short_id, subject.spec.number, "Edit"),
        ),
        divider(),
        *sections_for(scorecard_text(answers, with_private_note=True)),
    ]
    return {"text": title, "blocks": blocks[:50]}


def build_modal_scorecard_read(
    *, loop_short_id: str, items: list[Readable], debrief_open: bool
) -> dict:
    """Scorecards as the viewer may see them: content, or that it was submitted (and who may
    read it, as things stand)."""
    blocks: list[dict] = []
    for item in items:
        blocks.append(header(f"{item.round_number}. {item.round_name}"))
        if not item.submitted:
            blocks.append(context(render("scorecard_owed", author=item.author)))
            continue
        if item.answers is None:
            blocks.append(
                context(render("scorecard_sealed", author=item.author, debrief_open=debrief_open))
            )
            continue
        blocks.append(context(render("scorecard_author", author=item.author)))
        blocks += sections_for(
            scorecard_text(item.answers, with_private_note=bool(item.answers.private_note))
        )
    if not blocks:
        blocks.append(section("No scorecards are in yet."))
    return {
        "type": "modal",
        "callback_id": ScorecardIds.READ_VIEW,
        "title": plain(f"Scorecards {loop_short_id}", 24),
        "close": plain("Close", 24),
        "blocks": blocks[:VIEW_BLOCK_LIMIT],
    }
