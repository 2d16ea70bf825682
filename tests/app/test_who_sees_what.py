"""Who may do and read what, driven through the real Slack handlers for every role.

One loop, nine people: each role tries every action on the surface where a person would, and the
test records what they noticed: a modal or an answer, or a refusal. The expected table below is
the README's who-sees-what table; changing any one rule in `bot/authz.py` makes a row fail.
"""

from __future__ import annotations

import json

import pytest

from bot.emulator import ModalForm, SlackEmulator
from bot.sandbox import Sandbox
from tests.e2e.helpers import (
    HM,
    IL,
    MONDAY,
    REC,
    XS,
    create_loop,
    members_of_loop_channel,
    top_view,
    uid,
    wait_for,
)

CREATOR, ADMIN, OUTSIDER = "liam.syd", "ada.admin", "olga.outside"
EXTRA_POOL = ["beatriz.sp", "nora.pool", "omar.pool"]
INTERVIEWER, OTHER, IDLE = "interviewer", "other round's interviewer", "idle pool member"
ROLES = [OUTSIDER, OTHER, INTERVIEWER, IDLE, REC, IL, HM, XS, ADMIN, CREATOR]
EVIDENCE = "Sized the retry budget from p99 latency, not guesses."
PRIVATE = "Mentioned a competing offer."

# action → roles that succeed, as a person notices it (the debrief not yet open)
BEFORE = {
    "show the loop": {OTHER, INTERVIEWER, REC, IL, HM, ADMIN, CREATOR},
    "read scorecards (status)": {OTHER, INTERVIEWER, REC, IL, HM, ADMIN, CREATOR},
    "read a scorecard's content": {INTERVIEWER},
    "write the round's scorecard": {INTERVIEWER},
    "open the round's guide": {INTERVIEWER, IL, HM},
    "change the loop": {REC, HM, ADMIN, CREATOR},
    "open the decision": {HM},
    "export the debrief": {HM, ADMIN},
    "calibrate": {IL, ADMIN},
}
# actions that change the loop: here only the roles that must be refused try them; the allowed
# ones act further down, where the change is meant to happen
REFUSED_ONLY = {
    "open the debrief": {HM},
    "cancel the loop": {REC, HM, ADMIN, CREATOR},
    "mark a finalist": {HM},
}
# once the hiring manager has opened the debrief early
AFTER = {
    "read a scorecard's content": {INTERVIEWER, IL, HM},
    "read the private note": {INTERVIEWER, HM},
    "in the loop's channel": {INTERVIEWER, IL, HM},
}


