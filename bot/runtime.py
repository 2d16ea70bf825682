"""What every service needs, built once at start-up and handed to the Slack surface."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.documents import DocumentErrors, Library, load_library
from bot.settings import Settings
from bot.slack.messenger import Messenger
from bot.store import Database


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    library: Library
    messenger: Messenger
    clock: Callable[[], datetime] = field(default=system_clock)
    listeners: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=8, thread_name_prefix="loopbot-listener"
        )
    )
    """Where listeners run (Bolt's pool); drained on shutdown."""
    after_ack: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="loopbot-after-ack"
        )
    )
    """Slow work that follows an acknowledgement, kept off the pool that acknowledges."""
    kick: Callable[[], None] = field(default=lambda: None)
    """Wakes the dispatcher after something was queued (set by `loopbot serve`)."""

    def reload_documents(self) -> list[str]:
        """Read the documents folder again; on any error keep the set in service and say why."""
        try:
            self.library = load_library(self.settings.docs_dir)
        except DocumentErrors as exc:
            return [str(e) for e in exc.errors]
        return []
