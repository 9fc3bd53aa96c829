"""Direct uploads through the front door: sign, PUT the bytes, vouch for the URL.

The local backend plays R2's part: the API signs a PUT URL, serves that PUT itself
(refusing anything R2 would refuse) and serves the bytes back on a public URL.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from storage import local_routes
from storage.errors import MediaRejected
from storage.kinds import MIB, RULES, MediaKind
from storage.local import LocalStorage
from storage.service import MediaStorage
from tests.support.client import (
    BASE_URL,
    CREATE_UPLOAD,
    Account,
    Api,
    code_of,
    is_copy_of,
    upload_media,
)
from tests.support.media import jpeg, png

PRESIGN = "mutation Presign($f: String!) { getPresignedUploadUrl(filename: $f) }"
SET_AVATAR = """
mutation Avatar($url: String!) { updateProfile(avatar_url: $url) { avatar_url } }
"""
MB = 1_000_000


async def create_upload(
    api: Api, account: Account, kind: str, content_type: str, size: int
) -> dict[str, Any]:
    data = await api.data(
        CREATE_UPLOAD, {"kind": kind, "type": content_type, "size": size}, account.token
    )
    ticket: dict[str, Any] = data["createUpload"]
    return ticket


def headers_of(ticket: dict[str, Any]) -> dict[str, str]:
    return {h["name"]: h["value"] for h in ticket["headers"]}


async def presign(api: Api, account: Account, filename: str) -> str:
    url: str = (await api.data(PRESIGN, {"f": filename}, account.token))["getPresignedUploadUrl"]
    return url


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


async def set_avatar(api: Api, account: Account, url: str) -> dict[str, Any]:
    return await api.execute(SET_AVATAR, {"url": url}, account.token)


# --- the whole flow -------------------------------------------------------------------


async def test_ask_put_then_get_the_bytes_back_from_the_public_url(api: Api) -> None:
    account = await api.signup()
    body = b"\x00\x00\x00\x18ftypmp42 not really a video"
    ticket = await create_upload(api, account, "VIDEO", "video/mp4", len(body))
    assert ticket["method"] == "PUT"
    assert headers_of(ticket) == {"Content-Type": "video/mp4", "Content-Length": str(len(body))}
    assert (await api.http.get(ticket["public_url"])).status_code == 404

    put = await api.http.put(ticket["upload_url"], content=body, headers=headers_of(ticket))
    assert put.status_code == 200, put.text

    got = await api.http.get(ticket["public_url"])
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "video/mp4"
    assert got.headers["x-content-type-options"] == "nosniff"


async def test_an_uploaded_avatar_becomes_the_profile_picture(api: Api) -> None:
    account = await api.signup()
    url = await upload_media(api, account, "AVATAR", png(40, 30))
    assert url.startswith(f"{BASE_URL}/media/avatars/{account.id}/")
    data = await api.data(SET_AVATAR, {"url": url}, account.token)
    # What is stored is a copy under a key no upload URL can write.
    stored = data["updateProfile"]["avatar_url"]
    assert is_copy_of(stored, url)
    # ...and a clean one: the picture re-encoded (tests/storage/test_image_cleaning.py).
    got = await api.http.get(stored)
    assert got.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(got.content)).size == (40, 30)


async def test_the_seed_flow_signs_the_type_and_accepts_the_upload_url_as_media(
    api: Api,
) -> None:
    account = await api.signup()
    upload_url = await presign(api, account, "Summit.JPG")
    assert upload_url.startswith(f"{BASE_URL}/uploads/photos/{account.id}/")
    body = jpeg(24, 16)

    put = await api.http.put(upload_url, content=body, headers={"Content-Type": "image/jpeg"})
    assert put.status_code == 200, put.text

    data = await api.data(SET_AVATAR, {"url": without_query(upload_url)}, account.token)
    # The canonical public URL is stored, not the upload URL the client handed in.
    public_url = data["updateProfile"]["avatar_url"]
    name = without_query(upload_url).rsplit("/", 1)[1].removesuffix(".jpg")
    assert re.fullmatch(
        rf"{BASE_URL}/media/media/avatars/{account.id}/{name}\.[A-Za-z0-9_-]{{16}}\.jpg",
        public_url,
    )
    got = await api.http.get(public_url)
    assert got.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(got.content)).size == (24, 16)


@pytest.mark.parametrize("sent_type", [None, "image/png", "image/jpeg; charset=utf-8"])
async def test_the_seed_url_refuses_any_other_content_type(api: Api, sent_type: str | None) -> None:
    account = await api.signup()
    upload_url = await presign(api, account, "top.jpg")
    headers = {"Content-Type": sent_type} if sent_type else {}
    put = await api.http.put(upload_url, content=b"bytes", headers=headers)
    assert put.status_code == 403
    assert code_of(await set_avatar_error(api, account, without_query(upload_url))) == (
        "BAD_USER_INPUT"
    )


async def set_avatar_error(api: Api, account: Account, url: str) -> dict[str, Any]:
    return await api.error(SET_AVATAR, {"url": url}, account.token)


@pytest.mark.parametrize(
    ("filename", "prefix", "extension"),
    [("../../../etc/passwd.mp4", "videos", "mp4"),
     ("my holiday <script>.MOV", "videos", "mov"),
     ("videos/someone-else/clip.webm", "videos", "webm"),
     ("photo.heic", "photos", "heic")],
)  # fmt: skip
async def test_keys_are_made_by_the_server_never_from_the_file_name(
    api: Api, filename: str, prefix: str, extension: str
) -> None:
    account = await api.signup()
    url = await presign(api, account, filename)
    path = urlsplit(url).path
    assert re.fullmatch(rf"/uploads/{prefix}/{account.id}/[A-Za-z0-9_-]{{24}}\.{extension}", path)


async def test_create_upload_keys_are_random_under_the_caller_s_prefix(api: Api) -> None:
    account = await api.signup()
    first = await create_upload(api, account, "VIDEO", "video/webm", 10)
    second = await create_upload(api, account, "VIDEO", "video/webm", 10)
    for ticket in (first, second):
        assert re.fullmatch(rf"videos/{account.id}/[A-Za-z0-9_-]{{24}}\.webm", ticket["key"])
        assert ticket["public_url"] == f"{BASE_URL}/media/{ticket['key']}"
        assert without_query(ticket["upload_url"]) == f"{BASE_URL}/uploads/{ticket['key']}"
    assert first["key"] != second["key"]


# --- refused PUTs ---------------------------------------------------------------------

Put = tuple[str, dict[str, str], bytes]


def _bigger(put: Put) -> Put:
    url, headers, body = put
    return url, {**headers, "Content-Length": str(2 * MB)}, body + body


def _png(put: Put) -> Put:
    url, headers, body = put
    return url, {**headers, "Content-Type": "image/png"}, body


def _other_key(put: Put) -> Put:
    url, headers, body = put
    name = urlsplit(url).path.rsplit("/", 1)[1]
    return url.replace(name, ("A" if name[0] != "A" else "B") + name[1:]), headers, body


def _other_prefix(put: Put) -> Put:
    url, headers, body = put
    return (
        url.replace("/uploads/videos/", "/uploads/photos/").replace(".mp4", ".jpg"),
        headers,
        body,
    )


def _tampered_signature(put: Put) -> Put:
    url, headers, body = put
    last = url[-1]
    return url[:-1] + ("0" if last != "0" else "1"), headers, body


def _later_expiry(put: Put) -> Put:
    url, headers, body = put
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    return url.replace(f"expires={expires}", f"expires={int(expires) + 3600}"), headers, body


def _type_only(put: Put) -> Put:
    url, headers, body = put
    return url.replace("signed=content-length%3Bcontent-type", "signed=content-type"), headers, body


@pytest.mark.parametrize(
    "tamper",
    [_bigger, _png, _other_key, _other_prefix, _tampered_signature, _later_expiry, _type_only],
)
async def test_a_url_signed_for_1_mb_of_mp4_refuses_anything_else(
    api: Api, tamper: Callable[[Put], Put]
) -> None:
    account = await api.signup()
    ticket = await create_upload(api, account, "VIDEO", "video/mp4", MB)
    signed: Put = (ticket["upload_url"], headers_of(ticket), b"v" * MB)
    url, headers, body = tamper(signed)
    assert (url, headers, body) != signed

    refused = await api.http.put(url, content=body, headers=headers)
    assert refused.status_code == 403, refused.text
    assert (await api.http.get(ticket["public_url"])).status_code == 404

    # The URL itself was good: sent as signed, the same upload goes through.
    accepted = await api.http.put(signed[0], content=signed[2], headers=signed[1])
    assert accepted.status_code == 200


async def test_a_url_stops_working_when_it_expires_within_15_minutes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await api.signup()
    asked_at = datetime.now(UTC)
    ticket = await create_upload(api, account, "PHOTO", "image/webp", 4)
    expires_at = datetime.fromisoformat(ticket["expires_at"])
    assert asked_at < expires_at <= asked_at + timedelta(minutes=15, seconds=1)
    expires = int(parse_qs(urlsplit(ticket["upload_url"]).query)["expires"][0])
    assert expires == int(expires_at.timestamp())

    monkeypatch.setattr(local_routes, "_now", lambda: expires + 1)
    late = await api.http.put(ticket["upload_url"], content=b"webp", headers=headers_of(ticket))
    assert late.status_code == 403
    assert "expired" in late.text

    monkeypatch.setattr(local_routes, "_now", lambda: expires - 1)
    in_time = await api.http.put(ticket["upload_url"], content=b"webp", headers=headers_of(ticket))
    assert in_time.status_code == 200


async def _chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        size = min(MIB, total - sent)
        sent += size
        yield b"p" * size


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_type_only_url_refuses_a_body_over_the_kind_s_cap(api: Api, declared: bool) -> None:
    account = await api.signup()
    upload_url = await presign(api, account, "huge.png")
    over_cap = 15 * MIB + 1
    body: bytes | AsyncIterator[bytes] = b"p" * over_cap if declared else _chunks(over_cap)
    put = await api.http.put(upload_url, content=body, headers={"Content-Type": "image/png"})
    assert put.status_code == 413
    # Nothing was kept: the URL names no uploaded file.
    error = await set_avatar_error(api, account, without_query(upload_url))
    assert "not been uploaded" in error["message"]


# --- createUpload / getPresignedUploadUrl input ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type", "size", "field"),
    [("VIDEO", "image/png", 10, "content_type"),
     ("PHOTO", "video/mp4", 10, "content_type"),
     ("AVATAR", "image/gif", 10, "content_type"),
     ("VIDEO", "text/html", 10, "content_type"),
     ("VIDEO", "video/mp4", 0, "size"),
     ("PHOTO", "image/jpeg", -1, "size"),
     ("VIDEO", "video/mp4", 100 * MIB + 1, "size"),
     ("PHOTO", "image/jpeg", 15 * MIB + 1, "size"),
     ("AVATAR", "image/jpeg", 5 * MIB + 1, "size")],
)  # fmt: skip
async def test_create_upload_refuses_bad_input_naming_the_field(
    api: Api, kind: str, content_type: str, size: int, field: str
) -> None:
    account = await api.signup()
    error = await api.error(
        CREATE_UPLOAD, {"kind": kind, "type": content_type, "size": size}, account.token
    )
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


@pytest.mark.parametrize(
    ("kind", "content_type", "size"),
    [("VIDEO", "video/quicktime", 100 * MIB), ("PHOTO", "image/heic", 15 * MIB),
     ("AVATAR", "IMAGE/PNG", 5 * MIB)],
)  # fmt: skip
async def test_create_upload_accepts_each_kind_up_to_its_cap(
    api: Api, kind: str, content_type: str, size: int
) -> None:
    account = await api.signup()
    ticket = await create_upload(api, account, kind, content_type, size)
    assert headers_of(ticket) == {"Content-Type": content_type.lower(), "Content-Length": str(size)}


async def test_an_unknown_kind_is_refused_by_the_schema(api: Api) -> None:
    account = await api.signup()
    error = await api.error(
        CREATE_UPLOAD, {"kind": "GIF", "type": "image/gif", "size": 10}, account.token
    )
    # An enum: GraphQL itself refuses the value before any resolver runs.
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "kind" in error["message"]


async def test_a_size_beyond_graphql_int_is_a_client_error(api: Api) -> None:
    account = await api.signup()
    error = await api.error(
        CREATE_UPLOAD, {"kind": "VIDEO", "type": "video/mp4", "size": 2**31}, account.token
    )
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "size" in error["message"]


@pytest.mark.parametrize("filename", ["notes.txt", "clip", "image.gif", "page.html", ""])
async def test_get_presigned_upload_url_refuses_unknown_file_types(api: Api, filename: str) -> None:
    account = await api.signup()
    error = await api.error(PRESIGN, {"f": filename}, account.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "filename"


@pytest.mark.parametrize(
    ("query", "variables"),
    [(CREATE_UPLOAD, {"kind": "VIDEO", "type": "video/mp4", "size": 10}),
     (PRESIGN, {"f": "clip.mp4"})],
)  # fmt: skip
async def test_signing_an_upload_needs_an_account(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    error = await api.error(query, variables)
    assert code_of(error) == "UNAUTHENTICATED"


# --- vouching for media URLs (through updateProfile) ----------------------------------


async def test_someone_else_s_upload_is_refused(api: Api) -> None:
    owner, other = await api.signup(), await api.signup()
    url = await upload_media(api, owner, "AVATAR")
    error = await set_avatar_error(api, other, url)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "avatar_url")
    assert "your own" in error["message"]


async def test_a_signed_but_never_uploaded_file_is_refused(api: Api) -> None:
    account = await api.signup()
    ticket = await create_upload(api, account, "AVATAR", "image/png", 10)
    error = await set_avatar_error(api, account, ticket["public_url"])
    assert code_of(error) == "BAD_USER_INPUT"
    assert "not been uploaded" in error["message"]


async def test_a_photo_over_the_avatar_cap_is_refused_as_an_avatar(api: Api) -> None:
    account = await api.signup()
    # The seed flow signs no length: a 5 MiB + 1 photo is a fine photo but too big an avatar.
    upload_url = await presign(api, account, "big.jpg")
    body = b"j" * (5 * MIB + 1)
    put = await api.http.put(upload_url, content=body, headers={"Content-Type": "image/jpeg"})
    assert put.status_code == 200
    error = await set_avatar_error(api, account, without_query(upload_url))
    assert code_of(error) == "BAD_USER_INPUT"
    assert "larger" in error["message"]


async def test_a_video_is_not_an_avatar(api: Api) -> None:
    account = await api.signup()
    url = await upload_media(api, account, "VIDEO")
    error = await set_avatar_error(api, account, url)
    assert code_of(error) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "make_url",
    [lambda key: "https://example.com/cat.jpg",
     lambda key: f"https://evil.example.com/media/{key}",
     lambda key: f"https://testserver/media/{key}",
     lambda key: f"{BASE_URL}/graphql",
     lambda key: f"{BASE_URL}/media/{key.replace('avatars/', 'avatars/x/../')}",
     lambda key: "not a url at all"],
    ids=["arbitrary-https", "other-host", "other-scheme", "not-media", "traversal", "garbage"],
)  # fmt: skip
async def test_urls_that_are_not_this_api_s_uploads_are_refused(
    api: Api, make_url: Callable[[str], str]
) -> None:
    account = await api.signup()
    public_url = await upload_media(api, account, "AVATAR")
    key = public_url.removeprefix(f"{BASE_URL}/media/")
    error = await set_avatar_error(api, account, make_url(key))
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "avatar_url")
    me = await api.data("{ me { avatar_url } }", token=account.token)
    assert me["me"]["avatar_url"] is None


# --- vouching, unit-level (kinds the GraphQL side of this branch cannot reach yet) -----

OWNER = "65f0c0ffee0123456789abcd"
STRANGER = "65f0c0ffee0123456789abce"


@pytest.fixture
def storage(tmp_path: Path) -> MediaStorage:
    return MediaStorage(LocalStorage(tmp_path / "uploads", BASE_URL, "unit-test-secret"))


async def stored(
    storage: MediaStorage, kind: MediaKind, content_type: str, size: int, body: bytes = b""
) -> str:
    """Sign an upload and put `body`, then (sparse) bytes up to `size`, where the PUT would."""
    ticket = await storage.create_upload(
        kind=kind, content_type=content_type, size=None, owner_id=OWNER
    )
    backend = storage.backend
    assert isinstance(backend, LocalStorage)
    path = backend.path_for(ticket.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.write(body)
        file.truncate(max(size, len(body)))
    return ticket.public_url


async def test_a_video_over_100_mib_is_refused_at_its_cap_accepted(
    storage: MediaStorage,
) -> None:
    at_cap = await stored(storage, MediaKind.VIDEO, "video/mp4", 100 * MIB)
    vouched = await storage.verify_media_url(
        at_cap, kind=MediaKind.VIDEO, owner_id=OWNER, field="v"
    )
    assert is_copy_of(vouched, at_cap)
    over = await stored(storage, MediaKind.VIDEO, "video/mp4", 100 * MIB + 1)
    with pytest.raises(MediaRejected, match="larger") as caught:
        await storage.verify_media_url(over, kind=MediaKind.VIDEO, owner_id=OWNER, field="v")
    assert caught.value.field == "v"


@pytest.mark.parametrize(
    ("uploaded", "content_type", "wanted", "accepted"),
    [(MediaKind.PHOTO, "image/png", MediaKind.PHOTO, True),
     (MediaKind.PHOTO, "image/png", MediaKind.AVATAR, True),
     (MediaKind.AVATAR, "image/png", MediaKind.PHOTO, False),
     (MediaKind.VIDEO, "video/mp4", MediaKind.PHOTO, False),
     (MediaKind.PHOTO, "image/png", MediaKind.VIDEO, False)],
)  # fmt: skip
async def test_a_url_is_vouched_for_only_as_its_own_kind(
    storage: MediaStorage,
    uploaded: MediaKind,
    content_type: str,
    wanted: MediaKind,
    accepted: bool,
) -> None:
    url = await stored(storage, uploaded, content_type, 10, png() if accepted else b"")
    if accepted:
        vouched = await storage.verify_media_url(url, kind=wanted, owner_id=OWNER, field="f")
        # The copy is filed under the kind it was vouched for.
        assert vouched.startswith(f"{BASE_URL}/media/media/{RULES[wanted].prefix}/{OWNER}/")
        return
    with pytest.raises(MediaRejected, match="upload"):
        await storage.verify_media_url(url, kind=wanted, owner_id=OWNER, field="f")


async def test_a_foreign_video_is_refused(storage: MediaStorage) -> None:
    url = await stored(storage, MediaKind.VIDEO, "video/mp4", 10)
    with pytest.raises(MediaRejected, match="your own"):
        await storage.verify_media_url(url, kind=MediaKind.VIDEO, owner_id=STRANGER, field="v")


async def test_the_canonical_public_url_is_returned_for_an_upload_url(
    storage: MediaStorage,
) -> None:
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=None, owner_id=OWNER
    )
    backend = storage.backend
    assert isinstance(backend, LocalStorage)
    backend.path_for(ticket.key).parent.mkdir(parents=True)
    backend.path_for(ticket.key).write_bytes(b"mp4")
    vouched = await storage.verify_media_url(
        f" {without_query(ticket.upload_url)} ", kind=MediaKind.VIDEO, owner_id=OWNER, field="v"
    )
    assert is_copy_of(vouched, ticket.public_url)
