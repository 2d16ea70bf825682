"""Per-candidate documents: the interview guide and the candidate context."""

from __future__ import annotations

import re

from bot.documents.markdown import Bullet, Section, normalize, parse_bullets, parse_sections
from bot.documents.models import (
    CalibrationTopic,
    CandidateContext,
    DebriefSummary,
    InterviewGuide,
    Risk,
    RoundOutcome,
    ValueFocus,
    ValueMapping,
    ValueStatus,
)
from bot.documents.source import Source

_CANDIDATE_LINE = re.compile(r"^\s*Candidate\s*:\s*(.+?)\s*(?:\(([^)]+)\))?\s*$", re.I)
_ROUNDS_LINE = re.compile(r"^\s*Rounds?\s*:\s*(.+?)\s*$", re.I)
_REPOSITORY_LINE = re.compile(r"^\s*Repository(?: for review)?\s*:\s*(\S+)\s*$", re.I)
_VALUE_LINE = re.compile(
    r"^(PROVEN|SUGGESTED|MISSING)\b\s*[—–-]*\s*(?:Evidence\s*:\s*)?(.*)$", re.I
)


def candidate_identity(source: Source) -> tuple[str, str] | None:
    """(candidate key, name) from front matter, the `Candidate:` line and the tags."""
    tags = [str(t) for t in source.meta.get("tags") or []]
    name, key = "", str(source.meta.get("candidate_key") or "")
    for raw in source.body.split("\n"):
        match = _CANDIDATE_LINE.match(raw)
        if match:
            name = match.group(1).strip()
            key = key or (match.group(2) or "").strip()
            break
    if not key:
        # The key is the one tag that names a person rather than a topic.
        keyed = [t for t in tags if re.search(r"_\d+_|\d", t) and "_" in t]
        key = keyed[0] if len(keyed) == 1 else ""
    if not key:
        source.error(
            source.meta_key_line("tags"),
            "no candidate key: add `candidate_key:` to the front matter or the key to its tags",
        )
        return None
    if tags and key not in tags and "candidate_key" not in source.meta:
        source.error(
            source.meta_key_line("tags"),
            f"candidate key '{key}' from the Candidate line is not among the tags",
        )
        return None
    return key, name


def briefed_rounds(source: Source) -> list[str]:
    """The rounds a candidate document says it briefs: `rounds:` in its front matter, or a
    `Round:` line in its text (numbers or names). Empty when it does not say."""
    raw = source.meta.get("rounds")
    if raw is None:
        for line in source.body.split("\n"):
            match = _ROUNDS_LINE.match(line)
            if match:
                raw = re.split(r"\s*[,;]\s*", match.group(1))
                break
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [str(r).strip() for r in items if str(r).strip()]


def _line(source: Source, pattern: re.Pattern[str]) -> str:
    return next((m.group(1) for raw in source.body.split("\n") if (m := pattern.match(raw))), "")


def _section(root: Section, *words: str) -> Section | None:
    return next(
        (s for s in root.walk() if s.level and all(w in normalize(s.title) for w in words)), None
    )


def _labelled(bullets: list[Bullet]) -> dict[str, Bullet]:
    out = {}
    for bullet in bullets:
        label = bullet.labelled()
        if label:
            out[normalize(label[0])] = bullet
    return out


def _rest(bullet: Bullet | None) -> str:
    label = bullet.labelled() if bullet else None
    return label[1] if label else ""


def parse_interview_guide(source: Source) -> InterviewGuide | None:
    """Structure, value-by-value focus and calibration topics of a candidate's guide."""
    identity = candidate_identity(source)
    if identity is None:
        return None
    root = parse_sections(source.body, source.body_line)
    structure = _section(root, "structure")
    guidance = _section(root, "guidance")
    values = _section(root, "value")
    calibration = _section(root, "calibration")
    focus = []
    for sub in values.children if values else []:
        fields = _labelled(parse_bullets(sub.lines))
        focus.append(
            ValueFocus(
                value=sub.title,
                what_to_verify=_rest(fields.get("what to verify")),
                evidence_to_probe=_rest(fields.get("evidence to probe")),
                star_questions=_rest(fields.get("star questions")),
            )
        )
    topics: list[CalibrationTopic] = []
    depth = indicators = ""
    if calibration:
        fields = _labelled(parse_bullets(calibration.lines))
        for child in fields["topics"].children if "topics" in fields else []:
            label = child.labelled()
            topics.append(
                CalibrationTopic(name=label[0], detail=label[1])
                if label
                else CalibrationTopic(name=child.text)
            )
        depth = _rest(fields.get("depth"))
        indicators = _rest(fields.get("success indicators"))
    if not focus and not topics:
        source.error(
            source.body_line,
            "an interview guide needs a value-by-value focus section "
            "or technical calibration topics",
        )
        return None
    return InterviewGuide(
        id=str(source.meta.get("id")),
        version=str(source.meta.get("version", "1")),
        candidate_key=identity[0],
        candidate_name=identity[1],
        structure=[b.text for b in parse_bullets(structure.lines)] if structure else [],
        guidance=guidance.text() if guidance else "",
        values=focus,
        calibration_topics=topics,
        calibration_depth=depth,
        success_indicators=indicators,
        rounds=briefed_rounds(source),
        source=source.path,
    )


