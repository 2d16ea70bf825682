"""Use cases: one function per thing a person does in Slack.

Each takes the runtime and the person acting, checks the permission through `bot.authz`, applies
the policy (offsets, caps, defaults), changes the store, and returns what the listener shows.
Work that may wait until Slack has been acknowledged (announcements, card refreshes) comes back
as `Done.then`, which the listener runs after its acknowledgement. Listeners in `handlers/` call
exactly one of these; nothing here imports a listener.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Done:
    """What a change tells the person who made it, and the follow-ups to run after the ack."""

    text: str
    then: Callable[[], None] = field(default=_nothing)
    loop_id: int | None = None
    """The loop the change was about, so a confirmation sent by DM can be erased with it."""
