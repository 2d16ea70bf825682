"""loopbot keeps its connections to Slack open between calls, and recovers when Slack closes one."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.emulator import SlackEmulator
from bot.slack.client import make_client
from bot.slack.messenger import Messenger


def test_calls_from_several_threads_reuse_a_few_kept_alive_connections() -> None:
    with SlackEmulator(rate_limits=False) as emulator:
        messenger = Messenger(make_client(emulator.bot_token, emulator.api_url))
        for _ in range(5):
            messenger.dm("U0RC00001", text="one after another")
        threads = [
            threading.Thread(target=lambda: messenger.dm("U0RC00001", text="at once"))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        posts = emulator.calls_to("chat.postMessage")
    assert len(posts) == 9 and all(call.ok for call in posts)
    assert len({call.connection for call in posts[:5]}) == 1
    assert messenger.client.pool.opened <= 4  # at most one per thread at once, never per call


class _ClosesAfterEachAnswer(BaseHTTPRequestHandler):
    """A server that hangs up after answering without saying so (as an idle timeout does)."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true, "channel": "C1", "ts": "1.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args) -> None:
        return


def test_a_connection_slack_closed_while_idle_is_replaced_not_reported() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ClosesAfterEachAnswer)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        messenger = Messenger(make_client("xoxb-test", url, retries=0))
        first = messenger.post("C1", text="first")
        second = messenger.post("C1", text="second")  # its kept connection is gone
    finally:
        server.shutdown()
        server.server_close()
    assert first.ts == second.ts == "1.0"
    assert messenger.client.pool.opened == 2


def test_answers_to_commands_reuse_the_kept_alive_connections(sb) -> None:
    """`/loop list` and `/loop show` answer through their response URLs on the messenger's
    kept-alive connections, not on a new connection per answer."""
    from tests.e2e.helpers import HM, create_loop, said

    short_id = create_loop(sb)
    before = len(sb.emulator.response_connections())
    for _ in range(3):
        assert short_id in said(sb, HM, "list")
        assert short_id in said(sb, HM, f"show {short_id}")
    answers = sb.emulator.response_connections()[before:]
    assert len(answers) == 6 and len(set(answers)) <= 2, answers


def test_a_person_added_to_a_channel_is_not_invited_again_for_a_while(monkeypatch) -> None:
    import bot.slack.messenger as module

    with SlackEmulator(rate_limits=False) as emulator:
        messenger = Messenger(make_client(emulator.bot_token, emulator.api_url))
        channel = messenger.create_private_channel("loop-ada-ab12")
        messenger.invite(channel, ["U0HM00001"])
        messenger.invite(channel, ["U0HM00001"])  # a second submission: nothing to ask
        members = emulator.workspace.channels[channel].members
        assert "U0HM00001" in members
        assert len(emulator.calls_to("conversations.invite")) == 1
        members.discard("U0HM00001")  # they left; after a while they are brought back
        monkeypatch.setattr(module, "MEMBER_TTL_S", 0)
        messenger.invite(channel, ["U0HM00001"])
        assert "U0HM00001" in members
        messenger.invite(channel, ["U0HM00001"])  # already there: not an error
        assert len(emulator.calls_to("conversations.invite")) == 3
