"""Who may do what to a loop: the one place these rules live."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.errors import NotAllowed


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    CANCEL = "cancel"
    SUBMIT_SCORECARD = "submit_scorecard"
    READ_SCORECARDS = "read_scorecards"
    READ_PRIVATE_NOTES = "read_private_notes"
    DECIDE = "decide"
    EXPORT = "export"
    CALIBRATE = "calibrate"
    READ_CANDIDATE_BRIEF = "read_candidate_brief"


@dataclass(frozen=True)
class Standing:
    """What one person is to one loop."""

    user_id: str
    creator: bool = False
    admin: bool = False
    letters: frozenset[str] = field(default_factory=frozenset)
    recruiter: bool = False

    @property
    def accountable(self) -> bool:
        return "A" in self.letters

    @property
    def consulted(self) -> bool:
        return "C" in self.letters

    @property
    def involved(self) -> bool:
        return bool(self.letters) or self.creator or self.recruiter


def can(
    action: Action, who: Standing, *, debrief_open: bool = False, briefed: bool = False
) -> bool:
    """The rule table. Scorecard content before the debrief opens is decided per scorecard.
    `briefed`: the round in question is one the candidate's own documents brief."""
    if action is Action.VIEW:
        return who.involved or who.admin
    if action in (Action.CHANGE, Action.CANCEL):
        return who.accountable or who.recruiter or who.creator or who.admin
    if action is Action.SUBMIT_SCORECARD:
        return "R" in who.letters
    if action is Action.READ_SCORECARDS:
        return (who.accountable or who.consulted) and debrief_open
    if action is Action.READ_PRIVATE_NOTES:
        return who.accountable
    if action is Action.DECIDE:
        return who.accountable
    if action is Action.EXPORT:
        return who.accountable or who.recruiter or who.admin
    if action is Action.CALIBRATE:
        return who.consulted or who.admin
    if action is Action.READ_CANDIDATE_BRIEF:
        # The hiring manager and interview lead read a candidate's documents whole; an
        # interviewer only for the round those documents were written for.
        return who.accountable or who.consulted or ("R" in who.letters and briefed)
    return False


REFUSALS = {
    Action.VIEW: "You're not part of loop {loop}.",
    Action.CHANGE: "Only the loop's hiring manager, recruiter, creator or a loopbot admin can "
    "change loop {loop}.",
    Action.CANCEL: "Only the loop's hiring manager, recruiter, creator or a loopbot admin can "
    "cancel loop {loop}.",
    Action.SUBMIT_SCORECARD: "Only the round's interviewer can submit its scorecard.",
    Action.READ_SCORECARDS: "Scorecards of loop {loop} are not open to you yet.",
    Action.READ_PRIVATE_NOTES: "Private notes are for the hiring manager only.",
    Action.DECIDE: "Only the loop's hiring manager can record the decision.",
    Action.EXPORT: "Only the hiring manager, recruiter or an admin can export loop {loop}.",
    Action.CALIBRATE: "Calibration is for interview leads and admins.",
    Action.READ_CANDIDATE_BRIEF: "The candidate's documents brief another round.",
}


def require(action: Action, who: Standing, *, loop: str = "", debrief_open: bool = False) -> None:
    if not can(action, who, debrief_open=debrief_open):
        raise NotAllowed(REFUSALS[action].format(loop=loop))
