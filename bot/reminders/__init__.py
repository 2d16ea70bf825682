"""Reminders and notifications: rows in the database, sent once by the dispatcher."""
