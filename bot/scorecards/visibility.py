"""Who may read which scorecard: blind until you submit; status only for the Informed."""

from __future__ import annotations

from bot.authz import Standing


def may_read(viewer: Standing, *, author: str, viewer_submitted: bool, debrief_open: bool) -> bool:
    """Scorecard content (not its private note)."""
    if viewer.user_id == author:
        return True
    if (viewer.accountable or viewer.consulted) and debrief_open:
        return True
    # An interviewer sees the others only once their own is in, so nobody anchors on them.
    return "R" in viewer.letters and viewer_submitted


def may_read_private_note(viewer: Standing, *, author: str) -> bool:
    """Private notes are written for the Accountable, and never shown to anyone else."""
    return viewer.user_id == author or viewer.accountable


def may_see_status(viewer: Standing) -> bool:
    """Who has submitted (never what): everyone involved in the loop."""
    return viewer.involved or viewer.admin
