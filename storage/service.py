"""The storage rules every backend shares: key making, limits, and vouching for URLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.errors import BadUserInput
from storage.base import MAX_EXPIRY_SECONDS, StorageBackend
from storage.keys import new_key, parse_key
from storage.kinds import RULES, MediaKind

# The seed's `getPresignedUploadUrl` knows only a file name, so an image uploaded through
# it lands under photos/; such a photo may also serve as an avatar (within the avatar cap).
_ACCEPTED_PREFIXES: dict[MediaKind, frozenset[str]] = {
    MediaKind.VIDEO: frozenset({RULES[MediaKind.VIDEO].prefix}),
    MediaKind.PHOTO: frozenset({RULES[MediaKind.PHOTO].prefix}),
    MediaKind.AVATAR: frozenset({RULES[MediaKind.AVATAR].prefix, RULES[MediaKind.PHOTO].prefix}),
}


@dataclass(frozen=True, slots=True)
class UploadTicket:
    upload_url: str
    method: str
    headers: dict[str, str]
    key: str
    public_url: str
    expires_at: datetime


class MediaStorage:
    def __init__(self, backend: StorageBackend, expires_in: int = MAX_EXPIRY_SECONDS) -> None:
        if expires_in < 1:
            raise ValueError("upload URLs must live at least one second")
        self.backend = backend
        self.expires_in = min(expires_in, MAX_EXPIRY_SECONDS)

    async def create_upload(
        self, *, kind: MediaKind, content_type: str, size: int | None, owner_id: str
    ) -> UploadTicket:
        """Sign an upload of one new object under the owner's prefix for `kind`.

        `size=None` (the seed's filename-only flow) signs the type but not the length;
        the size cap is then enforced when the URL is vouched for.
        """
        rule = RULES[kind]
        content_type = content_type.strip().lower()
        if content_type not in rule.content_types:
            allowed = ", ".join(sorted(rule.content_types))
            raise BadUserInput("content_type", f"{kind.value} uploads accept {allowed}")
        if size is not None and not 1 <= size <= rule.max_bytes:
            raise BadUserInput("size", f"{kind.value} uploads must be 1 to {rule.max_bytes} bytes")
        key = new_key(kind, owner_id, content_type)
        signed = await self.backend.presign_put(
            key, content_type=content_type, content_length=size, expires_in=self.expires_in
        )
        return UploadTicket(
            upload_url=signed.url,
            method="PUT",
            headers=signed.headers,
            key=key,
            public_url=self.backend.public_url(key),
            expires_at=signed.expires_at,
        )

    async def verify_media_url(
        self, url: str, *, kind: MediaKind, owner_id: str, field: str
    ) -> str:
        """Vouch that `url` names an uploaded object of the owner's, of this kind.

        Returns the canonical public URL to store. Refuses foreign, missing, oversize
        objects and any URL that is not one of this storage's.
        """
        key = self.backend.key_from_url(url.strip())
        parsed = parse_key(key) if key is not None else None
        rule = RULES[kind]
        if key is None or parsed is None:
            raise BadUserInput(field, "must be the URL of a file uploaded through this API")
        if (
            parsed.prefix not in _ACCEPTED_PREFIXES[kind]
            or parsed.extension not in rule.content_types.values()
        ):
            raise BadUserInput(field, f"must be a {kind.value.lower()} upload")
        if parsed.owner_id != owner_id:
            raise BadUserInput(field, "must be one of your own uploads")
        stored = await self.backend.head(key)
        if stored is None:
            raise BadUserInput(field, "the file has not been uploaded yet")
        if stored.size > rule.max_bytes:
            raise BadUserInput(field, f"the file is larger than the {rule.max_bytes} bytes allowed")
        return self.backend.public_url(key)

    async def close(self) -> None:
        await self.backend.close()
