"""Running the dispatcher on a timer inside `loopbot serve` (APScheduler)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.events import (
    REPLAY_WINDOW,
    RETRY_WINDOW,
    forget_events_before,
    forget_requests_before,
)
from bot.logs import exception_summary
from bot.outbox import OutboxSender
from bot.pacing import forget_paces_before
from bot.purge import loops_older_than, purge_loops, retention_cutoff
from bot.reminders.cadence import Cadence
from bot.reminders.dispatcher import Dispatcher
from bot.runtime import Heartbeat, Runtime
from bot.slack.client import make_client
from bot.slack.messenger import Messenger

log = logging.getLogger(__name__)
DISPATCH_JOB = "dispatch"


def serving_dispatcher(runtime: Runtime, wait: Callable[[float], None] = time.sleep) -> Dispatcher:
    """The dispatcher as `loopbot serve` runs it. Its own Slack client does not wait out a 429:
    the dispatcher puts that person's row back and goes on with everyone else's. `wait` passes
    the client's pauses between retries of a 5xx and the dispatcher's own waits."""
    client = make_client(
        runtime.settings.slack_bot_token.get_secret_value(),
        runtime.settings.api_url,
        wait_on_rate_limits=False,
        wait=wait,
    )
    messenger = Messenger(client)
    return Dispatcher(
        db=runtime.db,
        messenger=messenger,
        library=lambda: runtime.library,
        outbox=OutboxSender(
            db=runtime.db, messenger=messenger, calendar=runtime.calendar, sleep=wait
        ),
        reminders=runtime.settings.loopbot_reminders,
        review_days=runtime.settings.loopbot_review_days,
        cadence=feedback_cadence(runtime),
        sleep=wait,
    )


def feedback_cadence(runtime: Runtime) -> Cadence:
    s = runtime.settings
    return Cadence(
        days=s.loopbot_feedback_days,
        escalate_day=s.loopbot_feedback_escalate_day,
        default_hours=s.working_hours,
    )


def start_scheduler(
    runtime: Runtime,
    dispatcher: Dispatcher,
    *,
    every_minute: dict[str, Callable[[], object]] | None = None,
) -> BackgroundScheduler:
    """Tick the dispatcher every few seconds (and at once when `runtime.kick()` is called).

    Lateness is decided per reminder kind by the dispatcher, so APScheduler's own misfire
    handling is off: a missed tick simply runs late and coalesces with the next. `every_minute`
    names other work to run each minute (replacement asks that expired).
    """
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    heartbeat = runtime.heartbeat = Heartbeat(runtime.settings.loopbot_tick_seconds)

    def dispatch() -> None:
        heartbeat.started()
        try:
            outcome = dispatcher.tick(runtime.clock())
            if dispatcher.resume_at is not None:
                # Rate-limited rows wait for their Retry-After, not for the next regular tick.
                scheduler.modify_job(
                    DISPATCH_JOB, next_run_time=max(dispatcher.resume_at, datetime.now(UTC))
                )
            if outcome.sent or outcome.failed or outcome.posted:
                log.info(
                    "dispatched",
                    extra={
                        "sent": outcome.sent,
                        "failed": outcome.failed,
                        "retried": outcome.retried,
                        "deferred": outcome.deferred,
                        "posted": outcome.posted,
                    },
                )
        except Exception as error:  # noqa: BLE001 - the next tick retries; rows are leased
            heartbeat.finished(ok=False)
            log.error("dispatch tick failed: %s", exception_summary(error))
        else:
            heartbeat.finished(ok=True)

    def prune() -> None:
        try:
            forget_events_before(runtime.db, runtime.clock() - RETRY_WINDOW)
            forget_requests_before(runtime.db, datetime.now(UTC) - REPLAY_WINDOW)
            forget_paces_before(runtime.db, runtime.clock())
        except Exception as error:  # noqa: BLE001 - harmless to retry next hour
            log.warning("pruning events failed: %s", exception_summary(error))

    scheduler.add_job(
        dispatch,
        "interval",
        seconds=runtime.settings.loopbot_tick_seconds,
        id=DISPATCH_JOB,
        next_run_time=datetime.now(UTC),
    )

    def retain() -> None:
        days = runtime.settings.loopbot_retention_days
        if days is None:
            return
        try:
            now = runtime.clock()
            with runtime.db.read() as session:
                ids = loops_older_than(session, retention_cutoff(now, days))
            report = purge_loops(
                db=runtime.db,
                messenger=runtime.messenger,
                loop_ids=ids,
                actor="retention",
                reason=f"retention ({days} days)",
                now=now,
            )
            if not report.compacted:
                log.warning("database file not compacted after the purge: a reader stayed on")
        except Exception as error:  # noqa: BLE001 - tried again tomorrow
            log.warning("retention purge failed: %s", exception_summary(error))

    scheduler.add_job(prune, "interval", minutes=5, id="prune-events")
    for name, work in (every_minute or {}).items():
        scheduler.add_job(_logged(name, work), "interval", minutes=1, id=name)
    scheduler.add_job(retain, "interval", hours=24, id="retention", next_run_time=datetime.now(UTC))
    scheduler.start()

    def kick() -> None:
        if scheduler.running:
            scheduler.modify_job(DISPATCH_JOB, next_run_time=datetime.now(UTC))

    def stop() -> None:
        # A tick under way finishes (its rows are recorded); then rows still leased to this
        # process go back to the others at once instead of when the lease runs out.
        heartbeat.stopped = dispatcher.stopping = True
        scheduler.shutdown(wait=True)
        released = dispatcher.release(runtime.clock())
        if released:
            log.info("leases released", extra={"reminders": released})

    runtime.kick = kick
    runtime.on_stop.append(stop)
    return scheduler


def _logged(name: str, work: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - tried again next minute
            log.warning("%s failed: %s", name, exception_summary(error))

    return run
