"""The local storage backend: R2's presigned-PUT contract, served by the API itself.

For development and tests with no cloud account. Upload URLs are HMAC-signed over the
method, key, expiry and the headers they bind (Content-Type, and Content-Length when
the size is known), and `storage.local_routes` checks them as R2 checks a SigV4
presigned URL: any mismatch is a 403. Objects live under `DATA_DIR/uploads`.

A PUT always writes a new file and renames it into place, never rewrites one: so a
file's inode, size and mtime name one version of it, as an S3 ETag does, and a copy
made from an open file descriptor copies exactly the version that descriptor names.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import anyio.to_thread

from storage.base import Copied, SignedPut, StoredObject
from storage.keys import parse_key
from storage.kinds import content_type_for_key

UPLOAD_PATH = "/uploads/"
MEDIA_PATH = "/media/"
DOWNLOAD_PATH = "/downloads/"
SIGNED_TYPE_ONLY = "content-type"
SIGNED_TYPE_AND_LENGTH = "content-length;content-type"
_COPY_CHUNK = 1024 * 1024


def _etag(stat: os.stat_result) -> str:
    return f"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"


def _copy_if_match(source: Path, target: Path, etag: str) -> Copied:
    try:
        reader = source.open("rb")
    except FileNotFoundError:
        return Copied.GONE
    with reader:
        # The open descriptor pins this version: a PUT landing now replaces the name,
        # not these bytes, so what is checked here is exactly what gets copied.
        if _etag(os.fstat(reader.fileno())) != etag:
            return Copied.CHANGED
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            with part.open("xb") as out:
                shutil.copyfileobj(reader, out, _COPY_CHUNK)
            # Renamed into place whole; `target` is a fresh key, so nothing is replaced.
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    return Copied.DONE


def _write_whole(path: Path, body: bytes, mode: int) -> None:
    """Write `body` beside `path` and rename it into place: never seen half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        part.write_bytes(body)
        part.chmod(mode)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


class LocalStorage:
    name = "local"

    def __init__(self, root: Path, base_url: str, secret: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        # A key of its own, derived from the service secret, so an upload signature can
        # never be replayed as anything else.
        self._key = hmac.new(secret.encode(), b"local-upload-urls", hashlib.sha256).digest()
        self._download_key = hmac.new(
            secret.encode(), b"local-download-urls", hashlib.sha256
        ).digest()

    def signature(
        self,
        key: str,
        expires: int,
        signed_headers: str,
        content_type: str,
        content_length: str,
    ) -> str:
        message = "\n".join(
            ("PUT", key, str(expires), signed_headers, content_type, content_length)
        )
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    async def presign_put(
        self, key: str, *, content_type: str, content_length: int | None, expires_in: int
    ) -> SignedPut:
        expires = int(time.time()) + expires_in
        headers = {"Content-Type": content_type}
        if content_length is None:
            signed, length = SIGNED_TYPE_ONLY, ""
        else:
            signed, length = SIGNED_TYPE_AND_LENGTH, str(content_length)
            headers["Content-Length"] = length
        query = urlencode(
            {
                "expires": expires,
                "signed": signed,
                "sig": self.signature(key, expires, signed, content_type, length),
            }
        )
        return SignedPut(
            url=f"{self.base_url}{UPLOAD_PATH}{key}?{query}",
            headers=headers,
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    def download_signature(self, key: str, expires: int, filename: str, content_type: str) -> str:
        message = "\n".join(("GET", key, str(expires), filename, content_type))
        return hmac.new(self._download_key, message.encode(), hashlib.sha256).hexdigest()

    async def presign_get(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str:
        expires = int(time.time()) + expires_in
        query = urlencode(
            {
                "expires": expires,
                "filename": filename,
                "type": content_type,
                "sig": self.download_signature(key, expires, filename, content_type),
            }
        )
        return f"{self.base_url}{DOWNLOAD_PATH}{key}?{query}"

    async def put_private(self, key: str, body: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(_write_whole, self.path_for(key), body, 0o600)

    async def put_public(self, key: str, body: bytes, content_type: str) -> None:
        # Served with the type its extension names (content_type_for_key).
        await anyio.to_thread.run_sync(_write_whole, self.path_for(key), body, 0o644)

    async def read(self, key: str, limit: int) -> bytes | None:
        path = self.path_for(key)

        def read() -> bytes | None:
            try:
                with path.open("rb") as reader:
                    body = reader.read(limit + 1)
            except FileNotFoundError:
                return None
            if len(body) > limit:
                raise ValueError(f"{key} is larger than {limit} bytes")
            return body

        return await anyio.to_thread.run_sync(read)

    async def fetch_to(self, key: str, target: Path) -> bool:
        source = self.path_for(key)

        def copy() -> bool:
            try:
                shutil.copyfile(source, target)
            except FileNotFoundError:
                return False
            return True

        return await anyio.to_thread.run_sync(copy)

    async def delete_prefix(self, prefix: str, limit: int) -> int:
        if not prefix.endswith("/"):
            raise ValueError(f"a prefix is a folder ending in '/', got {prefix!r}")
        directory = self.path_for(prefix)

        def erase() -> int:
            try:
                entries = [entry for entry in os.scandir(directory) if entry.is_file()]
            except FileNotFoundError:
                return 0
            # Half-written ".part" files go too: they hold the owner's bytes as well.
            for entry in entries[:limit]:
                Path(entry.path).unlink(missing_ok=True)
            if len(entries) <= limit:
                with contextlib.suppress(OSError):  # not empty (a new file): kept
                    directory.rmdir()
            return min(len(entries), limit)

        return await anyio.to_thread.run_sync(erase)

    def path_for(self, key: str) -> Path:
        return self.root / key

    async def head(self, key: str) -> StoredObject | None:
        path = self.path_for(key)
        try:
            stat = await anyio.to_thread.run_sync(path.stat)
        except FileNotFoundError:
            return None
        return StoredObject(
            size=stat.st_size, content_type=content_type_for_key(key), etag=_etag(stat)
        )

    async def copy_if_match(self, source: str, target: str, etag: str) -> Copied:
        return await anyio.to_thread.run_sync(
            _copy_if_match, self.path_for(source), self.path_for(target), etag
        )

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_for(key)).unlink(missing_ok=True)

    async def first_key(self, prefix: str) -> str | None:
        directory, _, start = prefix.rpartition("/")

        def scan() -> str | None:
            try:
                names = sorted(
                    f"{directory}/{entry.name}"
                    for entry in os.scandir(self.root / directory)
                    if entry.name.startswith(start)
                )
            except FileNotFoundError:
                return None
            # Half-copied files (".<name>.part") are not keys.
            return next((key for key in names if parse_key(key) is not None), None)

        return await anyio.to_thread.run_sync(scan)

    def public_url(self, key: str) -> str:
        return f"{self.base_url}{MEDIA_PATH}{key}"

    def key_from_url(self, url: str) -> str | None:
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        path = parts.path
        for prefix in (base.path + MEDIA_PATH, base.path + UPLOAD_PATH):
            if path.startswith(prefix):
                return path[len(prefix) :]
        return None

    async def close(self) -> None:
        return None