class Probe:
    """What one person notices when they try something."""

    def __init__(self, sb: Sandbox, short_id: str, people: dict[str, str]):
        self.sb, self.short_id, self.people = sb, short_id, people

    def handle(self, role: str) -> str:
        return self.people.get(role, role)

    def _seen_since(self, who: str, views: int, replies: int) -> str | None:
        emulator = self.sb.emulator
        opened = emulator.open_views(uid(self.sb, who))
        if len(opened) > views:
            return "modal " + json.dumps(opened[-1], ensure_ascii=False)
        fresh = emulator.responses_for(who)[replies:]
        if fresh:
            return "reply " + json.dumps(fresh, ensure_ascii=False)
        return None

    def _try(self, who: str, act) -> str:
        emulator = self.sb.emulator
        views, replies = (
            len(emulator.open_views(uid(self.sb, who))),
            len(emulator.responses_for(who)),
        )
        answer = act()
        if answer.json and answer.json.get("text"):
            return "reply " + answer.json["text"]
        seen = wait_for(lambda: self._seen_since(who, views, replies))
        assert seen, f"{who} saw nothing"
        emulator.close_view(uid(self.sb, who))
        return seen

    def command(self, role: str, text: str) -> str:
        who = self.handle(role)
        return self._try(who, lambda: self.sb.slack.command(who, "/loop", text))

    def click(self, role: str, action_id: str, value: str) -> str:
        who = self.handle(role)
        channel = self.sb.emulator.workspace.im_for(uid(self.sb, who)).id
        return self._try(
            who, lambda: self.sb.slack.click(who, action_id, value, channel_id=channel)
        )

    def succeeds(self, action: str, role: str) -> bool:
        s = self.short_id
        round_no = self.people["round"]
        seen = {
            "show the loop": lambda: self.command(role, f"show {s}"),
            "read scorecards (status)": lambda: self.click(role, "scorecard_read", s),
            "read a scorecard's content": lambda: self.click(role, "scorecard_read", s),
            "read the private note": lambda: self.click(role, "scorecard_read", s),
            "write the round's scorecard": lambda: self.command(role, f"scorecard {s} {round_no}"),
            "open the round's guide": lambda: self.click(
                role, "home_open_guide", f"{s}:{round_no}"
            ),
            "change the loop": lambda: self.click(role, "loop_card_reschedule", s),
            "open the decision": lambda: self.click(role, "debrief_decide:hire", f"{s}:hire"),
            "export the debrief": lambda: self.command(role, f"export {s}"),
            "calibrate": lambda: self.command(role, "calibration"),
            "open the debrief": lambda: self.command(role, f"debrief {s}"),
            "cancel the loop": lambda: self.command(role, f"cancel {s}"),
            "mark a finalist": lambda: self.command(role, f"finalist {s}"),
        }[action]()
        if action == "read scorecards (status)":
            return seen.startswith("modal") and "Scorecards" in seen
        if action == "read a scorecard's content":
            return EVIDENCE in seen
        if action == "read the private note":
            return PRIVATE in seen
        if action == "calibrate":
            return "Calibration is for" not in seen
        if action == "export the debrief":
            return "debrief_summary" in seen
        if action == "show the loop":
            return f"Loop {s}" in seen
        return seen.startswith("modal") or (
            action in ("open the debrief", "cancel the loop", "mark a finalist")
            and "Only" not in seen
            and "not part of" not in seen
        )


def _submit(sb: Sandbox, who: str, short_id: str, number: int) -> None:
    sb.slack.command(who, "/loop", f"scorecard {short_id} {number}")
    modal = wait_for(lambda: sb.emulator.open_views(uid(sb, who)) and top_view(sb, who))
    form = ModalForm(modal, sb.emulator.workspace)
    answers = {
        f.label: "Solid"
        for f in form.fields
        if f.block_id.startswith("signal:") and not f.block_id.endswith("evidence")
    }
    answers.update(
        {
            "Overall recommendation": "Hire",
            "Key evidence": EVIDENCE,
            "Private note for the hiring manager": PRIVATE,
        }
    )
    assert sb.slack.submit(who, modal, form.fill(answers)).json == {"response_action": "clear"}
    sb.emulator.close_view(uid(sb, who))


def _rounds(sb: Sandbox, short_id: str) -> dict[str, list[int]]:
    from bot.loops.queries import find_loop, rounds_run_by

    by_handle = {u.id: u.name for u in sb.emulator.workspace.users.values()}
    with sb.db.read() as session:
        loop = find_loop(session, short_id)
        return {
            by_handle[u]: rounds_run_by(session, loop, u)
            for u in by_handle
            if rounds_run_by(session, loop, u)
        }


def _sandbox() -> Sandbox:
    from handlers import create_app
    from handlers.http import make_wsgi_app

    emulator = SlackEmulator()
    ws = emulator.workspace
    ws.add_user(ADMIN, "Ada Admin", "ada@example.com", "Europe/Paris", id="U0AD00001")
    ws.add_user(OUTSIDER, "Olga Outside", "olga@example.com", "Europe/Oslo", id="U0OU00001")
    ws.add_user("nora.pool", "Nora Pool", "nora@example.com", "Europe/Madrid", id="U0PN00007")
    ws.add_user("omar.pool", "Omar Pool", "omar@example.com", "Africa/Cairo", id="U0PN00008")
    sb = Sandbox(
        create_app, make_wsgi_app, emulator=emulator, settings={"loopbot_admins": ["U0AD00001"]}
    )
    sb.start()
    sb.now = MONDAY
    return sb