def _values_mapping(source: Source, section: Section | None) -> list[ValueMapping]:
    values = []
    for bullet in parse_bullets(section.lines) if section else []:
        label = bullet.labelled()
        match = _VALUE_LINE.match(label[1]) if label else None
        if not label or not match:
            source.error(
                bullet.line,
                "cannot read values mapping line: write '- **Value**: "
                "**PROVEN|SUGGESTED|MISSING** — Evidence: ...'",
            )
            continue
        values.append(
            ValueMapping(
                value=label[0],
                status=ValueStatus(match.group(1).upper()),
                evidence=match.group(2).strip(),
            )
        )
    return values


_OUTCOME = re.compile(r"^(\d+)\.\s*(.+)$")
_OUTCOME_REST = re.compile(r"^(.+?)\s*[—–-]+\s*Interviewer:\s*(.*?)\.?\s+Evidence:\s*(.*)$")


def parse_debrief_summary(source: Source) -> DebriefSummary | None:
    """An exported debrief: decision, each round's outcome, the values mapping."""
    identity = candidate_identity(source)
    if identity is None:
        return None
    root = parse_sections(source.body, source.body_line)
    rounds = []
    for bullet in parse_bullets(s.lines) if (s := _section(root, "round", "outcomes")) else []:
        label = bullet.labelled()
        head = _OUTCOME.match(label[0]) if label else None
        rest = _OUTCOME_REST.match(label[1]) if label else None
        if not label or not head or not rest:
            source.error(
                bullet.line,
                "cannot read round outcome: write '- **N. Round**: "
                "**Recommendation** — Interviewer: Name. Evidence: ...'",
            )
            continue
        rounds.append(
            RoundOutcome(
                number=int(head.group(1)),
                name=head.group(2).strip(),
                recommendation=rest.group(1).strip(),
                interviewer=rest.group(2),
                evidence=rest.group(3).strip(),
            )
        )
    values = _values_mapping(source, _section(root, "values"))
    if source.errors:
        return None
    return DebriefSummary(
        id=str(source.meta.get("id")),
        version=str(source.meta.get("version", "1")),
        candidate_key=identity[0],
        candidate_name=identity[1],
        loop=str(source.meta.get("loop", "")),
        decision=str(source.meta.get("decision", "")),
        rounds=rounds,
        values=values,
        source=source.path,
    )


def parse_candidate_context(source: Source) -> CandidateContext | None:
    """Executive briefing, risks to probe and the PROVEN / SUGGESTED / MISSING values mapping."""
    identity = candidate_identity(source)
    if identity is None:
        return None
    root = parse_sections(source.body, source.body_line)
    briefing = _section(root, "briefing")
    mapping = _section(root, "values")
    strategy = _section(root, "strategy")
    fields = _labelled(parse_bullets(briefing.lines)) if briefing else {}
    risks = []
    for child in fields["risks to probe"].children if "risks to probe" in fields else []:
        label = child.labelled()
        risks.append(Risk(name=label[0], detail=label[1]) if label else Risk(name=child.text))
    values = _values_mapping(source, mapping)
    if source.errors:
        return None
    plan = _labelled(parse_bullets(strategy.lines)) if strategy else {}
    highlights = fields.get("experience highlights")
    return CandidateContext(
        id=str(source.meta.get("id")),
        version=str(source.meta.get("version", "1")),
        candidate_key=identity[0],
        candidate_name=identity[1],
        repository=_line(source, _REPOSITORY_LINE),
        summary=_rest(fields.get("summary")),
        role_fit=_rest(fields.get("role fit")),
        highlights=[c.text for c in highlights.children] if highlights else [],
        risks=risks,
        values=values,
        priorities=_rest(plan.get("priorities")),
        time_allocation=_rest(plan.get("time allocation")),
        rounds=briefed_rounds(source),
        source=source.path,
    )
