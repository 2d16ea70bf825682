"""Block Kit for step 2 of `/loop create`: each round's proposed time and interviewer, in the
candidate's zone and the interviewer's, or why no time inside everyone's working day works."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.documents.models import LoopTemplate
from bot.documents.models import Round as TemplateRound
from bot.loops.places import following_a_submission
from bot.loops.requests import Proposal, ProposedRound
from bot.render import render
from bot.slack.blocks import context, input_block, plain, section, sections_for
from bot.slack.blocks.loops import (
    LoopIds,
    modal,
    round_deadline_field,
    round_owner_field,
    round_place_field,
    round_time_field,
    round_written_field,
)
from bot.slack.format import mention, minutes, zone_time


def build_modal_loop_step2(*, proposal: Proposal, template: LoopTemplate) -> dict:
    """Step 2: a proposed time and Responsible per round, editable before the loop is created."""
    request = proposal.request
    pools = {r.code for r in template.roles if r.pool}
    variant = template.variant(request.variant) if request.variant else None
    # The live rounds after an asynchronous round are proposed after its deadline
    # (places.after_submission): the step says so when there are any.
    follows = following_a_submission([(r.number, r.asynchronous) for r in proposal.rounds])
    first = next((r for r in proposal.rounds if r.number in follows.values()), None)
    blocks = [
        section(
            render(
                "create_step2_intro",
                submission_first=f"{first.number}. {first.name}" if first else None,
                candidate=request.candidate_name,
                title=template.title,
                tz=request.candidate_tz,
                day=proposal.candidate_day,
                variant=variant.name if variant else template.default_variant,
                unreadable=[mention(u) for u in proposal.unreadable],
                warnings=proposal.warnings,
            )
        )
    ]
    for proposed in proposal.rounds:
        spec = template.round(proposed.number)
        in_pool = set(spec.responsible) & pools
        panel = bool(in_pool) and (spec.panel > 1 or spec.observers > 0)
        blocks += _round_blocks(proposal, proposed, in_pool, spec.responsible, panel=panel)
        if in_pool and (spec.panel > 1 or spec.observers or spec.pinned or proposed.trainee):
            blocks.append(_panel_line(proposed, spec, proposal.zones))
    return modal(
        LoopIds.CREATE_STEP2,
        "Confirm the schedule",
        blocks,
        submit="Create loop",
        metadata=request.model_dump_json(),
    )


def _panel_line(proposed: ProposedRound, spec: TemplateRound, zones: dict[str, str]) -> dict:
    """Who else is on the round (each with the time as they live it), and what the round type
    asked for that the time could not give (a smaller panel, a pinned person who was not free)."""

    def who(user_id: str) -> str:
        zone = zones.get(user_id, "")
        if proposed.starts_at is None or not zone:
            return mention(user_id)
        return f"{mention(user_id)} ({local_span(proposed.starts_at, proposed.minutes, zone)})"

    got = len([u for u in (proposed.responsible, *proposed.co_interviewers) if u])
    seen = len(proposed.observers)
    return context(
        render(
            "create_step2_panel",
            lead=mention(proposed.responsible) if proposed.responsible else "",
            co=", ".join(who(u) for u in proposed.co_interviewers),
            observers=", ".join(who(u) for u in proposed.observers),
            short=proposed.responsible is not None
            and (got < spec.panel or (not proposed.asynchronous and seen < spec.observers)),
            wanted=spec.panel,
            want_observer=bool(spec.observers) and not proposed.asynchronous,
            got=got,
            seen=seen,
            unpinned=", ".join(mention(u) for u in proposed.unpinned),
            trainee=who(proposed.trainee) if proposed.trainee else "",
            trainee_part=proposed.trainee_part,
        )
    )


def local_span(starts_at: datetime, length: int, tz: str) -> str:
    """`Tue 24 Nov 10:00–11:00 Asia/Seoul`: a round as someone in `tz` lives it."""
    if not tz:
        return ""
    zone = ZoneInfo(tz)
    start = starts_at.astimezone(zone)
    end = (starts_at + timedelta(minutes=length)).astimezone(zone)
    return f"{start:%a %d %b %H:%M}–{end:%H:%M} {tz}"


def _round_blocks(
    proposal: Proposal,
    proposed: ProposedRound,
    in_pool: set[str],
    codes: list[str],
    *,
    panel: bool = False,
) -> list[dict]:
    """One round of step 2: what it is, when (in the candidate's and the interviewer's zone),
    or why no time works; then the fields to change it."""
    request = proposal.request
    head = f"*{proposed.number}. {proposed.name}* · {minutes(proposed.minutes)} · {proposed.format}"
    gap = proposal.gaps.get(proposed.number)
    blocks = []
    if proposed.asynchronous:
        due = proposed.deadline
        when = f", due {zone_time(due, request.candidate_tz)} for the candidate" if due else ""
        blocks.append(
            section(
                f"*{proposed.number}. {proposed.name}* · asynchronous (a submission, no meeting)"
                f"{when}"
            )
        )
        picker: dict = {"type": "datetimepicker"}
        if due is not None:
            picker["initial_date_time"] = int(due.timestamp())
        blocks.append(
            input_block(round_deadline_field(proposed.number), "Submission deadline", picker)
        )
    elif proposed.starts_at is None:
        blocks.append(section(head))
        if gap is not None:
            blocks += sections_for(render("create_step2_gap", gap=gap, tz=request.candidate_tz))
    else:
        when = zone_time(proposed.starts_at, request.candidate_tz)
        if proposed.written_due is not None:  # the write-up before a live review
            due = zone_time(proposed.written_due, request.candidate_tz)
            rule = render("written_part_rule", own_hours=bool(request.candidate_hours))
            when += f" (its written part due {due}: {rule})"
        blocks.append(section(f"{head} · {when} for the candidate"))
        blocks.append(
            context(
                render(
                    "create_step2_local",
                    candidate=local_span(
                        proposed.starts_at, proposed.minutes, request.candidate_tz
                    ),
                    owner=proposed.responsible,
                    owner_time=local_span(
                        proposed.starts_at,
                        proposed.minutes,
                        proposal.zones.get(proposed.responsible or "", ""),
                    ),
                )
            )
        )
    if not proposed.asynchronous:
        picker: dict = {"type": "datetimepicker"}
        if proposed.starts_at is not None:
            picker["initial_date_time"] = int(proposed.starts_at.timestamp())
        blocks.append(input_block(round_time_field(proposed.number), "Starts at", picker))
        if proposed.written_due is not None:
            due_at = {
                "type": "datetimepicker",
                "initial_date_time": int(proposed.written_due.timestamp()),
            }
            blocks.append(
                input_block(
                    round_written_field(proposed.number),
                    "Written part due (follows the time unless changed)",
                    due_at,
                    optional=True,
                )
            )
        place: dict = {"type": "plain_text_input", "max_length": 500}
        if proposed.place:
            place["initial_value"] = proposed.place
        place["placeholder"] = plain("Room 4.1 or https://…", 150)
        blocks.append(
            input_block(
                round_place_field(proposed.number),
                "Place (a room or a meeting link)",
                place,
                optional=True,
            )
        )
    if in_pool:
        element: dict = {"type": "users_select"}
        if proposed.responsible:
            element["initial_user"] = proposed.responsible
        label = "Reviewer (Responsible)" if proposed.asynchronous else "Interviewer (Responsible)"
        label = f"Lead {label[0].lower()}{label[1:]}" if panel else label
        hint = proposed.problem or ("Nobody could take it; see above." if gap else None)
        blocks.append(input_block(round_owner_field(proposed.number), label, element, hint=hint))
    else:
        blocks.append(
            context(
                "Run by "
                + ", ".join(f"{mention(u)} ({c})" for c in codes for u in request.people.get(c, []))
            )
        )
    return blocks
