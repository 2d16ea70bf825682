"""Events API deliveries: each event id is processed once, across replicas and restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete

from bot.store import Database
from bot.store.models import ProcessedEvent


def claim_event(db: Database, event_id: str) -> bool:
    """True for the first delivery of `event_id`, False for any retry or duplicate."""
    try:
        with db.session() as session:
            session.add(ProcessedEvent(event_id=event_id[:64]))
        return True
    except IntegrityError:
        return False


def forget_events_before(db: Database, cutoff: datetime) -> int:
    """Prune claimed ids older than Slack's retry window; returns how many went."""
    with db.session() as session:
        result = session.exec(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
        return result.rowcount or 0


RETRY_WINDOW = timedelta(hours=2)
