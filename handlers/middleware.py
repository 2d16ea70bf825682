"""Cross-cutting request handling: correlation ids, once-only events, the one error handler."""

from __future__ import annotations

import logging
import uuid

from slack_bolt import App, BoltResponse

from bot.errors import LoopbotError
from bot.events import claim_event
from bot.logs import exception_summary
from bot.runtime import Runtime
from handlers.requests import acting_user

log = logging.getLogger("loopbot.requests")


def register(app: App, runtime: Runtime) -> None:
    def tag_request(context: dict, next_) -> BoltResponse | None:
        context["correlation_id"] = uuid.uuid4().hex[:12]
        return next_()

    def process_events_once(body: dict, context: dict, next_) -> BoltResponse | None:
        # Slack retries events it thinks we missed (X-Slack-Retry-Num) and can deliver twice;
        # the event id is claimed in the database so every replica agrees on who took it.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not claim_event(runtime.db, event_id):
            log.info(
                "duplicate event skipped",
                extra={"correlation_id": context.get("correlation_id"), "event_id": event_id},
            )
            return BoltResponse(status=200, body="")
        return next_()

    def handle_error(error: Exception, body: dict, context: dict) -> None:
        ref = context.get("correlation_id", "-")
        if isinstance(error, LoopbotError):
            message = error.user_message
            log.info(
                "request refused", extra={"correlation_id": ref, "error": type(error).__name__}
            )
        else:
            message = (
                f"Something went wrong on loopbot's side (ref `{ref}`). Please try again; "
                "if it keeps happening, give your loopbot admin that reference."
            )
            log.error(
                "unhandled error: %s", exception_summary(error), extra={"correlation_id": ref}
            )
        _tell(runtime, body, message)

    app.use(tag_request)
    app.use(process_events_once)
    app.error(handle_error)


def _tell(runtime: Runtime, body: dict, message: str) -> None:
    """Reach the person privately: the response URL when Slack gave one, else their DM."""
    response_url = body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls", [])), None
    )
    try:
        if response_url:
            runtime.messenger.respond(response_url, text=message)
        elif user := acting_user(body):
            runtime.messenger.dm(user, text=message)
    except LoopbotError:
        log.warning("could not tell the user about an error")
