"""The baseline for `ack_latency.py`: a bare Slack Bolt app served by waitress.

It verifies every request's signature, as loopbot does, and answers the same command, action
and view ids with listeners that only acknowledge. No database, documents or Slack calls.

With BARE_SLACK_CALLS=1 it is the floor instead: each listener, after acknowledging, makes the
one Slack call a person is waiting for after such a request, the cheapest way loopbot knows
(kept-alive connections, `bot/slack/transport.py`): an answer on the command's response URL, a
modal opened for the click, a direct message for the submission. Still no database or documents.

Configured from the same environment as `loopbot serve`: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SLACK_API_URL, HOST, PORT, LOOPBOT_THREADS and LOOPBOT_PROCESSES. GET /healthz answers 200
once it is serving.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import serve_forever
from bot.slack.transport import PooledWebClient

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
COMMAND = "/loop"
ACTION_ID = "loop_card_reschedule"
VIEW_ID = "scorecard_submit"


def create_bare_app(
    *, signing_secret: str, token: str, api_url: str, threads: int, slack_calls: bool = False
) -> App:
    """A Bolt app with loopbot's request settings and no-op listeners (with `slack_calls`, each
    followed by the Slack call the request leads to)."""
    client = PooledWebClient(token=token, base_url=api_url) if slack_calls else None
    app = App(
        signing_secret=signing_secret,
        client=client or WebClient(token=token, base_url=api_url),
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="listener"),
    )

    def just_ack(ack: Ack) -> None:
        ack()

    if client is None:
        app.command(COMMAND)(just_ack)
        app.action(ACTION_ID)(just_ack)
        app.view(VIEW_ID)(just_ack)
        return app

    def answer(ack: Ack, body: dict) -> None:
        ack()
        answer = json.dumps({"response_type": "ephemeral", "text": "Your loops: none."}).encode()
        client.pool.post(body["response_url"], answer, {"Content-Type": "application/json"})

    def open_modal(ack: Ack, body: dict) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    def receipt(ack: Ack, body: dict) -> None:
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Scorecard received.")

    app.command(COMMAND)(answer)
    app.action(ACTION_ID)(open_modal)
    app.view(VIEW_ID)(receipt)
    return app


MODAL = {
    "type": "modal",
    "callback_id": "bare_modal",
    "title": {"type": "plain_text", "text": "Reschedule a round"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Pick a round."}}],
}


def make_wsgi_app(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"ok": True}).encode()]
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return wsgi


def main() -> int:
    env = os.environ
    missing = [name for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if not env.get(name)]
    if missing:
        print(f"bare_app needs {', '.join(missing)}", file=sys.stderr)
        return 2
    threads = int(env.get("LOOPBOT_THREADS", "8"))

    def build() -> tuple[Callable[[dict, Callable], Iterable[bytes]], Callable[[], None]]:
        app = create_bare_app(
            signing_secret=env["SLACK_SIGNING_SECRET"],
            token=env["SLACK_BOT_TOKEN"],
            api_url=env.get("SLACK_API_URL", "https://slack.com/api/"),
            threads=threads,
            slack_calls=env.get("BARE_SLACK_CALLS") == "1",
        )
        return make_wsgi_app(app), lambda: None

    host, port = env.get("HOST", "127.0.0.1"), int(env.get("PORT", "3000"))
    print(f"bare app listening on {host}:{port}", file=sys.stderr)
    # The same server as `loopbot serve`, with as many processes (LOOPBOT_PROCESSES).
    return serve_forever(
        build,
        listener=socket.create_server((host, port), backlog=1024),
        threads=threads,
        processes=int(env.get("LOOPBOT_PROCESSES", "1")),
    )


if __name__ == "__main__":
    sys.exit(main())
