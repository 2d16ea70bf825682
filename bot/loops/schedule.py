"""Calendar arithmetic for laying loops out: business days."""

from __future__ import annotations

from datetime import date, timedelta


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
