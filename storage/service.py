"""The storage rules every backend shares: key making, limits, and vouching for URLs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio.to_thread

from storage.base import MAX_EXPIRY_SECONDS, Copied, StorageBackend
from storage.errors import MediaRejected
from storage.keys import (
    ParsedKey,
    copies_prefix,
    is_export_key,
    new_clean_key,
    new_export_key,
    new_final_key,
    new_key,
    owner_prefixes,
    parse_key,
    poster_key,
)
from storage.kinds import RULES, MediaKind

# The seed's `getPresignedUploadUrl` knows only a file name, so an image uploaded through
# it lands under photos/; such a photo may also serve as an avatar (within the avatar cap).
_ACCEPTED_PREFIXES: dict[MediaKind, frozenset[str]] = {
    MediaKind.VIDEO: frozenset({RULES[MediaKind.VIDEO].prefix}),
    MediaKind.PHOTO: frozenset({RULES[MediaKind.PHOTO].prefix}),
    MediaKind.AVATAR: frozenset({RULES[MediaKind.AVATAR].prefix, RULES[MediaKind.PHOTO].prefix}),
}


EXPORT_CONTENT_TYPE = "application/json"
POSTER_CONTENT_TYPE = "image/jpeg"
CLEANINGS_AT_ONCE = 2


@dataclass(frozen=True, slots=True)
class Download:
    url: str
    expires_at: datetime


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
        # Photos cleaned at once (each decodes up to kit.images.MAX_PIXELS): memory bound.
        self._cleaning = asyncio.Semaphore(CLEANINGS_AT_ONCE)

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
            raise MediaRejected("content_type", f"{kind.value} uploads accept {allowed}")
        if size is not None and not 1 <= size <= rule.max_bytes:
            raise MediaRejected("size", f"{kind.value} uploads must be 1 to {rule.max_bytes} bytes")
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

        Returns the public URL to store: for an upload, that of a copy under a final key
        no signed URL can write (see `storage.keys`), so the object cannot be swapped or
        grown behind the stored URL while the upload URL is still valid; for a final URL
        the owner already got back from an earlier call, that same URL. Refuses foreign,
        missing, oversize objects and any URL that is not one of this storage's.
        """
        found = self._key_of(url)
        if found is None:
            raise MediaRejected(field, "must be the URL of a file uploaded through this API")
        key, parsed = found
        rule = RULES[kind]
        accepted = {rule.prefix} if parsed.final else _ACCEPTED_PREFIXES[kind]
        if parsed.prefix not in accepted or parsed.extension not in rule.content_types.values():
            raise MediaRejected(field, f"must be a {kind.value.lower()} upload")
        if parsed.owner_id != owner_id:
            raise MediaRejected(field, "must be one of your own uploads")
        if parsed.final:
            # Written once by the copy below and never again: existing is enough.
            if await self.backend.head(key) is None:
                raise MediaRejected(field, "the file does not exist")
            return self.backend.public_url(key)
        return self.backend.public_url(await self._promoted(key, parsed, kind, field))

    async def _promoted(self, key: str, upload: ParsedKey, kind: MediaKind, field: str) -> str:
        """Copy the upload, exactly as checked, to a fresh final key; drop the upload."""
        stored = await self.backend.head(key)
        if stored is None:
            # Already promoted (a retried mutation, or the same upload named twice).
            return await self._earlier_copy(upload, kind, field)
        cap = RULES[kind].max_bytes
        if stored.size > cap:
            raise MediaRejected(field, f"the file is larger than the {cap} bytes allowed")
        if kind is not MediaKind.VIDEO:
            return await self._cleaned(key, upload, kind, field)
        target = new_final_key(upload, kind)
        copied = await self.backend.copy_if_match(key, target, stored.etag)
        if copied is Copied.CHANGED:
            raise MediaRejected(field, "file changed while being checked, try again")
        if copied is Copied.GONE:  # promoted meanwhile by a concurrent call
            return await self._earlier_copy(upload, kind, field)
        # The copy is what gets stored. A later PUT through the still-valid URL makes a
        # new upload nobody references, to be vouched for (and copied) on its own.
        await self.backend.delete(key)
        return target

    async def _cleaned(self, key: str, upload: ParsedKey, kind: MediaKind, field: str) -> str:
        """Store a clean copy of an uploaded image (kit.images: upright, at most 2048 px,
        no EXIF, GPS or any other block) and drop the upload.

        Done here, in the mutation, rather than as a job: a photo is at most 15 MiB and
        cleans in well under a second, the app needs the clean URL at once (an avatar is
        shown right after it is set), and nothing of the upload is ever stored. What is
        stored is re-encoded from the pixels read here, so an upload written again
        meanwhile cannot slip through (no version check is needed, unlike a copy).
        """
        from kit.images import ImageRefused, clean_image  # Pillow: loaded on first use

        cap = RULES[kind].max_bytes
        try:
            body = await self.backend.read(key, cap)
        except ValueError:
            raise MediaRejected(field, f"the file is larger than the {cap} bytes allowed") from None
        if body is None:  # promoted meanwhile by a concurrent call
            return await self._earlier_copy(upload, kind, field)
        async with self._cleaning:
            try:
                clean = await anyio.to_thread.run_sync(clean_image, body)
            except ImageRefused as refused:
                raise MediaRejected(field, refused.reason) from None
        target = new_clean_key(upload, kind, clean.extension)
        await self.backend.put_public(target, clean.body, clean.content_type)
        await self.backend.delete(key)
        return target

    async def _earlier_copy(self, upload: ParsedKey, kind: MediaKind, field: str) -> str:
        earlier = await self.backend.first_key(copies_prefix(upload, kind))
        if earlier is None:
            raise MediaRejected(field, "the file has not been uploaded yet")
        return earlier

    async def discard(self, url: str) -> bool:
        """Delete the stored copy behind `url`, a URL `verify_media_url` returned; True if
        it was one. Anything else (another site's URL, an upload key) is left alone."""
        found = self._key_of(url)
        if found is None or not found[1].final:
            return False
        await self.backend.delete(found[0])
        poster = poster_key(found[0])
        if poster is not None:
            await self.backend.delete(poster)
        return True

    async def discard_poster(self, video_url: str) -> None:
        """Delete the poster of the stored video behind `video_url`, if any."""
        found = self._key_of(video_url)
        poster = None if found is None else poster_key(found[0])
        if poster is not None:
            await self.backend.delete(poster)

    async def fetch_video(self, url: str, target: Path) -> bool:
        """Copy the stored video behind `url` into the local file `target`; False when
        there is none (deleted meanwhile, or not one of this storage's videos)."""
        found = self._key_of(url)
        if found is None or not found[1].final or poster_key(found[0]) is None:
            return False
        return await self.backend.fetch_to(found[0], target)

    async def store_poster(self, video_url: str, body: bytes) -> str:
        """Store the poster (JPEG) of the stored video behind `video_url`, beside it; its
        public URL. Written again by a retried job: the same key, the same picture."""
        found = self._key_of(video_url)
        key = None if found is None else poster_key(found[0])
        if key is None:
            raise ValueError(f"not a stored video: {video_url!r}")
        await self.backend.put_public(key, body, POSTER_CONTENT_TYPE)
        return self.backend.public_url(key)

    async def erase_owner_batch(self, owner_id: str, limit: int) -> int:
        """Delete up to `limit` of the owner's objects (uploads, stored copies, exports);
        how many went. Zero: the owner has nothing left in storage.

        Only an object's owner can have it stored (`verify_media_url` refuses anyone
        else's), so these prefixes hold every file an owner's documents name, and files
        no document names (abandoned uploads) too.
        """
        for prefix in owner_prefixes(owner_id):
            erased = await self.backend.delete_prefix(prefix, limit)
            if erased:
                return erased
        return 0

    async def store_export(self, owner_id: str, body: bytes) -> str:
        """Store one data export privately; its key."""
        key = new_export_key(owner_id)
        await self.backend.put_private(key, body, EXPORT_CONTENT_TYPE)
        return key

    async def export_download(self, key: str, filename: str) -> Download:
        """A URL downloading the export at `key` as an attachment, valid `expires_in` s."""
        if not is_export_key(key):
            raise ValueError(f"not an export key: {key!r}")
        # Taken before signing, so the advertised expiry is never later than the real one.
        expires_at = datetime.now(UTC) + timedelta(seconds=self.expires_in)
        url = await self.backend.presign_get(
            key, expires_in=self.expires_in, filename=filename, content_type=EXPORT_CONTENT_TYPE
        )
        return Download(url=url, expires_at=expires_at)

    async def delete_export(self, key: str) -> None:
        if is_export_key(key):
            await self.backend.delete(key)

    def _key_of(self, url: str) -> tuple[str, ParsedKey] | None:
        """The key behind one of this storage's URLs and its parts, when the server could
        have made it; None for anything else."""
        key = self.backend.key_from_url(url.strip())
        parsed = parse_key(key) if key is not None else None
        return None if key is None or parsed is None else (key, parsed)

    async def close(self) -> None:
        await self.backend.close()
