"""The one clock: the current time and day as the documents store them."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utcnow_ms() -> datetime:
    """Now, truncated to what a BSON date keeps (milliseconds).

    So the `created_at` a mutation returns is the one later reads (and cursors) see.
    """
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def today_utc() -> dt.date:
    return utcnow().date()


def midnight_utc(day: dt.date) -> datetime:
    """How a calendar day is stored: a BSON date at 00:00 UTC (one value per day)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
