"""The storage backend interface: sign a PUT, look an object up, name its URLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Protocol

# Presigned URLs live at most this long (the uploads issue caps them at 15 minutes).
MAX_EXPIRY_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class SignedPut:
    url: str
    # Headers the client must send exactly as given, or the upload is refused.
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredObject:
    size: int
    content_type: str | None
    # Names this version of the object: it changes whenever the object is written again.
    etag: str


class Copied(Enum):
    """How a conditional copy ended."""

    DONE = "done"
    # The source is no longer the version named by the etag: it was written again.
    CHANGED = "changed"
    # The source no longer exists.
    GONE = "gone"


class StorageBackend(Protocol):
    name: str

    async def presign_put(
        self, key: str, *, content_type: str, content_length: int | None, expires_in: int
    ) -> SignedPut:
        """A URL that accepts one PUT of `key` with exactly this type (and length, if given)."""
        ...

    async def head(self, key: str) -> StoredObject | None:
        """The object's size and type, or None when it does not exist."""
        ...

    async def copy_if_match(self, source: str, target: str, etag: str) -> Copied:
        """Copy `source` to the new key `target` only if `source` is still version `etag`."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object if it exists."""
        ...

    async def first_key(self, prefix: str) -> str | None:
        """Some key starting with `prefix`, or None when there is none."""
        ...

    async def delete_prefix(self, prefix: str, limit: int) -> int:
        """Delete up to `limit` objects whose key starts with `prefix` (a folder, ending
        in "/"); how many went. Zero: none is left."""
        ...

    async def read(self, key: str, limit: int) -> bytes | None:
        """The object's bytes (None when it does not exist); ValueError past `limit`."""
        ...

    async def fetch_to(self, key: str, target: Path) -> bool:
        """Copy the object into the local file `target`; False when it does not exist."""
        ...

    async def put_public(self, key: str, body: bytes, content_type: str) -> None:
        """Store an object the server made (a poster, a cleaned photo) at a public URL."""
        ...

    async def put_private(self, key: str, body: bytes, content_type: str) -> None:
        """Store a private object (never served at a public URL)."""
        ...

    async def presign_get(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str:
        """A URL that downloads `key` as an attachment named `filename`, for `expires_in` s."""
        ...

    def public_url(self, key: str) -> str:
        """Where anyone can GET the object once uploaded."""
        ...

    def key_from_url(self, url: str) -> str | None:
        """The key of one of this backend's public or upload URLs (query dropped), else None."""
        ...

    async def close(self) -> None: ...