def _loop(sb: Sandbox) -> str:
    from tests.e2e.helpers import PANEL

    pool = [uid(sb, p) for p in [*PANEL, *EXTRA_POOL]]
    return create_loop(sb, who=CREATOR, **{"Panel Interviewer (PI) pool": pool})


@pytest.fixture(scope="module")
def story():
    sb = _sandbox()
    try:
        short_id = _loop(sb)
        rounds = _rounds(sb, short_id)
        pool = [*__import__("tests.e2e.helpers", fromlist=["PANEL"]).PANEL, *EXTRA_POOL]
        single = sorted(h for h in pool if len(rounds.get(h, [])) == 1)
        idle = sorted(h for h in pool if h not in rounds)
        assert len(single) >= 2 and idle, rounds
        people = {
            INTERVIEWER: single[0],
            OTHER: single[1],
            IDLE: idle[0],
            "round": str(rounds[single[0]][0]),
        }
        _submit(sb, single[0], short_id, rounds[single[0]][0])
        sb.dispatch()
        yield sb, Probe(sb, short_id, people)
    finally:
        sb.stop()


def test_before_the_debrief_opens(story) -> None:
    sb, probe = story
    wrong = [
        f"{role} / {action}: expected {'allowed' if role in BEFORE[action] else 'refused'}"
        for action in BEFORE
        for role in ROLES
        if probe.succeeds(action, role) is not (role in BEFORE[action])
    ]
    wrong += [
        f"{role} / {action}: expected refused"
        for action, allowed in REFUSED_ONLY.items()
        for role in ROLES
        if role not in allowed and probe.succeeds(action, role)
    ]
    assert not wrong, "\n".join(wrong)
    # The executive sponsor is informed on finalists only: nothing has reached them yet.
    assert not any(probe.short_id in (m.text or "") for m in sb.emulator.dms_to(XS))


def test_after_the_hiring_manager_opens_the_debrief_early(story) -> None:
    sb, probe = story
    assert probe.succeeds("open the debrief", HM)
    channel = members_of_loop_channel(sb, probe.short_id)
    wrong = [
        f"{role} / {action}: expected {'allowed' if role in AFTER[action] else 'refused'}"
        for action in AFTER
        for role in ROLES
        if (
            (probe.handle(role) in channel)
            if action == "in the loop's channel"
            else probe.succeeds(action, role)
        )
        is not (role in AFTER[action])
    ]
    assert not wrong, "\n".join(wrong)


def test_the_hiring_manager_marks_a_finalist_and_the_sponsor_hears_of_it(story) -> None:
    sb, probe = story
    assert probe.succeeds("mark a finalist", HM)
    sb.dispatch()
    told = [m.text or "" for m in sb.emulator.dms_to(XS) if probe.short_id in (m.text or "")]
    assert len(told) == 1 and "is a finalist" in told[0]
    # What the sponsor receives stands on its own: no link into a channel they cannot open.
    assert "<#" not in told[0]
    assert probe.succeeds("show the loop", XS)
    assert not probe.succeeds("read a scorecard's content", XS)
    assert XS not in members_of_loop_channel(sb, probe.short_id)


@pytest.mark.parametrize("role", sorted(REFUSED_ONLY["cancel the loop"]))
def test_who_may_cancel(story, role: str) -> None:
    sb, _ = story
    sb.now = MONDAY
    short_id = _loop(sb)
    probe = Probe(sb, short_id, {"round": "1"})
    assert probe.succeeds("cancel the loop", role)
