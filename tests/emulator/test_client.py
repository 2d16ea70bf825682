"""The Slack side of inbound traffic: signed requests to a bot, modal forms, acks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.emulator import FormError, ModalForm, SlackClient, SlackEmulator

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signed: bool

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.form["payload"])

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


Answer = Callable[[Received], tuple[int, str]]


class Receiver:
    """A stand-in bot endpoint that checks Slack's signature and answers as told."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer: Answer = lambda request: (200, "")
        verifier = SignatureVerifier(SECRET)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                got = Received(headers, body, verifier.is_valid_request(body, headers))
                outer.received.append(got)
                status, text = outer.answer(got) if got.signed else (401, "")
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def client(bot: Receiver, emulator: SlackEmulator) -> SlackClient:
    return SlackClient(bot.url, SECRET, emulator)


LEVELS = [
    {"text": {"type": "plain_text", "text": "Senior"}, "value": "senior"},
    {"text": {"type": "plain_text", "text": "Staff"}, "value": "staff"},
]


def field(label: str, block_id: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    block = {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label}}
    return block | {"element": {"action_id": "v"} | element} | extra


NEW_LOOP = {
    "type": "modal",
    "callback_id": "new_loop",
    "title": {"type": "plain_text", "text": "New loop"},
    "submit": {"type": "plain_text", "text": "Create"},
    "notify_on_close": True,
    "blocks": [
        field("Candidate name", "name", {"type": "plain_text_input", "max_length": 80}),
        field("Hiring Manager (HM)", "hm", {"type": "users_select"}),
        field("Panel", "panel", {"type": "multi_users_select"}, optional=True),
        field("Level", "level", {"type": "static_select", "options": LEVELS}),
        field("Channel", "channel", {"type": "conversations_select"}, optional=True),
        field("Date", "date", {"type": "datepicker", "initial_date": "2025-11-03"}),
        field("Time", "time", {"type": "timepicker"}, optional=True),
        field("Starts", "starts", {"type": "datetimepicker"}, optional=True),
        field("Remote?", "remote", {"type": "radio_buttons", "options": LEVELS}, optional=True),
        field("Tracks", "tracks", {"type": "checkboxes", "options": LEVELS}, optional=True),
        field("Rounds", "rounds", {"type": "number_input", "is_decimal_allowed": False}),
        field("Recruiter email", "email", {"type": "email_text_input"}, optional=True),
        field("Job post", "url", {"type": "url_text_input"}, optional=True),
    ],
}


def open_modal(emulator: SlackEmulator, user: str, view: dict[str, Any]) -> dict[str, Any]:
    slack = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    return slack.views_open(trigger_id=emulator.issue_trigger_id(user), view=view)["view"]


# signing -------------------------------------------------------------------------------------


def test_requests_are_signed_like_slack(client: SlackClient, bot: Receiver) -> None:
    client.url_verification("challenge-123")
    (request,) = bot.received
    assert request.signed and request.json["challenge"] == "challenge-123"
    ts = request.headers["X-Slack-Request-Timestamp"]
    expected = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=request.body)
    assert client.sign(request.body, ts) == expected == request.headers["X-Slack-Signature"]


def test_unsigned_bad_and_stale_requests_are_rejected(client: SlackClient, bot: Receiver) -> None:
    body = b'{"type": "url_verification", "challenge": "x"}'
    assert client.send_raw(body, {"Content-Type": "application/json"}).status == 401
    now = int(time.time())
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    assert client.send_raw(body, forged).status == 401
    stale = client.signed_headers(body, "application/json", timestamp=now - 301)
    assert client.send_raw(body, stale).status == 401
    assert [r.signed for r in bot.received] == [False, False, False]


# slash commands and clicks --------------------------------------------------------------------


