"""What loopbot understood from a loop document, as `loopbot docs show` prints it."""

from __future__ import annotations

from bot.documents.models import LoopTemplate
from bot.documents.notes import readers_of


def describe_loop(template: LoopTemplate) -> str:
    """A person's view of what loopbot understood from a loop document."""
    lines = [
        f"{template.title} ({template.id} v{template.version}) from {template.source}",
        "",
        "Roles:",
    ]
    for role in template.roles:
        flags = [f for f, on in (("pool", role.pool), ("optional", role.optional)) if on]
        lines.append(f"  {role.code:<5} {role.name}" + (f"  [{', '.join(flags)}]" if flags else ""))
    lines += ["", "Rounds:"]
    for rnd in template.rounds:
        raci = "  ".join(
            f"{x}: {', '.join(codes) or '-'}"
            for x, codes in (
                ("R", rnd.responsible),
                ("A", rnd.accountable),
                ("C", rnd.consulted),
                ("I", rnd.informed),
            )
        )
        assumed = f"rounds.{rnd.number}.duration_minutes" in template.defaulted
        length = f"{rnd.duration_minutes} min{', default' if assumed else ''}"
        lines.append(f"  {rnd.number}. {rnd.name}  ({length})  {raci}")
        if rnd.primary_output:
            lines.append(f"     Output:   {rnd.primary_output}")
        if rnd.panel > 1 or rnd.observers or rnd.pinned:
            size = f"{rnd.panel_min}-{rnd.panel}" if rnd.panel_min < rnd.panel else str(rnd.panel)
            seen = f", {rnd.observers} observer" if rnd.observers else ""
            pinned = f"; pinned: {', '.join(rnd.pinned)}" if rnd.pinned else ""
            lines.append(f"     Panel:    {size} interviewers{seen} ({rnd.round_type}){pinned}")
        lines.append(f"     Measure:  {'; '.join(rnd.measure)}")
        for variant in template.variants:
            if vr := variant.round(rnd.number):
                lines.append(f"     {variant.name}: {vr.description}")
        lines.append("     Core questions:")
        lines += [f"       - {q}" for q in rnd.core_questions]
    lines += ["", "Scoring rubric:"]
    lines += [f"  {lvl.name}: {lvl.meaning}" for lvl in template.rubric]
    lines += ["", "Rating scale: " + " / ".join(template.rating_scale)]
    notes = [(n, "") for n in template.notes]
    notes += [(n, f" ({v.name})") for v in template.variants for n in v.notes]
    if notes:
        lines += ["", "Kept as written, and who reads it:"]
        lines += [f"  {n.title}{where}: {', '.join(readers_of(n))}" for n, where in notes]
    if template.defaulted:
        lines += ["", "Not in the document (loopbot's defaults):"]
        lines += [f"  {path}: {value}" for path, value in template.defaulted.items()]
    if template.trainees:
        lines += ["", "Trainees: " + ", ".join(template.trainees)]
    for warning in template.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
