"""Storage: tables, sessions and migrations."""

from bot.store.db import UNAVAILABLE, Database

__all__ = ["UNAVAILABLE", "Database"]
