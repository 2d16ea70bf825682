"""Who may do what, in one table: every role against every action."""

from __future__ import annotations

import pytest

from bot.authz import Action, Standing, can
from bot.scorecards.visibility import may_read, may_read_private_note

ROLES = {
    "accountable (HM)": Standing("U1", letters=frozenset("A")),
    "consulted (IL)": Standing("U2", letters=frozenset("C")),
    "responsible (PI)": Standing("U3", letters=frozenset("R")),
    "recruiter (REC)": Standing("U4", letters=frozenset("I"), recruiter=True),
    "informed (XS)": Standing("U5", letters=frozenset("I")),
    "creator": Standing("U6", creator=True),
    "admin": Standing("U7", admin=True),
    "stranger": Standing("U8"),
}
A, C, R, REC, XS, CREATOR, ADMIN, NOBODY = ROLES
# action → the roles allowed (debrief closed; reading scorecards has its own table below)
ALLOWED = {
    Action.VIEW: {A, C, R, REC, XS, CREATOR, ADMIN},
    Action.CHANGE: {A, REC, CREATOR, ADMIN},
    Action.CANCEL: {A, REC, CREATOR, ADMIN},
    Action.SUBMIT_SCORECARD: {R},
    Action.READ_SCORECARDS: set(),
    Action.READ_PRIVATE_NOTES: {A},
    Action.DECIDE: {A},
    Action.EXPORT: {A, REC, ADMIN},
    Action.CALIBRATE: {C, ADMIN},
    Action.READ_CANDIDATE_BRIEF: {A, C},
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_action(role: str, action: Action) -> None:
    assert can(action, ROLES[role]) is (role in ALLOWED[action])


def test_reading_scorecards_opens_for_a_and_c_with_the_debrief() -> None:
    allowed = {r for r in ROLES if can(Action.READ_SCORECARDS, ROLES[r], debrief_open=True)}
    assert allowed == {A, C}


def test_an_interviewer_reads_the_candidates_documents_only_for_the_round_they_brief() -> None:
    allowed = {r for r in ROLES if can(Action.READ_CANDIDATE_BRIEF, ROLES[r], briefed=True)}
    assert allowed == {A, C, R}


# (role, viewer has submitted their own, debrief open) → reads another's scorecard
READS = [
    (R, False, False, False),
    (R, True, False, True),
    (R, False, True, False),
    (A, False, False, False),
    (A, False, True, True),
    (C, False, False, False),
    (C, False, True, True),
    (REC, False, True, False),
    (XS, False, True, False),
    (CREATOR, False, True, False),
    (ADMIN, False, True, False),
    (NOBODY, False, True, False),
]


@pytest.mark.parametrize(("role", "submitted", "debrief", "reads"), READS)
def test_blind_until_you_submit(role, submitted, debrief, reads) -> None:
    assert (
        may_read(ROLES[role], author="U9", viewer_submitted=submitted, debrief_open=debrief)
        is reads
    )


def test_authors_always_read_their_own_and_only_a_reads_private_notes() -> None:
    for role, who in ROLES.items():
        assert may_read(who, author=who.user_id, viewer_submitted=False, debrief_open=False)
        assert may_read_private_note(who, author="U9") is (role == A)