def test_command_carries_a_usable_trigger_and_response_url(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    reply = client.command("maya.hm", "/loop", "new Ada Lovelace")
    form = bot.received[0].form
    assert reply.status == 200
    assert (form["command"], form["text"], form["user_id"]) == (
        "/loop",
        "new Ada Lovelace",
        "U0HM00001",
    )
    assert form["channel_id"] == "D0HM00001" and form["team_id"] == "T0LOOPBOT"
    slack = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    slack.views_open(trigger_id=form["trigger_id"], view=NEW_LOOP)
    assert emulator.open_views("maya.hm")[0]["callback_id"] == "new_loop"
    WebhookClient(form["response_url"]).send(text="Opening the form…")
    assert emulator.responses(form["response_url"]) == [{"text": "Opening the form…"}]


def test_command_ack_body_is_shown_to_the_user(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    bot.answer = lambda request: (200, json.dumps({"text": "Working on it"}))
    client.command("maya.hm", "/loop", "status")
    (shown,) = emulator.messages_in("D0HM00001", include_ephemeral=True)
    assert shown.text == "Working on it" and shown.ephemeral_for == "U0HM00001"


def test_click_on_a_message_button(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    slack = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    blocks = [
        {
            "type": "actions",
            "block_id": "rsvp",
            "elements": [
                {
                    "type": "button",
                    "action_id": "accept",
                    "text": {"type": "plain_text", "text": "Accept"},
                    "value": "loop-7",
                    "style": "primary",
                }
            ],
        }
    ]
    slack.chat_postMessage(channel="U0PN00002", text="Can you interview?", blocks=blocks)
    (message,) = emulator.dms_to("grace.chi")
    client.click("grace.chi", "accept", message=message)
    payload = bot.received[0].payload
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "U0PN00002"
    action = payload["actions"][0]
    assert (action["block_id"], action["value"], action["type"]) == ("rsvp", "loop-7", "button")
    assert payload["container"]["message_ts"] == message.ts
    with pytest.raises(FormError, match="accept"):
        client.click("grace.chi", "decline", message=message)
    WebhookClient(payload["response_url"]).send(text="Thanks, you're in", replace_original=True)
    (replaced,) = emulator.dms_to("grace.chi")
    assert (replaced.text, replaced.blocks) == ("Thanks, you're in", None)


def test_select_in_an_open_modal(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    view = open_modal(emulator, "maya.hm", NEW_LOOP)
    client.click("maya.hm", "v", "staff", block_id="level", view=view)
    payload = bot.received[0].payload
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["actions"][0]["selected_option"]["value"] == "staff"
    assert payload["view"]["state"]["values"]["date"]["v"]["selected_date"] == "2025-11-03"


# modal forms ---------------------------------------------------------------------------------


def test_modal_form_fill_matches_slack_state_shapes(emulator: SlackEmulator) -> None:
    form = ModalForm(NEW_LOOP, emulator.workspace)
    values = form.fill(
        {
            "Candidate name": "Ada Lovelace",
            "Hiring Manager (HM)": "maya.hm",
            "Panel": ["U0PN00001", "ananya.blr"],
            "Level": "Staff",
            "Channel": "#hiring",
            "Time": "14:30",
            "Starts": datetime(2025, 11, 3, 14, 30, tzinfo=UTC),
            "Remote?": "senior",
            "Tracks": ["senior", "Staff"],
            "Rounds": 4,
            "Recruiter email": "oliver@example.com",
        }
    )
    staff = {"text": {"type": "plain_text", "text": "Staff"}, "value": "staff"}
    assert values["name"] == {"v": {"type": "plain_text_input", "value": "Ada Lovelace"}}
    assert values["hm"]["v"] == {"type": "users_select", "selected_user": "U0HM00001"}
    assert values["panel"]["v"]["selected_users"] == ["U0PN00001", "U0PN00004"]
    assert values["level"]["v"] == {"type": "static_select", "selected_option": staff}
    assert values["channel"]["v"]["selected_conversation"] == "C0HIRING1"
    assert values["date"]["v"] == {"type": "datepicker", "selected_date": "2025-11-03"}
    assert values["time"]["v"]["selected_time"] == "14:30"
    assert values["starts"]["v"]["selected_date_time"] == 1762180200
    assert values["remote"]["v"]["selected_option"]["value"] == "senior"
    assert [o["value"] for o in values["tracks"]["v"]["selected_options"]] == ["senior", "staff"]
    assert values["rounds"]["v"] == {"type": "number_input", "value": "4"}
    assert values["url"]["v"] == {"type": "url_text_input", "value": None}
    assert form.problems(values) == []


def test_modal_form_empty_shapes_and_required_fields() -> None:
    form = ModalForm(NEW_LOOP)
    values = form.fill({"Date": date(2025, 12, 1)})
    assert values["level"]["v"] == {"type": "static_select", "selected_option": None}
    assert values["panel"]["v"] == {"type": "multi_users_select", "selected_users": []}
    assert values["date"]["v"]["selected_date"] == "2025-12-01"
    assert "'Candidate name' is required" in form.problems(values)
    too_long = form.fill({"Candidate name": "x" * 81})
    assert any("longer than 80" in p for p in form.problems(too_long))


def test_modal_form_unknown_label_lists_the_fields() -> None:
    with pytest.raises(FormError, match="Candidate name"):
        ModalForm(NEW_LOOP).fill({"Candidate": "Ada"})
    with pytest.raises(FormError, match="Senior"):
        ModalForm(NEW_LOOP).fill({"Level": "Principal"})


def test_submit_then_empty_ack_closes_the_modal(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    view = open_modal(emulator, "maya.hm", NEW_LOOP)
    form = ModalForm(view, emulator.workspace)
    values = form.fill(
        {"Candidate name": "Ada", "Hiring Manager (HM)": "maya.hm", "Level": "senior"}
    )
    with pytest.raises(FormError, match="Rounds"):
        client.submit("maya.hm", view, values)
    values = form.fill(
        {"Candidate name": "Ada", "Hiring Manager (HM)": "maya.hm", "Level": "senior", "Rounds": 4}
    )
    client.submit("maya.hm", view, values)
    payload = bot.received[0].payload
    assert payload["type"] == "view_submission" and payload["view"]["id"] == view["id"]
    assert payload["view"]["state"]["values"]["name"]["v"]["value"] == "Ada"
    assert emulator.open_views("maya.hm") == []


def test_submit_answered_with_errors_or_update(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    view = open_modal(emulator, "maya.hm", NEW_LOOP)
    values = ModalForm(view).fill(
        {
            "Candidate name": "Ada",
            "Hiring Manager (HM)": "U0HM00001",
            "Level": "senior",
            "Rounds": 3,
        }
    )
    errors = {"response_action": "errors", "errors": {"name": "Already in a loop"}}
    bot.answer = lambda request: (200, json.dumps(errors))
    assert client.submit("maya.hm", view, values).json == errors
    assert [v["id"] for v in emulator.open_views("maya.hm")] == [view["id"]]
    done = dict(NEW_LOOP, title={"type": "plain_text", "text": "Loop created"}, blocks=[])
    del done["submit"]
    bot.answer = lambda request: (200, json.dumps({"response_action": "update", "view": done}))
    client.submit("maya.hm", view, values)
    assert emulator.open_views("maya.hm")[0]["title"]["text"] == "Loop created"
    wrong = {"response_action": "errors", "errors": {"not_a_block": "x"}}
    bot.answer = lambda request: (200, json.dumps(wrong))
    client.submit("maya.hm", emulator.open_views("maya.hm")[0], {}, force=True)
    assert any("not_a_block" in v for v in emulator.violations)
    emulator.violations.clear()


def test_close_notifies_only_when_asked(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator
) -> None:
    view = open_modal(emulator, "maya.hm", NEW_LOOP)
    assert client.close("maya.hm", view) is not None
    assert bot.received[0].payload["type"] == "view_closed"
    assert emulator.open_views("maya.hm") == []
    quiet = open_modal(emulator, "maya.hm", dict(NEW_LOOP, notify_on_close=False))
    assert client.close("maya.hm", quiet) is None and len(bot.received) == 1


# events ------------------------------------------------------------------------------------------


def test_event_envelope_and_retry_headers(client: SlackClient, bot: Receiver) -> None:
    event = {"type": "app_home_opened", "user": "U0RC00001", "channel": "D0RC00001", "tab": "home"}
    client.event(event, event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    request = bot.received[0]
    envelope = request.json
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev0001"
    assert envelope["event"]["user"] == "U0RC00001" and envelope["team_id"] == "T0LOOPBOT"
    assert request.headers["X-Slack-Retry-Num"] == "1"
    assert request.headers["X-Slack-Retry-Reason"] == "http_timeout"


def test_slow_ack_is_a_violation(
    client: SlackClient, bot: Receiver, emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.emulator.client.ACK_DEADLINE", 0.05)

    def slow(request: Received) -> tuple[int, str]:
        time.sleep(0.1)
        return 200, ""

    bot.answer = slow
    client.command("maya.hm", "/loop", "")
    assert any("acknowledged after" in v for v in emulator.violations)
    emulator.violations.clear()


# a real Bolt app ------------------------------------------------------------------------------


def test_bolt_app_round_trip(emulator: SlackEmulator, bot: Receiver) -> None:
    from slack_bolt.request import BoltRequest

    app = App(
        token=emulator.bot_token,
        signing_secret=SECRET,
        client=WebClient(base_url=emulator.api_url, token=emulator.bot_token),
        process_before_response=True,
    )

    @app.command("/loop")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=NEW_LOOP)

    @app.view("new_loop")
    def create(ack: Any, view: dict[str, Any], client: WebClient) -> None:
        name = view["state"]["values"]["name"]["v"]["value"]
        ack()
        client.chat_postMessage(channel="U0HM00001", text=f"Loop for {name} created")

    def dispatch(request: Received) -> tuple[int, str]:
        response = app.dispatch(BoltRequest(body=request.body.decode(), headers=request.headers))
        return response.status, response.body

    bot.answer = dispatch
    slack = SlackClient(bot.url, SECRET, emulator)
    assert slack.command("maya.hm", "/loop", "").status == 200
    (view,) = emulator.open_views("maya.hm")
    values = ModalForm(view, emulator.workspace).fill(
        {"Candidate name": "Ada", "Hiring Manager (HM)": "maya.hm", "Level": "Staff", "Rounds": 4}
    )
    assert slack.submit("maya.hm", view, values).status == 200
    assert emulator.open_views("maya.hm") == []
    assert [m.text for m in emulator.dms_to("maya.hm")] == ["Loop for Ada created"]


def test_a_date_reads_in_the_reader_s_zone_with_a_name_where_it_has_no_letters() -> None:
    from datetime import UTC, datetime

    from bot.emulator.transcript import Reader, mrkdwn_to_text

    at = int(datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp())
    token = f"<!date^{at}^{{date_short_pretty}} at {{time}}|Thu 26 Nov 01:00 UTC>"
    assert mrkdwn_to_text(token, Reader(tz="America/Los_Angeles")) == "Wed 25 Nov 17:00 PST"
    assert mrkdwn_to_text(token, Reader(tz="Asia/Singapore")) == "Thu 26 Nov 09:00 Asia/Singapore"
