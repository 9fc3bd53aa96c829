"""Pure validation of logbook input: days, feelings, client ids, gym names.

Grades, colours and free text share `resolvers.climb_rules` with videos.
"""

from __future__ import annotations

import re
import unicodedata

from resolvers.climb_rules import has_control_characters
from resolvers.errors import BadUserInput

FEELING_MIN, FEELING_MAX = 1, 5
GYM_NAME_MIN, GYM_NAME_MAX = 2, 100
LOCATION_MAX = 200
GYM_QUERY_MAX = 100

# Client-generated ids as phones make them (UUIDs, ULIDs, nanoids), nothing that could
# surprise a log line or a query.
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_SPACES = re.compile(r"\s+")


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
