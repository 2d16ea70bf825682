"""`loopbot demo`: the product's story, played offline against the Slack emulator."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.demo_narrator import Narrator
from bot.demo_rounds import (
    _card,
    _first_round_start,
    _owner_of_round,
    next_escalation,
    receipt_arrived,
    submission_received,
)
from bot.demo_rounds import wait_until as _wait
from bot.demo_scenes import cant_make_it, late_scorecards, panel_round
from bot.emulator import ModalForm
from bot.emulator.transcript import blocks_as_text, mrkdwn_to_text, view_as_text
from bot.loops.queries import find_loop, rounds_of
from bot.sandbox import AppFactory, Sandbox, WsgiFactory

EXTRA_POOL = [
    ("kenji.tyo", "Kenji Sato", "Asia/Tokyo", "U0PN00011"),
    ("hana.sel", "Hana Lee", "Asia/Seoul", "U0PN00012"),
    ("mei.sgp", "Mei Tan", "Asia/Singapore", "U0PN00013"),
    ("ruby.bne", "Ruby Walsh", "Australia/Brisbane", "U0PN00014"),
    ("aroha.akl", "Aroha Ngata", "Pacific/Auckland", "U0PN00015"),
]
DEMO_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday morning, UTC


def run_demo(
    app_factory: AppFactory,
    wsgi_factory: WsgiFactory,
    *,
    speed: float = 0.0,
    out: TextIO = sys.stdout,
) -> int:
    """Play the story; returns the exit code (non-zero if Slack's rules were broken)."""
    # The panel spans four continents: the Remote-First variant, on the team's meeting link.
    places = {"loopbot_places": {"remote": "https://meet.example.com/loop-interviews"}}
    with Sandbox(app_factory, wsgi_factory, rate_limits=True, settings=places) as sb:
        sb.now = DEMO_START
        n = Narrator(sb, out, speed)
        ws = sb.emulator.workspace
        for handle, name, tz, user_id in EXTRA_POOL:  # more of the pool near the candidate
            ws.add_user(handle, name, f"{handle.split('.')[0]}@example.com", tz, id=user_id)
        n.say(
            "loopbot demo: a Slack emulator on loopback, the bot behind the same HTTP server as "
            "`loopbot serve`, and a throwaway SQLite database. Nothing leaves this machine; "
            "the bot's clock runs fast."
        )
        n.say()
        n.say("The team:")
        for user in ws.users.values():
            if not user.is_bot and not user.deleted:
                n.say(f"   {user.real_name:<20} {user.tz}")
        n.say()
        n.say("Loop documents loaded:")
        for template in sb.runtime.library.loops.values():
            n.say(
                f"   {template.title}: {len(template.rounds)} rounds "
                f"({', '.join(r.name for r in template.rounds)})"
            )

        recruiter = ws.user("oliver.rec")
        n.step(recruiter.id, "types `/loop help`")
        n.reply(sb.slack.command(recruiter, "/loop", "help").json or {}, recruiter)

        short_id = _create_loop(sb, n, recruiter.id)
        n.clock("the loop is created", sb.now)
        n.deliveries(sb.dispatch())

        owner = _owner_of_round(sb, short_id, 1)
        n.step(owner, "opens loopbot's Home tab")
        sb.slack.event(
            {
                "type": "app_home_opened",
                "user": owner,
                "tab": "home",
                "channel": "D" + owner[1:],
                "event_ts": f"{time.time():.6f}",
            }
        )
        _wait(lambda: sb.emulator.home_of(owner) is not None)
        n.home(owner)
        submission_received(sb, n, short_id, recruiter.id, DEMO_START + timedelta(hours=12))

        cant_make_it(sb, n, short_id)

        first = _first_round_start(sb, short_id)
        n.clock("24 hours before the first interview", first - timedelta(hours=24))
        n.deliveries(sb.dispatch(first - timedelta(hours=24)), full_guides=1)
        n.clock("15 minutes before it", first - timedelta(minutes=15))
        n.deliveries(sb.dispatch(first - timedelta(minutes=15)))

        _scorecards_and_debrief(sb, n, short_id)
        panel_round(sb, n)

        n.say()
        calls = sb.emulator.calls
        n.say(
            f"Slack saw {len(calls)} Web API calls; Block Kit or Slack rule violations: "
            f"{len(sb.emulator.violations)}."
        )
        if sb.emulator.violations:
            n.say(json.dumps(sb.emulator.violations, indent=2))
            return 1
        return 0


def _create_loop(sb: Sandbox, n: Narrator, recruiter: str) -> str:
    ws = sb.emulator.workspace
    n.step(recruiter, "types `/loop create`")
    sb.slack.command(recruiter, "/loop", "create")
    _wait(lambda: sb.emulator.open_views(recruiter))
    step1 = sb.emulator.open_views(recruiter)[-1]
    n.show("modal:", view_as_text(step1, n.name))
    answers = {
        "Candidate name": "Juyoung Park",
        "Candidate key": "phoenix_005_juyoung_park",
        # Her interview guide is a live deep dive on her take-home (round 1, reviewed without
        # her): round 2 here, where she extends that build with her interviewer.
        "Round the candidate's guide briefs": "2. Live AI Pairing",
        "Variant": "Remote-First",
        "Candidate's time zone": "Asia/Seoul",
        "First interview day": "2026-11-25",
        "Hiring Manager (HM)": ws.user("maya.hm").id,
        "Recruiter or coordinator (REC)": recruiter,
        "Interview Lead or bar raiser (IL)": ws.user("lena.lead").id,
        "Panel Interviewer (PI) pool": [
            ws.user(h).id
            for h in ("ananya.blr", "liam.syd", "diego.la", "joao.lis", *(p[0] for p in EXTRA_POOL))
        ],
        "Executive Sponsor (XS)": ws.user("robert.exec").id,
    }
    n.step(
        recruiter,
        "fills it in for Juyoung Park (Asia/Seoul), says her guide briefs round 2, presses Next",
    )
    sb.slack.submit(recruiter, step1, ModalForm(step1, ws).fill(answers))
    step2 = sb.emulator.open_views(recruiter)[-1]
    n.show("modal:", view_as_text(step2, n.name))
    n.say(
        "   Every live round lies inside Juyoung's working day and its interviewer's own (Mon–Fri"
    )
    n.say(
        "   09:00–17:30, local); the Async Build needs no shared hour: its reviewer can be anywhere"
    )
    n.say("   (and the live rounds, which build on what she sends, come after its deadline)")
    n.step(recruiter, "keeps the proposed schedule and presses Create loop")
    reply = sb.slack.submit(recruiter, step2, ModalForm(step2, ws).fill({}))
    done = (reply.json or {}).get("view", {})
    n.show("modal:", view_as_text(done, n.name))
    short_id = json.dumps(done).split("Loop `", 1)[1].split("`", 1)[0]
    sb.emulator.close_view(recruiter)
    _wait(lambda: _card(sb, short_id) is not None)
    channel, _ = _card(sb, short_id)
    n.say()
    n.say(
        f"   #{channel.name} is private, for who may read the debrief: {_members(sb, channel.id)}"
    )
    n.say("   Its card is posted there; Oliver, not in it, follows a copy in his DMs (below).")
    return short_id


RECOMMENDATIONS = ["Hire", "Strong Hire", "Mixed", "Hire", "Hire", "Hire"]
RATINGS = {
    "Strong Hire": lambda i: "Strong",
    "Hire": lambda i: "Strong" if i == 0 else "Solid",
    "Mixed": lambda i: "Weak" if i in (1, 4) else "Solid",
}
"""Each signal's rating (by its place in the form) for a recommendation."""
EVIDENCE = {
    "Strong Hire": "drove the session, tested every assumption, corrected the model's mistakes.",
    "Hire": "clear reasoning, tested assumptions.",
    "Mixed": "sound design, but no rollback plan and vague on what to monitor.",
}
EARLY_AFTER = 2  # Maya opens the debrief once this many scorecards are in


def _members(sb: Sandbox, channel_id: str) -> str:
    ws = sb.emulator.workspace
    people = sorted(
        ws.users[m].real_name for m in ws.channels[channel_id].members if not ws.users[m].is_bot
    )
    return ", ".join(people)


def _early_debrief(sb: Sandbox, n: Narrator, short_id: str) -> None:
    """Maya opens the debrief before everyone has submitted: the summary reaches only its
    readers, the recruiter sees status, and the sponsor hears once Maya marks a finalist."""
    ws = sb.emulator.workspace
    hm, rec = (ws.user(h).id for h in ("maya.hm", "oliver.rec"))
    n.step(hm, f"types `/loop debrief {short_id}` before every scorecard is in")
    before = len(sb.emulator.all_responses(hm))
    sb.slack.command(hm, "/loop", f"debrief {short_id}")
    _wait(lambda: len(sb.emulator.all_responses(hm)) > before)
    n.reply(sb.emulator.all_responses(hm)[-1], hm)
    channel, _ = _card(sb, short_id)
    _wait(
        lambda: any(
            "Debrief:" in json.dumps(m.blocks or []) for m in sb.emulator.messages_in(channel.id)
        )
    )
    n.say(f"   #{channel.name} holds only who may read it: {_members(sb, channel.id)}")
    n.step(rec, "presses Scorecards on his copy of the card")
    card = next(
        m
        for m in reversed(sb.emulator.dms_to(rec))
        if f"loop `{short_id}`" in json.dumps(m.blocks or [])
        and "scorecard_read" in json.dumps(m.blocks or [])
    )
    sb.slack.click(rec, "scorecard_read", short_id, message=card)
    _wait(lambda: sb.emulator.open_views(rec))
    n.show(
        "modal (status, never content):",
        view_as_text(sb.emulator.open_views(rec)[-1], n.reader(rec)),
    )
    sb.emulator.close_view(rec)
    summary = next(
        m for m in sb.emulator.messages_in(channel.id) if "Debrief:" in json.dumps(m.blocks or [])
    )
    n.step(hm, "presses Mark finalist on the summary")
    sb.slack.click(hm, "debrief_finalist", short_id, message=summary)
    _wait(lambda: any("finalist" in (r.get("text") or "") for r in sb.emulator.all_responses(hm)))
    n.reply(sb.emulator.all_responses(hm)[-1], hm)
    n.clock("the executive sponsor, who heard nothing of the loop before, is told", sb.now)
    n.deliveries(sb.dispatch())


def _scorecards_and_debrief(sb: Sandbox, n: Narrator, short_id: str) -> None:
    """Every interviewer submits; the last one triggers the debrief; Maya decides."""
    ws = sb.emulator.workspace
    with sb.db.session() as session:
        rounds = rounds_of(session, find_loop(session, short_id))
    end = max(
        (r.starts_at + timedelta(minutes=r.duration_minutes)) if r.starts_at else r.review_due
        for r in rounds
        if r.starts_at or r.review_due
    )
    n.clock("an hour after the last interview: its scorecard is due too", end + timedelta(hours=1))
    n.deliveries(sb.dispatch(end + timedelta(hours=1)))
    late_scorecards(sb, n, short_id, next_escalation(sb, short_id, after=end + timedelta(hours=1)))
    for number, recommendation in enumerate(RECOMMENDATIONS, start=1):
        owner = _owner_of_round(sb, short_id, number)
        due = next(
            m
            for m in reversed(sb.emulator.dms_to(owner))
            if "scorecard is due" in (m.text or "") and f"*{number}. " in m.text
        )
        button = next(e for b in due.blocks if b["type"] == "actions" for e in b["elements"])
        n.step(owner, f"presses Open scorecard for round {number}")
        sb.slack.click(owner, button["action_id"], button["value"], message=due)
        _wait(lambda o=owner: sb.emulator.open_views(o))
        modal = sb.emulator.open_views(owner)[-1]
        form = ModalForm(modal, ws)
        if number == 3:
            n.show("modal:", view_as_text(modal, n.reader(owner)))
        signals = [
            f.label
            for f in form.fields
            if f.block_id.startswith("signal:") and not f.block_id.endswith("evidence")
        ]
        # What they rate is what they recommend: a Mixed round saw a weak spot.
        answers = {label: RATINGS[recommendation](i) for i, label in enumerate(signals)}
        answers.update(
            {
                f.label: "SUGGESTED"
                for f in form.fields
                if f.block_id.startswith("value:") and not f.block_id.endswith("evidence")
            }
        )
        answers.update(
            {
                "Overall recommendation": recommendation,
                "Key evidence": f"Round {number}: {EVIDENCE[recommendation]}",
            }
        )
        sb.slack.submit(owner, modal, form.fill(answers))
        sb.emulator.close_view(owner)
        n.say(f"   submits: {recommendation}")
        _wait(lambda o=owner, k=number: receipt_arrived(sb, o, k))
        n.deliveries(None, brief=True)
        if number == EARLY_AFTER:
            _early_debrief(sb, n, short_id)
    channel, _ = _card(sb, short_id)
    n.say()
    hm = ws.user("maya.hm").id
    # The summary of the debrief opened early was edited as the rest came in: an edit notifies
    # nobody, so the last scorecard is said in the channel too, once the summary counts it.
    posts = sb.emulator.messages_in
    _wait(lambda: any("now counts them all" in (m.text or "") for m in posts(channel.id)))
    told = next(m for m in posts(channel.id) if "now counts them all" in (m.text or ""))
    summary = next(m for m in posts(channel.id) if "Debrief:" in json.dumps(m.blocks or []))
    n.show(
        f"#{channel.name} hears the last scorecard is in:",
        mrkdwn_to_text(told.text or "", n.reader(hm)).splitlines(),
    )
    n.show(
        f"#{channel.name}: the debrief summary, as it reads now:",
        blocks_as_text(summary.blocks or [], n.reader(hm)),
    )
    n.step(hm, "presses Hire and gives a reason")
    button = next(
        e
        for b in summary.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Hire"
    )
    sb.slack.click(hm, button["action_id"], button["value"], message=summary)
    _wait(lambda: sb.emulator.open_views(hm))
    modal = sb.emulator.open_views(hm)[-1]
    sb.slack.submit(
        hm,
        modal,
        ModalForm(modal, ws).fill(
            {"Reason": "Consistent rigor; the split on round 3 was about scope, not ability."}
        ),
    )
    _wait(
        lambda: (
            "Decision: Hire" in json.dumps([m.blocks for m in sb.emulator.messages_in(channel.id)])
        )
    )
    updated = next(
        m for m in sb.emulator.messages_in(channel.id) if "Debrief:" in json.dumps(m.blocks or [])
    )
    head = blocks_as_text(updated.blocks or [], n.reader(hm))
    n.show("the summary now reads:", [ln for ln in head if "Decision" in ln or "Spread" in ln])
    n.clock("the decision is recorded", sb.now)
    n.deliveries(sb.dispatch())
