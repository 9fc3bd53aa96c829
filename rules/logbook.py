"""Pure validation of logbook input: days, feelings, client ids, gym names.

Grades, colours and free text share `rules.climbing` with videos.
"""

from __future__ import annotations

import re
import unicodedata

from rules import text as text_rules
from rules.errors import InvalidInput

FEELING_MIN, FEELING_MAX = 1, 5
GYM_NAME_MIN, GYM_NAME_MAX = 2, 100
LOCATION_MAX = 200
GYM_QUERY_MAX = 100

_SPACES = re.compile(r"\s+")


def check_feeling(feeling: int | None) -> int | None:
    if feeling is not None and not FEELING_MIN <= feeling <= FEELING_MAX:
        raise InvalidInput("feeling", f"must be between {FEELING_MIN} and {FEELING_MAX}")
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
