"""One rule for every string people read, and strict syntax for identifiers.

Human text (pseudo-free names, bio, captions, gym names and locations, notes, and any
text added later: call `line` or `text_block`):

- stored in NFC, so "é" typed as one code point or as "e" + accent is one string;
- no control characters (Cc: NUL, escapes, carriage returns...), no format characters
  (Cf: zero-width spaces, bidi overrides and isolates U+202A-202E, U+2066-2069, the
  word joiner, soft hyphens, tag characters...), no surrogates, and none of the few
  letters that render as nothing (Hangul fillers, braille blank): text that shows blank,
  reorders what follows it or hides words is refused, never silently cleaned, so what
  is stored is what the person typed;
- one exception inside text: a zero-width joiner or non-joiner between two visible
  characters, which emoji sequences (👨‍👩‍👧) and some scripts (Persian, Indic) need;
- no private-use characters (Co: they render as whatever font the reader has, or as
  nothing) and no unassigned code points (Cn, as this Python's Unicode database knows
  them: nobody can say how they will render tomorrow), except in the emoji blocks
  (U+1F000-1FAFF), where emoji newer than this Python arrive;
- at most `MARKS_PER_BASE` (4) combining marks on one base character, counted on the
  canonical decomposition (so "ệ" is a letter with two): enough for Vietnamese,
  Devanagari or Tibetan, not for a letter buried under 500 marks that spills over the
  lines around it ("Zalgo" text);
- single-line fields (`line`): no line break at all, runs of spaces become one space;
- multi-line fields (`text_block`: bio, captions, notes): line breaks are kept (CRLF,
  CR, U+2028 and U+2029 become "\\n") and so are tabs; nothing else of the above;
- trimmed, and not blank: it must hold at least one letter, digit, punctuation mark or
  symbol, else it is refused (required fields) or means "none" (optional ones);
- lengths count code points after all of this.

Identifiers have a strict syntax, checked with `re.fullmatch` (`$` also matches before a
trailing newline): `email_address` and `client_id`.

Pure functions raising `InvalidInput` (BAD_USER_INPUT naming the field), below the
GraphQL layer so that workflows (moderation, blocked words) can call them too.
"""

from __future__ import annotations

import re
import unicodedata

from rules.errors import InvalidInput

# Letters that render as blank space; used to fake empty names.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner, joiner
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
_SPACES = re.compile(r"\s+")
_SEPARATORS_AS_SPACES = str.maketrans("\u2028\u2029", "  ")
_VISIBLE_CLASSES = frozenset("LNPS")  # letters, numbers, punctuation, symbols
MARKS_PER_BASE = 4
# Where new emoji are assigned, faster than Python's Unicode database follows (3.11 knows
# Unicode 14, phones type 15 and 16): unassigned here means "a pictograph newer than this
# Python", one character wide at worst a box, so it is kept.
_EMOJI_BLOCKS = ("\U0001f000", "\U0001faff")


def _forbidden(text: str, *, keep: frozenset[str]) -> str | None:
    """A description of the first character the rule refuses, None when all are fine."""
    for index, char in enumerate(text):
        if char in keep:
            continue
        category = unicodedata.category(char)
        if char in _JOINERS:
            if (
                0 < index < len(text) - 1
                and _visible(text[index - 1])
                and _visible(text[index + 1])
            ):
                continue
            return "must not contain invisible characters"
        if category == "Cc" or category in ("Zl", "Zp"):
            return "must not contain control characters or line breaks"
        if category in ("Cf", "Cs") or char in _BLANK_LETTERS:
            return "must not contain invisible or text-direction characters"
        if category == "Co" or (
            category == "Cn" and not _EMOJI_BLOCKS[0] <= char <= _EMOJI_BLOCKS[1]
        ):
            return "must not contain private-use or unassigned characters"
    if _marks_piled(text):
        return f"must not stack more than {MARKS_PER_BASE} accents on one character"
    return None


