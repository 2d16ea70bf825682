"""Who may do and read what, driven through the real Slack handlers for every role.

One loop, nine people: each role tries every action on the surface where a person would, and the
test records what they noticed: a modal or an answer, or a refusal. The expected table below is
the README's who-sees-what table; changing any one rule in `bot/authz.py` makes a row fail.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator import ModalForm
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
EVIDENCE = "Sized the retry budget from p99 latency, not guesses."
PRIVATE = "Mentioned a competing offer."
# The README's columns, as the people of this story.
COLUMNS = {
    "outsider": OUTSIDER,
    "other interviewer": OTHER,
    "interviewer": INTERVIEWER,
    "idle pool": IDLE,
    "recruiter": REC,
    "interview lead": IL,
    "hiring manager": HM,
    "executive sponsor": XS,
    "admin": ADMIN,
    "creator": CREATOR,
}
ROLES = list(COLUMNS.values())
# Rows that change the loop: in the first pass only those who must be refused try them; the
# allowed act where the change is meant to happen.
CHANGES_THE_LOOP = {"open the debrief", "cancel the loop", "mark a finalist"}
DEBRIEF_OPEN = ", debrief open"
CANDIDATE = "Juyoung Park"  # create_loop's candidate


def readme_table() -> dict[str, dict[str, str]]:
    """action → role → "✓", "–" or "finalist", from the README's who-sees-what table."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines = text.split("<!-- who-sees-what", 1)[1].splitlines()[1:]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    rows = rows[: next(i for i, r in enumerate(rows) if len(r) < 3)]
    header, body = rows[0], rows[2:]
    return {
        row[0]: {COLUMNS[name]: cell for name, cell in zip(header[2:], row[2:], strict=True)}
        for row in body
    }


TABLE = readme_table()


def allowed(action: str, *, finalist: bool = False) -> set[str]:
    return {
        role
        for role, cell in TABLE[action].items()
        if cell == "✓" or (cell == "finalist" and finalist)
    }


