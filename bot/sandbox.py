"""The whole bot on loopback: the Slack emulator, a database, and `loopbot serve`'s HTTP stack.

Used by `loopbot demo` and by the end-to-end tests, so both exercise what production runs.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import select

from bot.documents import load_deployed
from bot.emulator import SlackClient, SlackEmulator
from bot.pacing import RATE_LIMITED
from bot.reminders.dispatcher import Outcome
from bot.reminders.scheduler import serving_dispatcher
from bot.runtime import Runtime
from bot.server import BackgroundServer
from bot.settings import SEEDS_DIR, Settings
from bot.slack.client import make_client
from bot.slack.messenger import Messenger
from bot.store import Database
from bot.store.migrate import upgrade
from bot.store.models import OutboxMessage, OutboxState, Reminder, ReminderState

AppFactory = Callable[[Runtime], Any]
WsgiFactory = Callable[[Any, Runtime], Any]


_migrated: list[bytes] = []


def copy_migrated(path: Path) -> None:
    """A new SQLite database at the newest schema: a copy of one this process migrated once
    (running the migrations costs more than many a story), readable by its owner only."""
    if not _migrated:
        with tempfile.TemporaryDirectory(prefix="loopbot-schema-") as folder:
            template = Database(f"sqlite:///{Path(folder) / 'schema.db'}")
            upgrade(template)
            template.dispose()  # the last connection closes: the WAL is folded into the file
            _migrated.append((Path(folder) / "schema.db").read_bytes())
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(_migrated[0])


class Sandbox:
    """`with Sandbox(create_app, make_wsgi_app) as sb:`; `sb.slack` sends what Slack would send.

    The factories come from `handlers/`, passed in by the caller so `bot/` imports no listeners.
    """

    def __init__(
        self,
        app_factory: AppFactory,
        wsgi_factory: WsgiFactory,
        *,
        database_url: str | None = None,
        docs: Path = SEEDS_DIR,
        emulator: SlackEmulator | None = None,
        rate_limits: bool = False,
        settings: dict[str, Any] | None = None,
        socket_mode: Callable[[Any, str], Any] | None = None,
        coalesce_s: float = 0.05,
    ):
        self._app_factory = app_factory
        self._wsgi_factory = wsgi_factory
        self._tmp = tempfile.TemporaryDirectory(prefix="loopbot-")
        self._own_database_url = f"sqlite:///{Path(self._tmp.name) / 'loopbot.db'}"
        self.database_url = database_url or self._own_database_url
        self.docs = docs
        self._slack_skipped = 0.0
        """Seconds of waiting for Slack (Retry-After) skipped on the emulator's clock."""
        self.emulator = emulator or SlackEmulator(rate_limits=rate_limits, clock=self._slack_clock)
        self.signing_secret = secrets.token_hex(16)
        self._extra_settings = settings or {}
        self.server: BackgroundServer | None = None
        self.socket_mode = socket_mode
        """`(app, app_token) -> handler` (Bolt's SocketModeHandler): Slack then delivers over
        the Socket Mode connection the bot opens, not signed HTTP."""
        self._socket: Any = None
        self.now: datetime | None = None
        """The bot's business clock; None follows the real time."""
        self.coalesce_s = coalesce_s
        """How long a card refresh waits for more of the same (`loopbot serve`: 1 s); short
        here, so a story sees the card it changed without waiting out the serving delay."""

    def start(self) -> Sandbox:
        self.emulator.start()
        self.settings = Settings(
            slack_bot_token=SecretStr(self.emulator.bot_token),
            slack_signing_secret=SecretStr(self.signing_secret),
            slack_api_url=self.emulator.api_url,
            database_url=self.database_url,
            loopbot_docs=self.docs,
            **self._extra_settings,
        )
        if self.database_url == self._own_database_url:
            copy_migrated(Path(self._tmp.name) / "loopbot.db")  # the migrations, run once
        self.db = Database(self.database_url)
        if self.database_url != self._own_database_url:
            upgrade(self.db)
        self.start_bot()
        return self

    def start_bot(self) -> None:
        """(Re)start the bot process's parts over the same database: a restart, as Slack sees it."""
        client = make_client(
            self.settings.slack_bot_token.get_secret_value(), self.settings.api_url, wait=self.wait
        )
        self.runtime = Runtime(
            settings=self.settings,
            db=self.db,
            library=load_deployed(self.settings),
            messenger=Messenger(client),
            clock=self.clock,
            coalesce_s=self.coalesce_s,
        )
        self.dispatcher = serving_dispatcher(self.runtime, wait=self.wait)
        self.app = self._app_factory(self.runtime)
        wsgi = self._wsgi_factory(self.app, self.runtime)
        self.server = BackgroundServer(wsgi, threads=4).start()
        self.slack = SlackClient(
            self.server.url + "/slack/events",
            self.signing_secret,
            self.emulator,
            socket_mode=self.socket_mode is not None,
        )
        if self.socket_mode is not None:
            opened = self.emulator.socket_mode.opened
            self._socket = self.socket_mode(self.app, self.emulator.app_token)
            self._socket.connect()
            deadline = time.monotonic() + 10
            while self.emulator.socket_mode.opened == opened and time.monotonic() < deadline:
                time.sleep(0.02)
            assert self.emulator.socket_mode.wait_connected(), "the bot did not connect"

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    def _slack_clock(self) -> float:
        return time.time() + self._slack_skipped

    def wait(self, seconds: float) -> None:
        """Let `seconds` pass for Slack (a Retry-After): moved on at once on the emulator's
        clock when the sandbox made the emulator, slept through otherwise."""
        if self.emulator.clock == self._slack_clock:
            self._slack_skipped += max(0.0, seconds)
        else:
            time.sleep(max(0.0, seconds))

    def dispatch(self, now: datetime | None = None) -> Outcome:
        """Dispatch at `now` (default: the sandbox clock) as `loopbot serve` would: one tick,
        then, while Slack's rate limits put reminders or outbox messages back (a receipt behind
        a reminder on one DM), another when the first slot comes."""
        if now is not None:
            self.now = now
        at = self.clock()
        total = self.dispatcher.tick(at)
        while (resume := self._next_slot(after=at)) is not None:
            self.wait((resume - self.clock()).total_seconds())
            at, done = resume, self.dispatcher.tick(resume)
            total = Outcome(**{k: v + getattr(done, k) for k, v in vars(total).items()})
        return total

    def _next_slot(self, *, after: datetime) -> datetime | None:
        """The first slot a rate limit gave a reminder or an outbox message after `after`."""
        with self.db.read() as session:
            paced = session.exec(
                select(func.min(OutboxMessage.due_at)).where(
                    OutboxMessage.state == OutboxState.PENDING,
                    OutboxMessage.last_error == RATE_LIMITED,
                    OutboxMessage.due_at > after,
                )
            ).one()
        slots = [at for at in (self.dispatcher.resume_at, paced) if at is not None and at > after]
        return min(slots) if slots else None

    def next_due(self) -> datetime | None:
        """When the dispatcher next has a reminder to send (the earliest pending one)."""
        with self.db.read() as session:
            return session.exec(
                select(func.min(Reminder.due_at)).where(Reminder.state == ReminderState.PENDING)
            ).one()

    def stop_bot(self) -> None:
        if self._socket is not None:
            self._close_socket()
        if self.server:
            self.server.stop()
            self.server = None
            # Let work that started after an acknowledgement finish, as a graceful stop does.
            self.runtime.drain()

    def _close_socket(self) -> None:
        """Close the Socket Mode handler without waiting out its client's timeouts: closed
        alone, it waits for its socket's 3 s receive timeout and its queue's 1 s poll. Slack's
        side closes first (the client, told not to reconnect, sees the end at once) and the
        queue gets an empty wake-up, which the client skips."""
        handler, self._socket = self._socket, None
        client = handler.client
        client.auto_reconnect_enabled = False
        client.closed = True
        self.emulator.socket_mode.close_all()
        client.message_queue.put(None)
        handler.close()

    def stop(self) -> None:
        self.stop_bot()
        self.db.dispose()
        self.emulator.stop()
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        assert self.server
        return self.server.url

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
