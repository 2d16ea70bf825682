"""Cross-cutting request handling: correlation ids, once-only events, the one error handler.

Every listener is registered through `Listeners`, which wraps it in `report_errors`: a domain
error becomes a short private message the person can act on; anything else is logged with a
correlation id (never its message, which may quote candidate data) and the person gets that id.
Errors are handled here rather than left to Bolt, so a listener that acknowledged and then
failed still answers Slack in time.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.kwargs_injection import Args

from bot.app import Done
from bot.app.loops import confirm_by_dm
from bot.errors import LoopbotError
from bot.events import claim_event
from bot.logs import exception_summary
from bot.runtime import Runtime
from bot.slack.messenger import Responder
from bot.store import UNAVAILABLE
from handlers.requests import acting_user

log = logging.getLogger("loopbot.requests")


def register(app: App, runtime: Runtime) -> None:
    # One middleware, not one per concern: Bolt builds every argument a middleware could take
    # for each one it runs.
    def tag_request_and_process_events_once(
        body: dict, context: dict, next_
    ) -> BoltResponse | None:
        context["correlation_id"] = uuid.uuid4().hex[:12]
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
        report(runtime, error, body, context)

    app.use(tag_request_and_process_events_once)
    app.error(handle_error)


def report(runtime: Runtime, error: Exception, body: dict, context: dict) -> None:
    """Tell the person what went wrong, privately; log without candidate data."""
    ref = context.get("correlation_id", "-")
    if isinstance(error, LoopbotError):
        message = error.user_message
        log.info("request refused", extra={"correlation_id": ref, "error": type(error).__name__})
    elif isinstance(error, UNAVAILABLE):
        message = "loopbot's database is busy right now; please try again in a moment."
        log.warning(
            "database unavailable: %s", exception_summary(error), extra={"correlation_id": ref}
        )
    else:
        message = (
            f"Something went wrong on loopbot's side (ref `{ref}`). Please try again; "
            "if it keeps happening, give your loopbot admin that reference."
        )
        log.error("unhandled error: %s", exception_summary(error), extra={"correlation_id": ref})
    _tell(runtime, body, message)


def report_errors(runtime: Runtime, listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a listener so its errors are reported, and Slack is acknowledged even when it fails
    before calling ack(). A listener that names a `runtime` parameter is given the runtime."""
    own = list(inspect.signature(listener).parameters)

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> Any:
        ack = kwargs.get("ack")
        acked: list[bool] = []

        def ack_once(*args: Any, **more: Any) -> Any:
            acked.append(True)
            return ack(*args, **more) if ack else None

        mine = {k: (ack_once if k == "ack" else v) for k, v in kwargs.items() if k in own}
        if "runtime" in own:
            mine["runtime"] = runtime
        if "respond" in mine:  # answers go out on the messenger's kept-alive connections
            mine["respond"] = Responder(runtime.messenger, kwargs["respond"].response_url)
        try:
            return listener(**mine)
        except Exception as error:  # noqa: BLE001 - reported to the person and logged
            if ack and not acked:
                if isinstance(error, LoopbotError) and "command" in kwargs["body"]:
                    ack(text=error.user_message, response_type="ephemeral")
                    return None
                ack()
            report(runtime, error, kwargs["body"], kwargs["context"])
            return None

    params = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in dict.fromkeys([*own, "ack", "body", "context"])
        if name != "runtime"
    ]
    guarded.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    del guarded.__wrapped__  # type: ignore[attr-defined]
    return guarded


def later(runtime: Runtime, body: dict, work: Callable[[], Any]) -> None:
    """Run `work` after the acknowledgement, off the listener pool, once no request is waiting
    for its own acknowledgement (`AckGate`); its errors reach the person like any other."""

    def run() -> None:
        try:
            runtime.acks.wait_quiet()
            work()
        except Exception as error:  # noqa: BLE001 - reported to the person and logged
            report(runtime, error, body, {})

    runtime.after_ack.submit(run)


