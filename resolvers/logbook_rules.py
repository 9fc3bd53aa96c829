"""Pure validation of logbook input: days, feelings, client ids, gym names, paging.

Grades, colours and free text share `resolvers.climb_rules` with videos.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from resolvers.errors import BadUserInput
from workflows import text_rules

FEELING_MIN, FEELING_MAX = 1, 5
# The earliest day a session may be logged for: old paper logbooks, not typos like 0024.
EARLIEST_DAY = dt.date(1900, 1, 1)
GYM_NAME_MIN, GYM_NAME_MAX = 2, 100
LOCATION_MAX = 200
GYM_QUERY_MAX = 100

# fullmatch only: `$` would also accept a trailing newline.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPACES = re.compile(r"\s+")


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_day(raw: str, field: str = "date") -> dt.date:
    """An ISO calendar day (YYYY-MM-DD), at most one day after today (UTC).

    One day of slack: a climber east of UTC is already on tomorrow's date.
    """
    text = raw.strip()
    if not ISO_DAY.fullmatch(text):
        raise BadUserInput(field, "must be a date written YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as error:
        raise BadUserInput(field, "is not a valid calendar date") from error
    if day > today_utc() + dt.timedelta(days=1):
        raise BadUserInput(field, "cannot be more than a day in the future")
    if day < EARLIEST_DAY:
        raise BadUserInput(field, f"cannot be before {EARLIEST_DAY.isoformat()}")
    return day


def check_feeling(feeling: int | None) -> int | None:
    if feeling is not None and not FEELING_MIN <= feeling <= FEELING_MAX:
        raise BadUserInput("feeling", f"must be between {FEELING_MIN} and {FEELING_MAX}")
    return feeling


def clean_client_id(raw: str | None) -> str | None:
    return None if raw is None else text_rules.client_id(raw)


def fold_name(raw: str) -> str:
    """The key gym names are compared and searched by: no case, accents or extra spaces.

    "Arkose  Montmartre", "ARKOSE montmartre" and "Arkosé Montmartre" are one gym.
    """
    decomposed = unicodedata.normalize("NFKD", raw)
    # Accents go, and so do invisible format characters (zero-width spaces...), so
    # "Ark\u200bose" cannot sit beside "Arkose".
    bare = "".join(
        char
        for char in decomposed
        if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )
    return _SPACES.sub(" ", bare).strip().casefold()


def clean_gym_name(raw: str) -> tuple[str, str]:
    """(the name as shown, trimmed and single-spaced; its folded key)."""
    name = text_rules.line(raw, "name", GYM_NAME_MAX, GYM_NAME_MIN)
    return name, fold_name(name)


def clean_location(raw: str | None) -> str | None:
    return text_rules.optional_line(raw, "location", LOCATION_MAX)


def gym_query(raw: str | None) -> str | None:
    """The folded search text, None when there is nothing to filter on."""
    if raw is None:
        return None
    return fold_name(text_rules.search_text(raw, "query", GYM_QUERY_MAX)) or None


def check_page(
    limit: int | None, offset: int | None, *, default: int, maximum: int
) -> tuple[int, int]:
    """(limit, offset) for a list; null means the default."""
    limit = default if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= maximum:
        raise BadUserInput("limit", f"must be between 1 and {maximum}")
    if offset < 0:
        raise BadUserInput("offset", "must be 0 or more")
    return limit, offset
