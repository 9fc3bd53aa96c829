"""Pure validation of logbook input: days, feelings, client ids, gym names, paging.

Grades, colours and free text share `resolvers.climb_rules` with videos.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from resolvers.climb_rules import has_control_characters
from resolvers.errors import BadUserInput

FEELING_MIN, FEELING_MAX = 1, 5
# The earliest day a session may be logged for: old paper logbooks, not typos like 0024.
EARLIEST_DAY = dt.date(1900, 1, 1)
GYM_NAME_MIN, GYM_NAME_MAX = 2, 100
LOCATION_MAX = 200
GYM_QUERY_MAX = 100

_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Client-generated ids as phones make them (UUIDs, ULIDs, nanoids), nothing that could
# surprise a log line or a query.
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_SPACES = re.compile(r"\s+")


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_day(raw: str, field: str = "date") -> dt.date:
    """An ISO calendar day (YYYY-MM-DD), at most one day after today (UTC).

    One day of slack: a climber east of UTC is already on tomorrow's date.
    """
    text = raw.strip()
    if not _ISO_DAY.match(text):
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
    if raw is None:
        return None
    if not _CLIENT_ID.match(raw):
        raise BadUserInput("client_id", "must be 1 to 64 letters, digits or . _ : -")
    return raw


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
    name = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()
    if has_control_characters(name):
        raise BadUserInput("name", "must not contain control characters")
    if not GYM_NAME_MIN <= len(name) <= GYM_NAME_MAX:
        raise BadUserInput("name", f"must be {GYM_NAME_MIN} to {GYM_NAME_MAX} characters long")
    return name, fold_name(name)


def gym_query(raw: str | None) -> str | None:
    """The folded search text, None when there is nothing to filter on."""
    if raw is None:
        return None
    if len(raw) > GYM_QUERY_MAX:
        raise BadUserInput("query", f"must be at most {GYM_QUERY_MAX} characters long")
    if has_control_characters(raw):
        raise BadUserInput("query", "must not contain control characters")
    return fold_name(raw) or None


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
