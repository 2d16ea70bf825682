"""Who may do and read what: the one place these rules live.

Every permission in loopbot is a call to `can` or `require` with one `Action`. What a person is to
a loop (their `Standing`) is read from the store by `bot.loops.queries.standing`; nothing else
looks at a person's letters or roles to decide what they may do. The README's who-sees-what table
is this function in words, and `tests/app/test_who_sees_what.py` drives every row of it through
the real Slack handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.errors import NotAllowed


class Action(StrEnum):
    VIEW_STATUS = "view_status"
    """Rounds, times, people and who has submitted (never what): card, /loop show, App Home."""
    CHANGE = "change"
    CANCEL = "cancel"
    MARK_RECEIVED = "mark_received"
    """Mark an asynchronous round's submission received, which starts its review window."""
    WRITE_SCORECARD = "write_scorecard"
    """Open, draft, submit or edit the scorecard of one round (`round=`)."""
    READ_SCORECARD = "read_scorecard"
    """Read another person's scorecard content (`author=`)."""
    READ_PRIVATE_NOTE = "read_private_note"
    READ_GUIDE = "read_guide"
    """A round's interviewer guide (`round=`)."""
    OPEN_DEBRIEF = "open_debrief"
    READ_DEBRIEF = "read_debrief"
    """The debrief summary, and so membership of the loop's channel where it is posted."""
    DECIDE = "decide"
    MARK_FINALIST = "mark_finalist"
    HEAR_OF_LOOP = "hear_of_loop"
    """Be told of the loop by DM (created, changed, cancelled, decided)."""
    KNOW_DECISION = "know_decision"
    """Read the hiring manager's decision wherever a message names it: on the summary (its
    readers) or in a DM (the roles the document keeps informed)."""
    EXPORT = "export"
    CALIBRATE = "calibrate"
    """Compare interviewers with their panels: on one loop, or (no loop) at all."""
    NUDGE = "nudge"
    """Remind a late interviewer at once ("Nudge now" on the late-scorecards message)."""
    DECLINE_ROUND = "decline_round"
    """Say one cannot make one's own round (`round=`): loopbot looks for a replacement (a
    trainee leaves the round instead; see `bot.loops.leaving`)."""
    READ_CANDIDATE_BRIEF = "read_candidate_brief"
    """The candidate's own guide and context: whole (no `round=`), or the parts that brief one
    round (`round=`, `briefed=` when the documents or the recruiter put them on that round)."""


@dataclass(frozen=True)
class Standing:
    """What one person is to one loop, and the loop's state that the rules depend on."""

    user_id: str
    is_creator: bool = False
    is_admin: bool = False
    is_recruiter: bool = False
    letters: frozenset[str] = field(default_factory=frozenset)
    """RACI letters held on any round."""
    round_letters: dict[int, frozenset[str]] = field(default_factory=dict)
    """RACI letters by round number."""
    submitted_all: bool = False
    """Runs at least one live round and has submitted the scorecard of every one."""
    only_on_finalists: bool = False
    """Holds only roles the document reserves for finalists (the executive sponsor)."""
    debrief_open: bool = False
    finalist: bool = False
    decided: bool = False
    """The hiring manager has decided: the loop's rounds no longer change (`bot.loops.status`)."""


def _holds(who: Standing, letter: str) -> bool:
    return letter in who.letters


def told_of_loop(*, finalists_only: bool, finalist: bool) -> bool:
    """A role the document informs "on finalists only" hears of a loop once the hiring manager
    has marked the candidate a finalist; every other role from the start."""
    return not finalists_only or finalist


def _informed_now(who: Standing) -> bool:
    return told_of_loop(finalists_only=who.only_on_finalists, finalist=who.finalist)


def _done_interviewer(who: Standing) -> bool:
    """Runs rounds in the loop and has submitted every one of their scorecards."""
    return who.submitted_all


