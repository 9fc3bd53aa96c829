"""Calendar days as clients write them (YYYY-MM-DD): the one parser."""

from __future__ import annotations

import datetime as dt
import re

from kit.clock import today_utc
from rules.errors import InvalidInput

# The earliest day a session may be logged for: old paper logbooks, not typos like 0024.
EARLIEST_DAY = dt.date(1900, 1, 1)

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(raw: str, field: str) -> dt.date:
    """An ISO calendar day, YYYY-MM-DD (surrounding spaces ignored)."""
    text = raw.strip()
    if not _ISO_DAY.fullmatch(text):
        raise InvalidInput(field, "must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(field, "is not a valid calendar date") from error


def parse_logbook_day(raw: str, field: str = "date") -> dt.date:
    """A day a climb can be logged for: from EARLIEST_DAY to one day after today (UTC).

    One day of slack: a climber east of UTC is already on tomorrow's date.
    """
    day = parse_day(raw, field)
    if day > today_utc() + dt.timedelta(days=1):
        raise InvalidInput(field, "cannot be more than a day in the future")
    if day < EARLIEST_DAY:
        raise InvalidInput(field, f"cannot be before {EARLIEST_DAY.isoformat()}")
    return day