def answer(
    runtime: Runtime, respond: Any, body: dict, actor: str, done: Done, **fields: Any
) -> None:
    """Answer a change made by a command or a click, then run its follow-ups after the
    acknowledgement (a change made from a modal is answered by `confirm_by_dm` alone).

    The change is made either way, so its follow-ups (the card, the people to tell) run
    whether or not the answer got through: an answer with no response URL (App Home), or one
    Slack refused or did not answer (an expired URL), goes to their DM instead."""
    if getattr(respond, "response_url", None):
        try:
            respond(text=done.text, response_type="ephemeral", **fields)
        except LoopbotError:
            log.warning("the answer's response URL was refused or unanswered; it goes by DM")
        else:
            later(runtime, body, done.then)
            return
    later(runtime, body, lambda: confirm_by_dm(runtime, actor=actor, done=done))


def _key(kind: str, body: dict) -> str | None:
    """The id a request of `kind` is routed by: the command, the first action's id, the view's
    callback id or the event's type."""
    if kind == "command":
        return body.get("command")
    if kind == "action":
        actions = body.get("actions") or [{}]
        return actions[0].get("action_id")
    if kind == "event":
        return (body.get("event") or {}).get("type")
    return (body.get("view") or {}).get("callback_id")


def _router(kind: str, routes: dict[str, tuple[Callable[..., Any], tuple[str, ...]]]):
    def route(args: Args) -> Any:
        guarded, names = routes[_key(kind, args.body)]  # type: ignore[index]
        return guarded(**{name: getattr(args, name) for name in names})

    return route


# The Slack interaction each kind of listener answers; handlers/http.py lets through no other.
INTERACTIONS = {"action": "block_actions", "view": "view_submission", "view_closed": "view_closed"}


class Listeners:
    """Registration that always goes through `report_errors`; `install()` once all are in.

    Bolt tries its listeners one after the other and, for each try, builds every argument a
    listener could take; with loopbot's thirty listeners that was about half of Bolt's CPU per
    request. So Bolt holds one listener per kind (command, action, view, view_closed, event),
    matching exactly the ids registered, which finds the listener for the request's id in a
    table; an id nobody registered matches nothing, as before.
    """

    def __init__(self, app: App, runtime: Runtime):
        self.app = app
        self.runtime = runtime
        self._routes: dict[str, dict[str, tuple[Callable[..., Any], tuple[str, ...]]]] = {}
        self._installed = False

    def _add(self, kind: str, key: str, listener: Callable[..., Any]) -> None:
        if self._installed:
            raise ValueError(f"the {kind} {key!r} is registered after install()")
        if kind not in INTERACTIONS and kind not in ("command", "event"):
            raise ValueError(f"a {kind} listener answers no interaction in INTERACTIONS")
        routes = self._routes.setdefault(kind, {})
        if key in routes:
            raise ValueError(f"two listeners for the {kind} {key!r}")
        guarded = report_errors(self.runtime, listener)
        routes[key] = (guarded, tuple(inspect.signature(guarded).parameters))

    def install(self) -> None:
        """Hand Bolt one listener per kind, for exactly the ids registered."""
        self._installed = True
        for kind, routes in self._routes.items():
            ids = re.compile(r"\A(?:" + "|".join(re.escape(key) for key in routes) + r")\Z")
            getattr(self.app, kind)(ids)(_router(kind, routes))

    def command(self, name: str, listener: Callable[..., Any]) -> None:
        self._add("command", name, listener)

    def action(self, action_id: str, listener: Callable[..., Any]) -> None:
        self._add("action", action_id, listener)

    def view(self, callback_id: str, listener: Callable[..., Any]) -> None:
        self._add("view", callback_id, listener)

    def view_closed(self, callback_id: str, listener: Callable[..., Any]) -> None:
        self._add("view_closed", callback_id, listener)

    def event(self, name: str, listener: Callable[..., Any]) -> None:
        self._add("event", name, listener)


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
