"""Scenes of `loopbot demo` beyond the main story (bot/demo.py plays them in order)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from sqlmodel import select

from bot.demo_rounds import late_message_sent
from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text
from bot.loops.places import add_working_days
from bot.loops.queries import find_loop
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Round

if TYPE_CHECKING:
    from bot.demo_narrator import Narrator

REASON = "A family commitment that day; I can take any round next week."


def _wait(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (found := predicate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def _latest_pool_round(sb: Sandbox, short_id: str) -> tuple[int, str] | None:
    """(number, interviewer) of the last round a pool member runs: the one furthest away."""
    with sb.db.read() as session:
        loop = find_loop(session, short_id)
        row = session.exec(
            select(Round.number, Assignment.user_id)
            .join(Assignment, Assignment.round_id == Round.id)
            .where(
                Round.loop_id == loop.id,
                Assignment.letter == "R",
                Assignment.role_code == "PI",
                Assignment.active,
            )
            .order_by(Round.number.desc())  # type: ignore[attr-defined]
        ).first()
    return (row[0], row[1]) if row else None


def _dm_with(sb: Sandbox, user_id: str, action_id: str, containing: str = ""):
    def found():
        for message in reversed(sb.emulator.dms_to(user_id)):
            blocks = json.dumps(message.blocks or [])
            if action_id in blocks and containing in blocks:
                return message
        return None

    return _wait(found)


def cant_make_it(sb: Sandbox, n: Narrator, short_id: str) -> None:
    """An interviewer can't make their round: loopbot asks the best free pool member, who
    accepts; the recruiter and the hiring manager are told, the first interviewer is off it."""
    picked = _latest_pool_round(sb, short_id)
    if picked is None:
        return
    number, owner = picked
    assigned = _dm_with(sb, owner, "round_decline", f"{short_id}:{number}")
    if assigned is None:
        return
    n.step(owner, f"presses Can't make it on round {number} and gives a reason")
    sb.slack.click(owner, "round_decline", message=assigned)
    modal = _wait(lambda: sb.emulator.open_views(owner) and sb.emulator.open_views(owner)[-1])
    sb.slack.submit(
        owner, modal, ModalForm(modal, sb.emulator.workspace).fill({"Why not?": REASON})
    )
    sb.emulator.close_view(owner)
    recruiter = sb.emulator.workspace.user("oliver.rec").id
    _wait(lambda: any("Thanks for saying so" in (m.text or "") for m in sb.emulator.dms_to(owner)))
    _wait(lambda: any(REASON in (m.text or "") for m in sb.emulator.dms_to(recruiter)), 15)
    n.deliveries(sb.dispatch())

    def asked_now() -> str | None:
        for user in sb.emulator.workspace.users.values():
            for message in sb.emulator.dms_to(user.id):
                if "replacement_accept" in json.dumps(message.blocks or []):
                    return user.id
        return None

    asked = _wait(asked_now)
    if asked is None:
        return
    question = _dm_with(sb, asked, "replacement_accept")
    n.step(asked, "presses Accept")
    sb.slack.click(asked, "replacement_accept", message=question)
    answered = _wait(
        lambda: next(
            (
                m
                for m in sb.emulator.dms_to(asked)
                if m.ts == question.ts and "You now run" in (m.text or "")
            ),
            None,
        )
    )
    if answered is not None:
        n.show("their question now reads:", blocks_as_text(answered.blocks or [], n.reader(asked)))
    n.deliveries(sb.dispatch(), brief=True)


def panel_round(sb: Sandbox, n: Narrator) -> None:
    """The team gives round 2 the catalogue's Pairing Exercise ("two engineers", "a third
    engineer in the room as an observer"): step 2 proposes a panel and its observer."""
    import shutil
    import tempfile
    from pathlib import Path

    from bot.documents import load_library
    from bot.emulator.transcript import view_as_text

    ws = sb.emulator.workspace
    recruiter = ws.user("oliver.rec").id
    shipped = sb.runtime.library
    with tempfile.TemporaryDirectory(prefix="loopbot-demo-") as folder:
        docs = Path(folder) / "docs"
        shutil.copytree(sb.settings.docs_dir, docs)
        loop = docs / "loops" / "ai-first-engineering.md"
        heading = "### 2. Live AI Pairing\n"
        loop.write_text(loop.read_text().replace(heading, heading + "Type: Pairing Exercise\n", 1))
        sb.runtime.library = load_library(docs, sb.settings.loopbot_reminders)
    n.say()
    n.say("   The team adds `Type: Pairing Exercise` to round 2: the catalogue asks for two")
    n.say("   engineers and a third in the room as an observer.")
    n.step(recruiter, "starts `/loop create` for another candidate, Min-jun Cho (Asia/Seoul)")
    sb.slack.command(recruiter, "/loop", "create")
    step1 = _wait(lambda: sb.emulator.open_views(recruiter))[-1]
    pool = ("ananya.blr", "liam.syd", "kenji.tyo", "hana.sel", "mei.sgp", "ruby.bne", "aroha.akl")
    answers = {
        "Candidate name": "Min-jun Cho",
        "Candidate's time zone": "Asia/Seoul",
        "First interview day": add_working_days(sb.clock().date(), 2).isoformat(),
        "Hiring Manager (HM)": ws.user("maya.hm").id,
        "Recruiter or coordinator (REC)": recruiter,
        "Interview Lead or bar raiser (IL)": ws.user("lena.lead").id,
        "Panel Interviewer (PI) pool": [ws.user(h).id for h in pool],
        "Executive Sponsor (XS)": ws.user("robert.exec").id,
        "Variant": "Remote-First",  # a pool across four time zones meets on the team's link
    }
    sb.slack.submit(recruiter, step1, ModalForm(step1, ws).fill(answers))
    step2 = sb.emulator.open_views(recruiter)[-1]
    lines = view_as_text(step2, n.name)
    start = next(i for i, line in enumerate(lines) if "2. Live AI Pairing" in line)
    end = next(i for i, line in enumerate(lines) if "3. Production Engineering" in line)
    n.show("step 2, round 2:", lines[start:end])
    n.say("   Both interviewers write scorecards and the debrief waits for both, side by side;")
    n.say("   the observer gets the guide, no scorecard. Oliver closes the modal.")
    sb.emulator.close_view(recruiter)
    sb.runtime.library = shipped