CREATED = "hear the loop is created"
# The other "hear …" rows are events of their own: tests/app/test_who_hears_what.py.
BEFORE = [a for a in TABLE if DEBRIEF_OPEN not in a and not a.startswith("hear ")]
AFTER = [a for a in TABLE if DEBRIEF_OPEN in a]


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
        fresh = emulator.all_responses(who)[replies:]
        if fresh:
            return "reply " + json.dumps(fresh, ensure_ascii=False)
        return None

    def _try(self, who: str, act) -> str:
        emulator = self.sb.emulator
        views, replies = (
            len(emulator.open_views(uid(self.sb, who))),
            len(emulator.all_responses(who)),
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

    def click_when_late(self, role: str, action_id: str, value: str) -> str:
        """A click a month after the interviews, when every missing scorecard is late."""
        was, self.sb.now = self.sb.now, MONDAY + timedelta(days=30)
        try:
            return self.click(role, action_id, value)
        finally:
            self.sb.now = was

    def home(self, role: str) -> str:
        """The App Home tab loopbot publishes for the person when they open it now."""
        user = uid(self.sb, self.handle(role))
        published = len(self._publishes(user))
        self.sb.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        assert wait_for(lambda: len(self._publishes(user)) > published), f"{role}: no App Home"
        return json.dumps(self.sb.emulator.home_of(user), ensure_ascii=False)

    def _publishes(self, user: str) -> list:
        with self.sb.emulator.lock:
            calls = list(self.sb.emulator.calls)
        return [c for c in calls if c.method == "views.publish" and c.args.get("user_id") == user]

    def _shows_the_loop(self, role: str, *, shown: bool) -> bool:
        """`/loop show`, and the other surfaces of the row: one who may not see the loop finds
        it on none (not even the candidate's name); `/loop list` lists it for the others in the
        loop (an admin is in none: theirs is `/loop show`)."""
        s = self.short_id
        listed = self.command(role, "list")
        home = self.home(role)
        leaks = [
            where
            for where, text in (("/loop list", listed), ("App Home", home))
            if s in text or CANDIDATE in text
        ]
        if not shown:
            assert not leaks, f"{role} may not see the loop, yet it is on {leaks}"
        elif role != ADMIN:
            assert f"`{s}`" in listed, f"{role} sees the loop, yet /loop list leaves it out"
            # App Home lists it among their interviews, the loops they decide or lead, or the
            # loops they follow.
            assert f"`{s}`" in home or f"{s}:" in home, f"{role} sees the loop, not on App Home"
        return shown

    def _both_surfaces(self, role: str, command: str, action_id: str, value: str) -> str:
        """The slash command, and (when it was refused) the button for the same action: a
        person refused one is refused the other."""
        seen = self.command(role, command)
        if seen.startswith("reply Only"):
            clicked = self.click(role, action_id, value)
            assert clicked.startswith("reply Only"), f"{role}: {action_id} did {clicked}"
        return seen

    def succeeds(self, action: str, role: str) -> bool:
        s = self.short_id
        round_no = self.people["round"]
        seen = {
            "show the loop": lambda: self.command(role, f"show {s}"),
            "read scorecards (status)": lambda: self.click(role, "scorecard_read", s),
            "read a scorecard's content": lambda: self.click(role, "scorecard_read", s),
            "read a scorecard's content, debrief open": lambda: self.click(
                role, "scorecard_read", s
            ),
            "read the private note, debrief open": lambda: self.click(role, "scorecard_read", s),
            "write the round's scorecard": lambda: self.command(role, f"scorecard {s} {round_no}"),
            "open the round's guide": lambda: self.click(
                role, "home_open_guide", f"{s}:{round_no}"
            ),
            "say you can't make the round": lambda: self.click(
                role, "round_decline", f"{s}:{round_no}"
            ),
            "change the loop": lambda: self.click(role, "loop_card_reschedule", s),
            "nudge a late interviewer": lambda: self.click_when_late(
                role, "feedback_nudge", f"{s}:{self.people['other round']}:{self.people['other']}"
            ),
            "open the decision": lambda: self.click(role, "debrief_decide:hire", f"{s}:hire"),
            "export the debrief": lambda: self.command(role, f"export {s}"),
            "export a scorecard's content": lambda: self.command(role, f"export {s}"),
            "export a scorecard's content, debrief open": lambda: self.command(role, f"export {s}"),
            "calibrate": lambda: self.command(role, "calibration"),
            "open the debrief": lambda: self.command(role, f"debrief {s}"),
            "cancel the loop": lambda: self.command(role, f"cancel {s}"),
            "mark a finalist": lambda: self._both_surfaces(
                role, f"finalist {s}", "debrief_finalist", s
            ),
        }[action]()
        if action == "read scorecards (status)":
            return seen.startswith("modal") and "Scorecards" in seen
        if action.startswith(("read a scorecard's content", "export a scorecard's content")):
            return EVIDENCE in seen
        if action.startswith("read the private note"):
            return PRIVATE in seen
        if action == "calibrate":
            return "Calibration is for" not in seen
        if action == "export the debrief":
            return "debrief_summary" in seen
        if action == "show the loop":
            return self._shows_the_loop(role, shown=f"Loop {s}" in seen)
        if action == "nudge a late interviewer":
            return "a reminder now for" in seen
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

    # Slack's rate limits on, on the sandbox's Slack clock: a Retry-After is skipped, not slept.
    sb = Sandbox(
        create_app, make_wsgi_app, rate_limits=True, settings={"loopbot_admins": ["U0AD00001"]}
    )
    ws = sb.emulator.workspace
    ws.add_user(ADMIN, "Ada Admin", "ada@example.com", "Europe/Paris", id="U0AD00001")
    ws.add_user(OUTSIDER, "Olga Outside", "olga@example.com", "Europe/Oslo", id="U0OU00001")
    ws.add_user("nora.pool", "Nora Pool", "nora@example.com", "Europe/Madrid", id="U0PN00007")
    ws.add_user("omar.pool", "Omar Pool", "omar@example.com", "Africa/Cairo", id="U0PN00008")
    sb.start()
    sb.now = MONDAY
    return sb


def _loop(sb: Sandbox) -> str:
    from tests.e2e.helpers import PANEL

    pool = [uid(sb, p) for p in [*PANEL, *EXTRA_POOL]]
    # A London candidate: all but Los Angeles share a working day with them.
    answers = {"Panel Interviewer (PI) pool": pool, "Candidate's time zone": "Europe/London"}
    return create_loop(sb, who=CREATOR, **answers)


def cast(sb: Sandbox, short_id: str) -> dict[str, str]:
    """Who plays the interviewer, the other round's interviewer and the idle pool member."""
    from tests.e2e.helpers import PANEL

    rounds = _rounds(sb, short_id)
    pool = [*PANEL, *EXTRA_POOL]
    single = sorted(h for h in pool if len(rounds.get(h, [])) == 1)
    idle = sorted(h for h in pool if h not in rounds)
    assert len(single) >= 2 and idle, rounds
    return {
        INTERVIEWER: single[0],
        OTHER: single[1],
        IDLE: idle[0],
        "round": str(rounds[single[0]][0]),
        "other round": str(rounds[single[1]][0]),
        "other": uid(sb, single[1]),
    }


@pytest.fixture(scope="module")
def story():
    sb = _sandbox()
    try:
        short_id = _loop(sb)
        people = cast(sb, short_id)
        rounds = _rounds(sb, short_id)
        single = people[INTERVIEWER]
        _submit(sb, single, short_id, rounds[single][0])
        sb.dispatch()
        yield sb, Probe(sb, short_id, people)
    finally:
        sb.stop()


def heard_of(sb: Sandbox, probe: Probe, role: str) -> bool:
    who = probe.handle(role)
    return any(
        probe.short_id in json.dumps(m.to_slack(), ensure_ascii=False)
        for m in sb.emulator.dms_to(who)
    )


def test_before_the_debrief_opens(story) -> None:
    sb, probe = story
    wrong = [
        f"{role} / {action}: expected {'allowed' if role in allowed(action) else 'refused'}"
        for action in BEFORE
        for role in ROLES
        if (action not in CHANGES_THE_LOOP or role not in allowed(action))
        and probe.succeeds(action, role) is not (role in allowed(action))
    ]
    told = allowed(CREATED)
    wrong += [
        f"{role} / {CREATED}: expected {'told' if role in told else 'nothing'}"
        for role in ROLES
        if heard_of(sb, probe, role) is not (role in told)
    ]
    assert not wrong, "\n".join(wrong)


def test_after_the_hiring_manager_opens_the_debrief_early(story) -> None:
    sb, probe = story
    assert allowed("open the debrief") == {HM}
    assert probe.succeeds("open the debrief", HM)
    channel = members_of_loop_channel(sb, probe.short_id)
    wrong = [
        f"{role} / {action}: expected {'allowed' if role in allowed(action) else 'refused'}"
        for action in AFTER
        for role in ROLES
        if (
            (probe.handle(role) in channel)
            if action.startswith("in the loop's channel")
            else probe.succeeds(action, role)
        )
        is not (role in allowed(action))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_hiring_manager_marks_a_finalist_and_the_sponsor_hears_of_it(story) -> None:
    sb, probe = story
    assert allowed("mark a finalist") == {HM}
    # The summary's button (the command is the other way, driven for everyone above).
    marked = probe.click(HM, "debrief_finalist", probe.short_id)
    assert "finalist" in marked and "Only" not in marked
    sb.dispatch()
    told = [m.text or "" for m in sb.emulator.dms_to(XS) if probe.short_id in (m.text or "")]
    assert len(told) == 1 and "is a finalist" in told[0]
    assert probe.succeeds("mark a finalist", HM)  # again, by command: the sponsor hears once
    sb.dispatch()
    again = [m.text or "" for m in sb.emulator.dms_to(XS) if probe.short_id in (m.text or "")]
    assert again == told
    # What the sponsor receives stands on its own: no link into a channel they cannot open.
    assert "<#" not in told[0]
    for action in ("show the loop", "read scorecards (status)"):
        assert probe.succeeds(action, XS) is (XS in allowed(action, finalist=True)), action
    assert heard_of(sb, probe, XS) is (XS in allowed(CREATED, finalist=True))
    assert not probe.succeeds("read a scorecard's content, debrief open", XS)
    assert XS not in members_of_loop_channel(sb, probe.short_id)


@pytest.mark.parametrize("role", sorted(allowed("cancel the loop")))
def test_who_may_cancel(story, role: str) -> None:
    sb, _ = story
    sb.now = MONDAY
    short_id = _loop(sb)
    probe = Probe(sb, short_id, cast(sb, short_id))
    assert probe.succeeds("cancel the loop", role)
    sb.dispatch()
    told = {
        r
        for r in ROLES
        if any(
            "was cancelled" in (m.text or "") and short_id in (m.text or "")
            for m in sb.emulator.dms_to(probe.handle(r))
        )
    }
    # The cancellation reaches those who had heard of the loop, other than who cancelled it.
    assert told - {role} == allowed("hear the loop is cancelled") - {role}


def test_the_candidate_s_baseline_values_are_exported_only_to_who_reads_their_documents(
    story,
) -> None:
    """The hiring manager reads the candidate's own documents whole; an admin, who may export
    the loop, does not: their export carries no values mapping."""
    _, probe = story
    hiring_manager = probe.command(HM, f"export {probe.short_id}")
    admin = probe.command(ADMIN, f"export {probe.short_id}")
    assert "Core Values Mapping" in hiring_manager and "Ownership & Proactivity" in hiring_manager
    assert "debrief_summary" in admin
    assert "Core Values Mapping" not in admin and "Ownership & Proactivity" not in admin


def test_an_admin_s_export_of_a_loop_cancelled_after_its_debrief_opened_says_what_happened() -> (
    None
):
    """An admin's export stays blind, and says why truly: the debrief had opened before the
    cancel, so not "cancelled before its debrief opened"."""
    sb = _sandbox()
    try:
        short_id = _loop(sb)
        probe = Probe(sb, short_id, cast(sb, short_id))
        assert "is open" in probe.command(HM, f"debrief {short_id}")
        assert "is cancelled" in probe.command(HM, f"cancel {short_id}")
        admin = probe.command(ADMIN, f"export {short_id}")
    finally:
        sb.stop()
    assert "cancelled before its debrief opened" not in admin
    assert "this export lists who has submitted, not what they wrote" in admin
