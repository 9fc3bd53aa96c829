"""Pure validation and normalisation of account fields (unit-tested directly)."""

from __future__ import annotations

import re
import unicodedata

from resolvers.climb_rules import has_control_characters
from resolvers.errors import BadUserInput

EMAIL_MAX = 254
PSEUDO_MIN, PSEUDO_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 8, 128
BIO_MAX = 500
SEARCH_QUERY_MAX = 30

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is
# proven by mail, not by a regex.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PSEUDO = re.compile(r"^[A-Za-z0-9_.\-]+$")


def normalize_email(raw: str) -> tuple[str, str]:
    """Return (email as typed but trimmed, the normalized key used for uniqueness)."""
    email = unicodedata.normalize("NFKC", raw).strip()
    if not email or len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise BadUserInput("email", "must be a valid email address")
    return email, email.casefold()


def normalize_pseudo(raw: str) -> tuple[str, str]:
    pseudo = raw.strip()
    if not PSEUDO_MIN <= len(pseudo) <= PSEUDO_MAX:
        raise BadUserInput("pseudo", f"must be {PSEUDO_MIN} to {PSEUDO_MAX} characters long")
    if not _PSEUDO.match(pseudo):
        raise BadUserInput("pseudo", "may contain only letters, digits, underscore, dot and hyphen")
    return pseudo, pseudo.lower()


def check_password(password: str, field: str = "password") -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise BadUserInput(field, f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long")
    return password


def clean_bio(raw: str | None) -> str | None:
    if raw is None:
        return None
    bio = raw.strip()
    if len(bio) > BIO_MAX:
        raise BadUserInput("bio", f"must be at most {BIO_MAX} characters long")
    return bio or None


def search_prefix(raw: str) -> str | None:
    """The normalized prefix to search for, or None when nothing searchable remains."""
    query = raw.strip().lower()
    if has_control_characters(query):
        raise BadUserInput("query", "must not contain control characters")
    if len(query) > SEARCH_QUERY_MAX:
        raise BadUserInput("query", f"must be at most {SEARCH_QUERY_MAX} characters long")
    return query or None
