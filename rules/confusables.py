# ruff: noqa: RUF001, RUF002  (this table is made of look-alike characters, on purpose)
"""Letters of other scripts that look like Latin ones, as the word filter reads them.

A Cyrillic "р" in "рute", a Greek "ο" in "cοnnard" or a small capital "ᴋ" read as the
Latin letter they imitate. The table is the part of Unicode's confusables (UTS #39,
`confusables.txt`) whose target is one Latin letter, kept to the scripts people reach
from a phone keyboard: Cyrillic, Greek, Armenian, and the Latin letters of IPA and small
capitals. Full-width letters, mathematical alphabets, circled and parenthesized
letters need no entry: NFKC already makes them plain Latin (rules.blocked_words applies
it first).

Capitals come first, before case is folded: a Cyrillic "Н" looks like an "H" while its
small form "н" looks like nothing Latin, and a Greek "Η" is an "H" while "η" is an "n".
No new dependency: the table is small, reviewed here, and tested to hold only letters
of those scripts mapping to a-z.
"""

from __future__ import annotations

# Capitals whose look-alike is decided by the capital itself (applied before casefold).
_CAPITALS = {
    # Cyrillic
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j", "Ԁ": "d",
    "Ԛ": "q", "Ԝ": "w", "Ү": "y", "Ӏ": "i",
    # Greek
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Armenian
    "Օ": "o", "Ս": "u", "Տ": "s",
}  # fmt: skip

# Small letters (applied after casefold).
_SMALL = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "ѵ": "v", "ҽ": "e", "ԍ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ς": "c",
    "ϳ": "j",
    # Armenian
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "զ": "q", "ա": "w",
    # Latin: IPA, small capitals, letters with a stroke NFKC leaves alone
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ɪ": "i", "ʏ": "y", "ᴀ": "a",
    "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ł": "l", "đ": "d", "ø": "o",
    "ħ": "h", "ƅ": "b", "ɵ": "o",
}  # fmt: skip

CAPITALS = str.maketrans(_CAPITALS)
SMALL = str.maketrans(_SMALL)
TABLE = {**_CAPITALS, **_SMALL}
TRANSLATION = str.maketrans(TABLE)


def to_latin(text: str) -> str:
    """`text` with each look-alike letter replaced by the Latin one, case folded (before
    and after folding: casefold turns some look-alikes into others, "ϲ" into "σ")."""
    return text.translate(TRANSLATION).casefold().translate(SMALL)
