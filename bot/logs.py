"""Structured logs that never carry tokens, candidate data or scorecard text."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")

_TOKEN = re.compile(r"\b(xox[abpre]-|xapp-)[A-Za-z0-9-]+")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class Redact(logging.Filter):
    """Masks tokens everywhere; Slack libraries' messages lose any payload they quote."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name.startswith(("slack_bolt", "slack_sdk")) and ("{" in message):
            # Bolt and the SDK quote whole request bodies (names, scorecard text) in some logs.
            message = message.split("{", 1)[0].rstrip(" :(-") + " [payload omitted]"
        record.msg, record.args = _TOKEN.sub(r"\1[redacted]", message), ()
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation_id.get()
        return True


ROUTINE = {
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client loopbot hands it (which
    # carries that same token) wins: true every time, and nothing for an operator to do.
    "slack_bolt.App": ("As you gave `client` as well",),
    # Said each time the schema's revision is read (every start-up); "Running upgrade" stays.
    "alembic.runtime.migration": ("Context impl ", "Will assume "),
}
"""Lines other libraries log that say nothing an operator acts on: shown at DEBUG only."""


class Routine(logging.Filter):
    """Drops the `ROUTINE` lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        starts = ROUTINE.get(record.name)
        return not (starts and str(record.msg).startswith(starts))


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def exception_summary(error: BaseException, depth: int = 8) -> str:
    """Type and stack of an exception without its message, which may quote candidate data
    (SQL parameters, payload values)."""
    frames = traceback.extract_tb(error.__traceback__)[-depth:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(error).__module__}.{type(error).__qualname__} at {where}"


def configure_logging(*, json_lines: bool = False, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if logging.getLevelName(level.upper()) != logging.DEBUG:
        handler.addFilter(Routine())
    handler.addFilter(Redact())
    if json_lines:
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The SDK logs request bodies at DEBUG; they can hold candidate data, so never below INFO.
    for name in ("slack_sdk", "slack_bolt", "urllib3"):
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    # APScheduler says "Running job" and "executed successfully" at INFO on every tick (about
    # 250 lines per idle 10 minutes), and "Adding job" for each job of each serving process:
    # routine, so shown at DEBUG only; its warnings (a missed run) stay.
    routine = logging.WARNING if root.level >= logging.INFO else root.level
    logging.getLogger("apscheduler").setLevel(routine)
