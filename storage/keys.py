"""Object keys: made by the server, and parsed back when a client hands a URL in.

An upload key is `<prefix>/<owner id>/<name>.<ext>`: the prefix says the kind, the owner
id says whose it is, and nothing in it comes from the client (not even its file name), so
a key can neither collide with nor climb out of another user's prefix.

A signed PUT URL stays usable until it expires, so an upload key is never what the API
stores: once vouched for, the object is copied to a *final* key,
`media/<prefix>/<owner id>/<name>.<copy>.<ext>`, that no URL is ever signed for. `<name>`
is the upload's, so a retried mutation can find the copy made the first time; `<copy>` is
fresh for every copy, so a copy never overwrites another.

Everything of one owner's lives under the prefixes `owner_prefixes` lists (uploads,
their copies, data exports): erasing an account erases those prefixes, whatever its
documents still name (see workflows.account_deletion).

A data export is a private object, `exports/<owner id>/<name>.json`: never under a
media prefix, never served by the public media URL, only through a short-lived signed
download URL.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from storage.kinds import RULES, MediaKind

# The first path segment of every final key; no upload prefix may ever equal it.
FINAL_ROOT = "media"
# The first path segment of private data exports; neither an upload nor a media prefix.
EXPORT_ROOT = "exports"

_OWNER = re.compile(r"[0-9a-f]{24}")
# fullmatch only: `$` would also accept a trailing newline.
_KEY = re.compile(
    rf"(?:(?P<final>{FINAL_ROOT})/)?(?P<prefix>videos|photos|avatars)/(?P<owner>[0-9a-f]{{24}})/"
    r"(?P<name>[A-Za-z0-9_-]{16,64})(?:\.(?P<copy>[A-Za-z0-9_-]{16}))?"
    r"\.(?P<extension>[a-z0-9]{2,5})"
)
_EXPORT_KEY = re.compile(rf"{EXPORT_ROOT}/[0-9a-f]{{24}}/[A-Za-z0-9_-]{{24}}\.json")
# 18 random bytes: 144 bits, 24 URL-safe characters.
_RANDOM_BYTES = 18
# 12 random bytes: 16 URL-safe characters, unique among the copies of one upload.
_COPY_BYTES = 12


@dataclass(frozen=True, slots=True)
class ParsedKey:
    prefix: str
    owner_id: str
    extension: str
    name: str
    # True for a final key (written only by the server's copy), False for an upload key.
    final: bool


def new_key(kind: MediaKind, owner_id: str, content_type: str) -> str:
    """A fresh upload key for one upload of `content_type` (already allowed for `kind`)."""
    if not _OWNER.fullmatch(owner_id):
        raise ValueError(f"owner id must be an ObjectId in hex, got {owner_id!r}")
    rule = RULES[kind]
    extension = rule.content_types[content_type]
    return f"{rule.prefix}/{owner_id}/{secrets.token_urlsafe(_RANDOM_BYTES)}.{extension}"


def parse_key(key: str) -> ParsedKey | None:
    """The parts of an upload or final key the server could have made, else None."""
    match = _KEY.fullmatch(key)
    if match is None or (match["final"] is None) != (match["copy"] is None):
        return None
    return ParsedKey(
        match["prefix"],
        match["owner"],
        match["extension"],
        name=match["name"],
        final=match["final"] is not None,
    )


def copies_prefix(upload: ParsedKey, kind: MediaKind) -> str:
    """What every final key copied from `upload` for `kind` starts with."""
    return f"{FINAL_ROOT}/{RULES[kind].prefix}/{upload.owner_id}/{upload.name}."


def new_final_key(upload: ParsedKey, kind: MediaKind) -> str:
    """A fresh final key for one copy of `upload`, vouched for as `kind`."""
    copy = secrets.token_urlsafe(_COPY_BYTES)
    return f"{copies_prefix(upload, kind)}{copy}.{upload.extension}"


def new_clean_key(upload: ParsedKey, kind: MediaKind, extension: str) -> str:
    """A fresh final key for the cleaned copy of an uploaded image (re-encoded, so its
    extension may differ from the upload's); found again by `copies_prefix` on a retry."""
    copy = secrets.token_urlsafe(_COPY_BYTES)
    return f"{copies_prefix(upload, kind)}{copy}.{extension}"


POSTER_SUFFIX = "-poster"


def poster_key(video_key: str) -> str | None:
    """Where the poster of the stored video at `video_key` lives: beside it, under the
    same owner and copy, named so that no upload's copies prefix (`copies_prefix`) ever
    lists it and no video, photo or avatar rule accepts it (a `.jpg` under videos/)."""
    parsed = parse_key(video_key)
    if parsed is None or not parsed.final or parsed.prefix != RULES[MediaKind.VIDEO].prefix:
        return None
    folder, _, file = video_key.rpartition("/")
    name, copy, _ = file.split(".")
    return f"{folder}/{name}{POSTER_SUFFIX}.{copy}.jpg"


def owner_prefixes(owner_id: str) -> list[str]:
    """Every prefix under which the server stores an object of this owner's."""
    if not _OWNER.fullmatch(owner_id):
        raise ValueError(f"owner id must be an ObjectId in hex, got {owner_id!r}")
    prefixes = [f"{rule.prefix}/{owner_id}/" for rule in RULES.values()]
    prefixes += [f"{FINAL_ROOT}/{rule.prefix}/{owner_id}/" for rule in RULES.values()]
    return [*prefixes, f"{EXPORT_ROOT}/{owner_id}/"]


def new_export_key(owner_id: str) -> str:
    """A fresh, unguessable key for one data export of the owner's."""
    if not _OWNER.fullmatch(owner_id):
        raise ValueError(f"owner id must be an ObjectId in hex, got {owner_id!r}")
    return f"{EXPORT_ROOT}/{owner_id}/{secrets.token_urlsafe(_RANDOM_BYTES)}.json"


def is_export_key(key: str) -> bool:
    return _EXPORT_KEY.fullmatch(key) is not None