def _marks_piled(text: str) -> bool:
    """Whether more than MARKS_PER_BASE combining marks follow one another anywhere."""
    run = 0
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char)[0] == "M":
            run += 1
            if run > MARKS_PER_BASE:
                return True
        else:
            run = 0
    return False


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in _VISIBLE_CLASSES and char not in _BLANK_LETTERS


def _checked(text: str, field: str, max_length: int, min_length: int) -> str | None:
    if not any(_visible(char) for char in text):
        return None
    if len(text) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters long")
    if len(text) < min_length:
        raise InvalidInput(field, f"must be at least {min_length} characters long")
    return text


def optional_line(raw: str | None, field: str, max_length: int, min_length: int = 1) -> str | None:
    """Single-line text (a name, a place); None when absent or blank."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFC", raw)
    problem = _forbidden(text, keep=frozenset(" "))
    if problem:
        raise InvalidInput(field, problem)
    return _checked(_SPACES.sub(" ", text).strip(), field, max_length, min_length)


def line(raw: str, field: str, max_length: int, min_length: int = 1) -> str:
    """Required single-line text: refused when blank."""
    text = optional_line(raw, field, max_length, min_length)
    if text is None:
        raise InvalidInput(field, "must not be blank")
    return text


def text_block(raw: str | None, field: str, max_length: int) -> str | None:
    """Multi-line text (bio, caption, notes); None when absent or blank."""
    if raw is None:
        return None
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", raw))
    problem = _forbidden(text, keep=frozenset("\n\t "))
    if problem:
        raise InvalidInput(field, problem)
    return _checked(text.strip(), field, max_length, 1)


def search_text(raw: str, field: str, max_length: int) -> str:
    """What someone searches for: the same characters as a name; may be empty. Line and
    paragraph separators count as spaces here: nothing is stored, and they are spaces."""
    raw = raw.translate(_SEPARATORS_AS_SPACES)
    text = optional_line(raw, field, max_length) if raw.strip() else None
    return text or ""


# --- identifiers ----------------------------------------------------------------------------

EMAIL_MAX = 254
# RFC 5322 dot-atom local part (ASCII "atext"), and a domain of at least two labels of
# letters, digits and inner hyphens with an alphabetic top-level label. Letters beyond
# ASCII are allowed in both parts (internationalized addresses, RFC 6531): they are
# checked by Unicode category, then stand in as "a" for the ASCII pattern. No quoted
# local parts, IP-literal domains or comments: no phone sends those.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]")
_LOCAL_MAX = 64


def _as_ascii(text: str) -> str:
    """Non-ASCII letters, digits and marks become "a"; anything else non-ASCII, "\\0"."""
    return "".join(
        char if char.isascii() else ("a" if unicodedata.category(char)[0] in "LMN" else "\0")
        for char in text
    )


def email_address(raw: str, field: str = "email") -> tuple[str, str]:
    """(the e-mail as typed, trimmed and NFKC-folded; its key for uniqueness, casefolded).

    Deliverability is proven by mail, not here: this refuses what is surely not an
    address (spaces, NUL, zero-width characters, two @...).
    """
    email = unicodedata.normalize("NFKC", raw).strip()
    local, _, _ = email.rpartition("@")
    if (
        len(email) > EMAIL_MAX
        or len(local) > _LOCAL_MAX
        or _EMAIL.fullmatch(_as_ascii(email)) is None
    ):
        raise InvalidInput(field, "must be a valid email address")
    return email, email.casefold()


# Client-generated ids as phones make them (UUIDs, ULIDs, nanoids), nothing that could
# surprise a log line or a query.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def client_id(raw: str, field: str = "client_id") -> str:
    if _CLIENT_ID.fullmatch(raw) is None:
        raise InvalidInput(field, "must be 1 to 64 letters, digits or . _ : -")
    return raw
