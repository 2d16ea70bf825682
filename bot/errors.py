"""Domain errors: each carries a short message the person in Slack can act on."""

from __future__ import annotations


class LoopbotError(Exception):
    """An expected failure; `user_message` is shown to the person, never candidate data in logs."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


class NotAllowed(LoopbotError):
    """The person lacks the role this action needs."""


class NotFound(LoopbotError):
    """A loop, round or document the person referred to does not exist (for them)."""


class InvalidInput(LoopbotError):
    """What the person typed or picked cannot be used."""


class FieldProblems(InvalidInput):
    """A modal's answers that cannot be used; `errors` name the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class SlackUnavailable(LoopbotError):
    """Slack refused or failed after retries; the person should try again."""


DM_REFUSED_FOR_GOOD = frozenset(
    {
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "not_allowed_token_type",
        "invalid_auth",
        "missing_scope",
    }
)
"""Refusals of a DM no retry can fix: the person or their DM is gone, or the token may not."""
