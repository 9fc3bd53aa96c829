"""Pure validation and normalisation of account fields (unit-tested directly)."""

from __future__ import annotations

import re
import unicodedata

from rules import text as text_rules
from rules.errors import InvalidInput

EMAIL_MAX = text_rules.EMAIL_MAX
PSEUDO_MIN, PSEUDO_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 8, 128
BIO_MAX = 500
SEARCH_QUERY_MAX = 30

_PSEUDO = re.compile(r"[A-Za-z0-9_.\-]+")


# (email as typed but trimmed, the normalized key used for uniqueness)
normalize_email = text_rules.email_address


def normalize_pseudo(raw: str) -> tuple[str, str]:
    pseudo = raw.strip()
    if not PSEUDO_MIN <= len(pseudo) <= PSEUDO_MAX:
        raise InvalidInput("pseudo", f"must be {PSEUDO_MIN} to {PSEUDO_MAX} characters long")
    if not _PSEUDO.fullmatch(pseudo):
        raise InvalidInput("pseudo", "may contain only letters, digits, underscore, dot and hyphen")
    return pseudo, pseudo.lower()


def password_length(password: str) -> int:
    """The characters of its NFKC form, the form that is hashed (kit.passwords): "é"
    typed as "e" and an accent is one, "ﬃ" is three, as on most keyboards."""
    return len(unicodedata.normalize("NFKC", password))


def check_password(password: str, field: str = "password") -> str:
    if not PASSWORD_MIN <= password_length(password) <= PASSWORD_MAX:
        raise InvalidInput(field, f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long")
    return password


def clean_bio(raw: str | None) -> str | None:
    return text_rules.text_block(raw, "bio", BIO_MAX)


def search_prefix(raw: str) -> str | None:
    """The normalized prefix to search for, or None when nothing searchable remains."""
    return text_rules.search_text(raw, "query", SEARCH_QUERY_MAX).lower() or None