def late_scorecards(sb: Sandbox, n: Narrator, short_id: str, when) -> None:
    """Nobody has submitted when a live round's interviewer reaches their second working day:
    the hiring manager and the recruiter get one message for the loop listing every late
    scorecard; the recruiter presses Nudge now on one line."""
    n.clock("a live round's interviewer reaches their second working day; no scorecard is in", when)
    n.deliveries(sb.dispatch(when), brief=True)
    recruiter = sb.emulator.workspace.user("oliver.rec").id
    late = _dm_with(sb, recruiter, "feedback_nudge")
    if late is None:
        return
    sent = late_message_sent(sb, short_id, recruiter)
    label = "the recruiter's latest message for the loop"
    if sent is not None and sent < when:  # its lines say how late each was then
        label += f", as it went out {sent:%a %d %b %H:%M UTC}"
        label += " (a round already on it raises no second one)"
    n.show(f"{label}:", blocks_as_text(late.blocks or [], n.reader(recruiter)))
    nudge = next(
        e
        for b in late.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "feedback_nudge"
    )
    n.step(recruiter, "presses Nudge now on the first line")
    before = len(sb.emulator.all_responses(recruiter))
    sb.slack.click(recruiter, "feedback_nudge", nudge["value"], message=late)
    if _wait(lambda: len(sb.emulator.all_responses(recruiter)) > before):
        n.reply(sb.emulator.all_responses(recruiter)[-1], recruiter)
    asked = nudge["value"].rsplit(":", 1)[-1]
    _wait(
        lambda: any("asks for your scorecard" in (m.text or "") for m in sb.emulator.dms_to(asked))
    )
    n.deliveries(None)