def can(
    action: Action,
    who: Standing,
    *,
    round: int | None = None,
    author: str = "",
    briefed: bool = False,
) -> bool:
    """The rule table."""
    involved = bool(who.letters) or who.is_creator or who.is_recruiter
    if action is Action.VIEW_STATUS:
        return who.is_admin or (involved and _informed_now(who))
    if action is Action.HEAR_OF_LOOP:
        return involved and _informed_now(who)
    if action in (Action.CHANGE, Action.CANCEL, Action.NUDGE):
        return _holds(who, "A") or who.is_recruiter or who.is_creator or who.is_admin
    if action is Action.MARK_RECEIVED:
        return who.is_recruiter or who.is_creator or who.is_admin
    if action is Action.WRITE_SCORECARD:
        # "T": a trainee shadowing or reverse-shadowing the round writes one too (not counted).
        return bool(who.round_letters.get(round or 0, frozenset()) & {"R", "T"})
    if action is Action.DECLINE_ROUND:
        # A trainee says so too: they leave the round, which goes on without them. An
        # interviewer's would need a replacement, a swap, which a decided loop no longer takes.
        letters = who.round_letters.get(round or 0, frozenset())
        return "T" in letters or ("R" in letters and not who.decided)
    if action is Action.READ_SCORECARD:
        if author and author == who.user_id:
            return True
        lead_or_manager = _holds(who, "A") or _holds(who, "C")
        # An interviewer sees the others only once their own are in, so nobody anchors on them.
        return (lead_or_manager and who.debrief_open) or _done_interviewer(who)
    if action is Action.READ_PRIVATE_NOTE:
        return (bool(author) and author == who.user_id) or _holds(who, "A")
    if action is Action.READ_GUIDE:
        # "O": the round's observer, in the room with the guide but writing no scorecard.
        return bool(who.round_letters.get(round or 0, frozenset()) & {"R", "T", "O", "A", "C"})
    if action is Action.READ_CANDIDATE_BRIEF:
        if round is None:
            return _holds(who, "A") or _holds(who, "C")
        return briefed and bool(who.round_letters.get(round, frozenset()) & {"R", "T", "A", "C"})
    if action is Action.READ_DEBRIEF:
        return _holds(who, "A") or _holds(who, "C") or _done_interviewer(who)
    if action is Action.KNOW_DECISION:
        return can(Action.READ_DEBRIEF, who) or (_holds(who, "I") and _informed_now(who))
    if action in (Action.OPEN_DEBRIEF, Action.DECIDE, Action.MARK_FINALIST):
        return _holds(who, "A")
    if action is Action.EXPORT:
        return _holds(who, "A") or who.is_admin
    if action is Action.CALIBRATE:
        return _holds(who, "C") or who.is_admin
    return False


def observes(who: Standing, round: int) -> bool:
    """Whether the person only observes the round: in the room with its guide, writing no
    scorecard (the messages they get say so)."""
    held = who.round_letters.get(round, frozenset())
    return "O" in held and "R" not in held


def trains(who: Standing, round: int) -> bool:
    """Whether the person is a trainee on the round (shadowing or reverse-shadowing it)."""
    return "T" in who.round_letters.get(round, frozenset())


def part_in_round(who: Standing, round: int) -> str:
    """The RACI letter a round's guide speaks to the person as: its interviewer (R, a trainee
    too), else its hiring manager (A) or interview lead (C) reading it."""
    held = who.round_letters.get(round, frozenset())
    return next((x for x in ("A", "C") if x in held and not held & {"R", "T"}), "R")


def calibrates_every_loop(who: Standing) -> bool:
    """Whether CALIBRATE lets the person calibrate loops they hold no letter in (admins)."""
    return can(Action.CALIBRATE, Standing(who.user_id, is_admin=who.is_admin))


REFUSALS = {
    Action.VIEW_STATUS: "You're not part of loop {loop}.",
    Action.CHANGE: "Only the loop's hiring manager, recruiter, creator or a loopbot admin can "
    "change loop {loop}.",
    Action.CANCEL: "Only the loop's hiring manager, recruiter, creator or a loopbot admin can "
    "cancel loop {loop}.",
    Action.MARK_RECEIVED: "Only the loop's recruiter, creator or a loopbot admin can mark a "
    "submission received in loop {loop}.",
    Action.WRITE_SCORECARD: "Only the interviewer of round {round} can write its scorecard.",
    Action.READ_SCORECARD: "Scorecards of loop {loop} are not open to you.",
    Action.READ_PRIVATE_NOTE: "Private notes are for the hiring manager only.",
    Action.READ_GUIDE: "The guide of round {round} is for its interviewer, hiring manager and "
    "interview lead.",
    Action.OPEN_DEBRIEF: "Only the loop's hiring manager can open the debrief early.",
    Action.READ_DEBRIEF: "The debrief of loop {loop} is not open to you.",
    Action.DECIDE: "Only the loop's hiring manager can record the decision.",
    Action.MARK_FINALIST: "Only the loop's hiring manager can mark the candidate a finalist.",
    Action.HEAR_OF_LOOP: "You're not part of loop {loop}.",
    Action.EXPORT: "Only the hiring manager or an admin can export loop {loop}.",
    Action.CALIBRATE: "Calibration is for interview leads and admins.",
    Action.READ_CANDIDATE_BRIEF: "The candidate's documents brief another round.",
    Action.NUDGE: "Only the loop's hiring manager, recruiter, creator or a loopbot admin can "
    "nudge its interviewers.",
    Action.DECLINE_ROUND: "Only the interviewer or trainee of round {round} can say they can't "
    "make it.",
}


def require(
    action: Action, who: Standing, *, loop: str = "", round: int | None = None, author: str = ""
) -> None:
    if not can(action, who, round=round, author=author):
        raise NotAllowed(
            REFUSALS[action].format(loop=f"`{loop}`" if loop else "", round=round or "")
        )
