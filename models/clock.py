"""The current time as the documents store it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utcnow_ms() -> datetime:
    """Now, truncated to what a BSON date keeps (milliseconds).

    So the `created_at` a mutation returns is the one later reads (and cursors) see.
    """
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
