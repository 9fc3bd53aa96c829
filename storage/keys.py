"""Object keys: made by the server, and parsed back when a client hands a URL in.

A key is `<prefix>/<owner id>/<random>.<ext>`: the prefix says the kind, the owner id
says whose it is, and nothing in it comes from the client (not even its file name), so
a key can neither collide with nor climb out of another user's prefix.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from storage.kinds import RULES, MediaKind

_OWNER = re.compile(r"[0-9a-f]{24}")
# fullmatch only: `$` would also accept a trailing newline.
_KEY = re.compile(
    r"(?P<prefix>videos|photos|avatars)/(?P<owner>[0-9a-f]{24})/"
    r"(?P<name>[A-Za-z0-9_-]{16,64})\.(?P<extension>[a-z0-9]{2,5})"
)
# 18 random bytes: 144 bits, 24 URL-safe characters.
_RANDOM_BYTES = 18


@dataclass(frozen=True, slots=True)
class ParsedKey:
    prefix: str
    owner_id: str
    extension: str


def new_key(kind: MediaKind, owner_id: str, content_type: str) -> str:
    """A fresh key for one upload of `content_type` (already allowed for `kind`)."""
    if not _OWNER.fullmatch(owner_id):
        raise ValueError(f"owner id must be an ObjectId in hex, got {owner_id!r}")
    rule = RULES[kind]
    extension = rule.content_types[content_type]
    return f"{rule.prefix}/{owner_id}/{secrets.token_urlsafe(_RANDOM_BYTES)}.{extension}"


def parse_key(key: str) -> ParsedKey | None:
    """The parts of a key the server could have made, else None."""
    match = _KEY.fullmatch(key)
    if match is None:
        return None
    return ParsedKey(match["prefix"], match["owner"], match["extension"])
