"""What may be uploaded: kinds of media, their content types, size caps and key prefixes."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from enum import Enum

MIB = 1024 * 1024


class MediaKind(Enum):
    VIDEO = "VIDEO"
    PHOTO = "PHOTO"
    AVATAR = "AVATAR"


@dataclass(frozen=True, slots=True)
class KindRule:
    prefix: str
    # content type -> file extension used in the key
    content_types: dict[str, str]
    max_bytes: int


_IMAGES = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "image/webp": "webp"}

RULES: dict[MediaKind, KindRule] = {
    MediaKind.VIDEO: KindRule(
        "videos", {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}, 100 * MIB
    ),
    MediaKind.PHOTO: KindRule("photos", dict(_IMAGES), 15 * MIB),
    MediaKind.AVATAR: KindRule("avatars", dict(_IMAGES), 5 * MIB),
}

# The rule a key's first path segment names: what the local backend enforces on a PUT.
RULE_BY_PREFIX: dict[str, KindRule] = {rule.prefix: rule for rule in RULES.values()}

# File extensions as phones name them, for the seed's `getPresignedUploadUrl(filename)`.
_EXTENSION_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "qt": "video/quicktime",
    "webm": "video/webm",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "heif": "image/heic",
    "webp": "image/webp",
}


def content_type_for_filename(filename: str) -> str | None:
    _, dot, extension = filename.strip().rpartition(".")
    if not dot:
        return None
    return _EXTENSION_TYPES.get(extension.lower())


def kind_for_content_type(content_type: str) -> MediaKind | None:
    """The kind a bare content type implies (photos for images): used by the seed flow."""
    for kind in (MediaKind.VIDEO, MediaKind.PHOTO):
        if content_type in RULES[kind].content_types:
            return kind
    return None


def content_type_for_key(key: str) -> str:
    """The content type to serve a stored object with, from its server-made extension."""
    _, _, extension = key.rpartition(".")
    guessed = _EXTENSION_TYPES.get(extension.lower()) or mimetypes.guess_type(key)[0]
    return guessed or "application/octet-stream"
