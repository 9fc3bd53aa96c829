"""What a comment may say, and whom it mentions.

The text is human text (rules.text, multi-line) of 1 to COMMENT_MAX characters. An
`@pseudo` in it mentions that climber: the pseudo's own syntax (rules.accounts) right
after an `@` that does not follow a letter or digit (so an e-mail address mentions
nobody). A pseudo may end in a dot or a hyphen, which a sentence may put right after a
name ("bravo @ada."), so both readings are candidates; the accounts decide which exist.
"""

from __future__ import annotations

import re

from rules.accounts import PSEUDO_MAX, PSEUDO_MIN
from rules.errors import InvalidInput
from rules.text import text_block

COMMENT_MAX = 1000
MENTIONS_MAX = 10  # mentions beyond these (in order) notify nobody

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]+)")
_TRAILING = ".-"


def clean_comment(raw: str, field: str = "text") -> str:
    """The comment as stored (NFC, trimmed, line breaks kept); refused when blank."""
    text = text_block(raw, field, COMMENT_MAX)
    if text is None:
        raise InvalidInput(field, "must not be blank")
    return text


def mentioned_pseudos(text: str) -> list[str]:
    """The normalized pseudos `text` may mention, in order, without repeats: each
    mention's readings, for the first MENTIONS_MAX mentions."""
    names: list[str] = []
    for count, match in enumerate(_MENTION.finditer(text)):
        if count == MENTIONS_MAX:
            break
        raw = match.group(1)
        for reading in (raw, raw.rstrip(_TRAILING)):
            name = reading.lower()
            if PSEUDO_MIN <= len(name) <= PSEUDO_MAX and name not in names:
                names.append(name)
    return names
