"""The Cloudflare R2 backend (S3 API through aioboto3).

Presigned PUT URLs are SigV4 query-signed with the Content-Type (and Content-Length
when the size is known) among the signed headers, so R2 itself refuses an upload of
another type, another length, or to another key.

Vouching for an upload copies it server-side (CopyObject) under a key no URL is signed
for, with `x-amz-copy-source-if-match` set to the ETag the size was checked on: R2
refuses the copy (412) if the object was written again in between.

When R2 is down, a media mutation fails fast: connections time out after
CONNECT_TIMEOUT, reads after READ_TIMEOUT, a call is tried MAX_ATTEMPTS times in all and
never takes longer than CALL_DEADLINE (a server-side copy of the largest video gets
COPY_DEADLINE); then, like a 5xx from R2, it raises StorageUnavailable, which clients see
as SERVICE_UNAVAILABLE, as they see a database outage.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio

from storage.base import Copied, SignedPut, StoredObject
from storage.config import R2Config
from storage.errors import StorageConfigError, StorageUnavailable

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from types_aiobotocore_s3 import S3Client

_CHUNK = 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed"})

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 3.0
MAX_ATTEMPTS = 2
CALL_DEADLINE = 5.0
COPY_DEADLINE = 20.0


# botocore's exceptions are imported with the client, on first use, not at start (issue
# 28's cold start: ~30 ms of every start, for a process that may never touch storage).
# An `except` clause evaluates its expression only when an exception reaches it, and
# every one below follows a call on the client: botocore is loaded by then.
def _client_error() -> type[ClientError]:
    from botocore.exceptions import ClientError

    return ClientError


def _outage() -> tuple[type[Exception], ...]:
    from botocore.exceptions import (
        ConnectionClosedError,
        EndpointConnectionError,
        HTTPClientError,
    )

    return (HTTPClientError, EndpointConnectionError, ConnectionClosedError, OSError)


@asynccontextmanager
async def _outage_guard(deadline: float = CALL_DEADLINE) -> AsyncIterator[None]:
    """Turn R2 being unreachable, slow or failing into StorageUnavailable."""
    try:
        async with asyncio.timeout(deadline):
            yield
    except TimeoutError as error:
        raise StorageUnavailable(f"object storage did not answer within {deadline:g} s") from error
    except _outage() as error:
        raise StorageUnavailable(f"object storage unreachable: {type(error).__name__}") from error
    except _client_error() as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if isinstance(status, int) and status >= 500:
            raise StorageUnavailable(f"object storage failing: {_code(error)}") from error
        raise


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class R2Storage:
    name = "r2"

    def __init__(
        self,
        *,
        endpoint_url: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        public_url: str,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.bucket = bucket
        self.public_base = public_url.rstrip("/")
        self._credentials = (access_key, secret_key)
        self._stack = AsyncExitStack()
        self._client: S3Client | None = None
        # Two first requests at once must not open two clients.
        self._client_lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: R2Config) -> R2Storage:
        endpoint = config.endpoint_url or (
            f"https://{config.account_id}.r2.cloudflarestorage.com" if config.account_id else None
        )
        required = {
            "R2_ACCOUNT_ID or R2_ENDPOINT_URL": endpoint,
            "R2_ACCESS_KEY": config.access_key,
            "R2_SECRET_KEY": config.secret_key,
            "R2_BUCKET": config.bucket,
            "R2_PUBLIC_URL": config.public_url,
        }
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise StorageConfigError("R2 storage is missing: " + ", ".join(missing))
        return cls(
            endpoint_url=str(endpoint),
            access_key=str(config.access_key),
            secret_key=str(config.secret_key),
            bucket=str(config.bucket),
            public_url=str(config.public_url),
        )

    async def _s3(self) -> S3Client:
        # One client for the process, opened on first use (no I/O at import or start-up).
        # aioboto3 is imported here too: it takes ~0.6 s, a third of a cold start, and
        # most requests that wake a stopped machine never touch storage.
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                import aioboto3
                from botocore.config import Config

                access_key, secret_key = self._credentials
                session = aioboto3.Session(
                    aws_access_key_id=access_key,
                    aws_secret_access_key=secret_key,
                    region_name="auto",
                )
                creator: Any = session.client(  # type: ignore[call-overload]
                    "s3",
                    endpoint_url=self.endpoint_url,
                    # Path-style URLs (endpoint/bucket/key): what key_from_url parses back.
                    config=Config(
                        signature_version="s3v4",
                        s3={"addressing_style": "path"},
                        connect_timeout=CONNECT_TIMEOUT,
                        read_timeout=READ_TIMEOUT,
                        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                    ),
                )
                client: S3Client = await self._stack.enter_async_context(creator)
                self._client = client
                return client
            return self._client

    async def presign_put(
        self, key: str, *, content_type: str, content_length: int | None, expires_in: int
    ) -> SignedPut:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ContentType": content_type}
        headers = {"Content-Type": content_type}
        if content_length is not None:
            params["ContentLength"] = content_length
            headers["Content-Length"] = str(content_length)
        s3 = await self._s3()
        # Taken before signing, so the advertised expiry is never later than the real one.
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        # botocore serializes ContentType / ContentLength into the request's headers and
        # SigV4 query auth signs every header present (X-Amz-SignedHeaders lists them), so
        # R2 refuses a PUT whose Content-Type or Content-Length differs.
        url = await s3.generate_presigned_url(
            "put_object", Params=params, ExpiresIn=expires_in, HttpMethod="PUT"
        )
        return SignedPut(url=url, headers=headers, expires_at=expires_at)

    async def head(self, key: str) -> StoredObject | None:
        s3 = await self._s3()
        try:
            async with _outage_guard():
                found = await s3.head_object(Bucket=self.bucket, Key=key)
        except _client_error() as error:
            if _code(error) in _MISSING:
                return None
            raise
        return StoredObject(
            size=found["ContentLength"], content_type=found.get("ContentType"), etag=found["ETag"]
        )

    async def copy_if_match(self, source: str, target: str, etag: str) -> Copied:
        s3 = await self._s3()
        try:
            async with _outage_guard(COPY_DEADLINE):
                await s3.copy_object(
                    Bucket=self.bucket,
                    Key=target,
                    CopySource={"Bucket": self.bucket, "Key": source},
                    CopySourceIfMatch=etag,
                    MetadataDirective="COPY",  # keeps the Content-Type the upload was signed for
                )
        except _client_error() as error:
            code = _code(error)
            if code in _CHANGED:
                return Copied.CHANGED
            if code in _MISSING:
                return Copied.GONE
            raise
        return Copied.DONE

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        async with _outage_guard():
            await s3.delete_object(Bucket=self.bucket, Key=key)

    async def first_key(self, prefix: str) -> str | None:
        s3 = await self._s3()
        async with _outage_guard():
            found = await s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1)
        contents = found.get("Contents") or []
        return contents[0].get("Key") if contents else None

    async def delete_prefix(self, prefix: str, limit: int) -> int:
        s3 = await self._s3()
        # One page of keys, one DeleteObjects call: both capped at 1000 by the S3 API.
        found = await s3.list_objects_v2(
            Bucket=self.bucket, Prefix=prefix, MaxKeys=min(limit, 1000)
        )
        keys = [item["Key"] for item in found.get("Contents") or [] if "Key" in item]
        if keys:
            done = await s3.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
            )
            # Quiet mode lists only failures: left alone, the caller would list and try
            # them again forever. Failing lets the erasure record the error and retry later.
            if done.get("Errors"):
                first = done["Errors"][0]
                raise RuntimeError(
                    f"R2 refused to delete {len(done['Errors'])} object(s) under {prefix}: "
                    f"{first.get('Code')} {first.get('Message')}"
                )
        return len(keys)

    async def read(self, key: str, limit: int) -> bytes | None:
        s3 = await self._s3()
        try:
            found = await s3.get_object(Bucket=self.bucket, Key=key)
        except _client_error() as error:
            if _code(error) in _MISSING:
                return None
            raise
        body = found["Body"]
        async with body:
            if found["ContentLength"] > limit:
                raise ValueError(f"{key} is larger than {limit} bytes")
            data: bytes = await body.read()
        return data

    async def fetch_to(self, key: str, target: Path) -> bool:
        s3 = await self._s3()
        try:
            found = await s3.get_object(Bucket=self.bucket, Key=key)
        except _client_error() as error:
            if _code(error) in _MISSING:
                return False
            raise
        # Streamed to disk a chunk at a time: a 100 MiB video never sits in memory whole.
        # (`async with` on the body gives aiohttp's response: read the body itself.)
        body = found["Body"]
        async with body, await anyio.open_file(target, "wb") as out:
            while chunk := await body.read(_CHUNK):
                await out.write(chunk)
        return True

    async def put_public(self, key: str, body: bytes, content_type: str) -> None:
        s3 = await self._s3()
        await s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    async def put_private(self, key: str, body: bytes, content_type: str) -> None:
        s3 = await self._s3()
        async with _outage_guard(COPY_DEADLINE):
            await s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    async def presign_get(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str:
        s3 = await self._s3()
        # The response headers are part of the signed query: the download is an attachment
        # of this type whatever the object's own metadata says.
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
            HttpMethod="GET",
        )
        return url

    def public_url(self, key: str) -> str:
        return f"{self.public_base}/{key}"

    def key_from_url(self, url: str) -> str | None:
        parts = urlsplit(url)
        path = unquote(parts.path)
        public = urlsplit(self.public_base)
        if (parts.scheme, parts.netloc) == (public.scheme, public.netloc):
            base_path = public.path.rstrip("/") + "/"
            return path[len(base_path) :] if path.startswith(base_path) else None
        endpoint = urlsplit(self.endpoint_url)
        if (parts.scheme, parts.netloc) == (endpoint.scheme, endpoint.netloc):
            bucket_path = f"{endpoint.path.rstrip('/')}/{self.bucket}/"
            return path[len(bucket_path) :] if path.startswith(bucket_path) else None
        return None

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None
