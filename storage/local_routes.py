"""HTTP endpoints of the local backend: signed PUT in, public GET out."""

from __future__ import annotations

import hmac
import os
import re
import secrets
import time
from functools import partial

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from storage.keys import is_export_key, parse_key
from storage.kinds import RULE_BY_PREFIX, content_type_for_key
from storage.local import (
    DOWNLOAD_PATH,
    SIGNED_TYPE_AND_LENGTH,
    SIGNED_TYPE_ONLY,
    LocalStorage,
)

# At most 12 ASCII digits: `str.isdigit` also takes "²", and `int` of a 5,000-digit
# string raises; either would be a 500 instead of R2's 403.
_NUMBER = re.compile(r"[0-9]{1,12}")


def _now() -> float:
    # One place to read the clock, so tests can move it instead of waiting.
    return time.time()


def _refuse(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)


async def put_upload(storage: LocalStorage, request: Request) -> Response:
    key = request.path_params["key"]
    parsed = parse_key(key)
    # Only upload keys: a final key (a vouched-for copy) is written by the server alone.
    if parsed is None or parsed.final:
        return _refuse(404, "not found")
    query = request.query_params
    signed = query.get("signed", "")
    expires_raw = query.get("expires", "")
    declared_length = request.headers.get("content-length", "")
    if (
        signed not in (SIGNED_TYPE_ONLY, SIGNED_TYPE_AND_LENGTH)
        or not _NUMBER.fullmatch(expires_raw)
        or (declared_length and not _NUMBER.fullmatch(declared_length))
    ):
        return _refuse(403, "malformed upload URL")
    # As R2 checks a SigV4 query signature: the signature covers the method (this route
    # only serves PUT), the key, the expiry and the signed headers' values as sent.
    content_type = request.headers.get("content-type", "")
    length = declared_length if signed == SIGNED_TYPE_AND_LENGTH else ""
    expected = storage.signature(key, int(expires_raw), signed, content_type, length)
    if not hmac.compare_digest(expected, query.get("sig", "")):
        return _refuse(403, "signature does not match (key, Content-Type or Content-Length)")
    if int(expires_raw) < _now():
        return _refuse(403, "upload URL expired")
    if length:
        return await _store(storage, key, request, cap=int(length), exact=True)
    # Signed for the type only (the seed's flow): R2 would take any size and leave the
    # cap to verify_media_url; refusing early here just saves the disk.
    cap = RULE_BY_PREFIX[parsed.prefix].max_bytes
    if declared_length and int(declared_length) > cap:
        return _refuse(413, "body larger than allowed")
    return await _store(storage, key, request, cap=cap, exact=False)


async def _store(
    storage: LocalStorage, key: str, request: Request, *, cap: int, exact: bool
) -> Response:
    path = storage.path_for(key)
    await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed into place: a reader never sees half a file,
    # and a refused upload leaves nothing behind.
    part_file = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    received = 0
    try:
        async with await anyio.open_file(part_file, "wb") as out:
            async for chunk in request.stream():
                received += len(chunk)
                if received > cap:
                    return _refuse(403 if exact else 413, "body larger than allowed")
                await out.write(chunk)
        if exact and received != cap:
            return _refuse(403, "body length does not match the signed Content-Length")
        await anyio.to_thread.run_sync(os.replace, part_file, path)
    finally:
        await anyio.Path(part_file).unlink(missing_ok=True)
    return Response(status_code=200)


async def get_media(storage: LocalStorage, request: Request) -> Response:
    key = request.path_params["key"]
    if parse_key(key) is None:
        return _refuse(404, "not found")
    path = storage.path_for(key)
    if not await anyio.Path(path).is_file():
        return _refuse(404, "not found")
    # Served from the API's own origin: never let a browser sniff it into something else.
    return FileResponse(
        path,
        media_type=content_type_for_key(key),
        headers={"X-Content-Type-Options": "nosniff"},
    )


_FILENAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


async def get_download(storage: LocalStorage, request: Request) -> Response:
    """A private object (a data export) behind a signed, expiring URL, as an attachment:
    what an R2 presigned GET with a response Content-Disposition gives."""
    key = request.path_params["key"]
    query = request.query_params
    expires_raw, filename = query.get("expires", ""), query.get("filename", "")
    content_type = query.get("type", "")
    if not is_export_key(key) or not _NUMBER.fullmatch(expires_raw):
        return _refuse(404, "not found")
    if not _FILENAME.fullmatch(filename) or not content_type.isascii():
        return _refuse(403, "malformed download URL")
    expected = storage.download_signature(key, int(expires_raw), filename, content_type)
    if not hmac.compare_digest(expected, query.get("sig", "")):
        return _refuse(403, "signature does not match")
    if int(expires_raw) < _now():
        return _refuse(403, "download URL expired")
    path = storage.path_for(key)
    if not await anyio.Path(path).is_file():
        return _refuse(404, "not found")
    return FileResponse(
        path,
        media_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def local_storage_routes(storage: LocalStorage) -> list[Route]:
    """The routes serving `storage`, bound to it (no lookup in app state per request)."""
    return [
        Route("/uploads/{key:path}", partial(put_upload, storage), methods=["PUT"]),
        Route("/media/{key:path}", partial(get_media, storage), methods=["GET", "HEAD"]),
        Route(DOWNLOAD_PATH + "{key:path}", partial(get_download, storage), methods=["GET"]),
    ]
