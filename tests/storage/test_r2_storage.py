"""The R2 backend against a local S3 endpoint (a moto server), and its settings wiring.

moto checks neither signatures nor signed headers, so it only proves the plumbing
(sign, PUT, HEAD, copy, URLs). That R2 would refuse another type, length or key is shown
by checking the SigV4 query signature ourselves, as R2 does, in `_sigv4_signature`.
moto (5.2.5) also ignores CopyObject's `x-amz-copy-source-if-match`; the server here is
taught it, as S3 and R2 document it, by `_honour_copy_source_if_match`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlsplit

import aioboto3
import httpx
import pytest
from beanie import PydanticObjectId
from moto.s3.exceptions import PreconditionFailed
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer
from PIL import Image

from api.app import create_app
from api.settings import ConfigurationError, Settings
from api.wiring import storage_from as build_storage
from models.audience import Audience
from models.registry import Repositories
from models.video import PROCESSING
from storage.base import MAX_EXPIRY_SECONDS, StoredObject
from storage.errors import MediaRejected
from storage.kinds import MediaKind
from storage.local import LocalStorage
from storage.r2 import R2Storage
from storage.service import MediaStorage, UploadTicket
from tests.support.media import clip, jpeg, png
from workflows.media import MediaWork

ACCESS_KEY, SECRET_KEY = "test-access-key", "test-secret-key"
PUBLIC_URL = "https://media.example.com"
OWNER = "65f0c0ffee0123456789abcd"
STRANGER = "65f0c0ffee0123456789abce"
MB = 1_000_000
JWT_SECRET = "r2-test-secret-" + "x" * 40


def _honour_copy_source_if_match(patch: pytest.MonkeyPatch) -> None:
    """CopyObject answers 412 PreconditionFailed when the source's ETag is not the one
    given in `x-amz-copy-source-if-match`, as S3 and R2 do (moto skips the check)."""
    copy_object = S3Response.copy_object

    def checked_copy_object(self: Any) -> Any:
        wanted = self.headers.get("x-amz-copy-source-if-match")
        if wanted is not None:
            source = unquote(urlsplit(str(self.headers["x-amz-copy-source"])).path)
            bucket, key = source.lstrip("/").split("/", 1)
            current = self.backend.get_object(bucket, key)
            if current is not None and wanted not in (current.etag, current.etag.strip('"')):
                raise PreconditionFailed("x-amz-copy-source-If-Match")
        return copy_object(self)

    patch.setattr(S3Response, "copy_object", checked_copy_object)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        _honour_copy_source_if_match(patch)  # the server runs in this process
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


@pytest.fixture
async def bucket(s3_endpoint: str) -> str:
    name = f"media-{secrets.token_hex(4)}"
    # moto refuses a bucket in region "auto" without a location constraint: create it
    # the way an operator would, once, outside the app.
    session = aioboto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
    )
    async with session.client("s3", endpoint_url=s3_endpoint) as s3:
        await s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
async def r2(s3_endpoint: str, bucket: str) -> AsyncIterator[R2Storage]:
    backend = R2Storage(
        endpoint_url=s3_endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=bucket,
        public_url=PUBLIC_URL,
    )
    yield backend
    await backend.close()


@pytest.fixture
async def offline_r2() -> AsyncIterator[R2Storage]:
    """Signing needs no network: an R2 backend aimed at the real endpoint's shape."""
    backend = R2Storage(
        endpoint_url="https://0123456789abcdef.r2.cloudflarestorage.com",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket="media",
        public_url=PUBLIC_URL,
    )
    yield backend
    await backend.close()


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


# --- plumbing against moto ------------------------------------------------------------


async def test_a_presigned_put_lands_the_object_and_head_finds_it(r2: R2Storage) -> None:
    storage = MediaStorage(r2)
    body = b"\x00\x00\x00\x18ftypmp42"
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=len(body), owner_id=OWNER
    )
    assert await r2.head(ticket.key) is None

    async with httpx.AsyncClient() as http:
        put = await http.put(ticket.upload_url, content=body, headers=ticket.headers)
    assert put.status_code == 200, put.text

    found = await r2.head(ticket.key)
    assert found is not None
    assert (found.size, found.content_type) == (len(body), "video/mp4")
    assert ticket.public_url == f"{PUBLIC_URL}/{ticket.key}"


async def test_verify_media_url_vouches_for_public_and_upload_urls(r2: R2Storage) -> None:
    storage = MediaStorage(r2)
    ticket = await storage.create_upload(
        kind=MediaKind.PHOTO, content_type="image/jpeg", size=None, owner_id=OWNER
    )
    async with httpx.AsyncClient() as http:
        put = await http.put(ticket.upload_url, content=jpeg(), headers=ticket.headers)
    assert put.status_code == 200, put.text

    # The first call copies the upload to a final key; naming the upload again (by either
    # of its URLs: a retried mutation) finds that copy rather than failing.
    copies = {
        await storage.verify_media_url(url, kind=MediaKind.PHOTO, owner_id=OWNER, field="photo_url")
        for url in (ticket.public_url, without_query(ticket.upload_url))
    }
    [final_url] = copies
    name = ticket.key.rsplit("/", 1)[1].removesuffix(".jpg")
    assert re.fullmatch(
        rf"{PUBLIC_URL}/media/photos/{OWNER}/{name}\.[A-Za-z0-9_-]{{16}}\.jpg", final_url
    )
    assert await r2.head(ticket.key) is None  # the upload itself is gone
    with pytest.raises(MediaRejected, match="your own"):
        await storage.verify_media_url(
            final_url, kind=MediaKind.PHOTO, owner_id=STRANGER, field="photo_url"
        )


async def _uploaded(storage: MediaStorage, kind: MediaKind, body: bytes) -> UploadTicket:
    """An object uploaded as the seed's flow does (type signed, size checked later)."""
    content_type = "image/png" if kind is MediaKind.AVATAR else "image/jpeg"
    ticket = await storage.create_upload(
        kind=kind, content_type=content_type, size=None, owner_id=OWNER
    )
    await _put(ticket.upload_url, body, ticket.headers)
    return ticket


async def test_discard_deletes_stored_copies_and_nothing_else(r2: R2Storage) -> None:
    storage = MediaStorage(r2)
    ticket = await _uploaded(storage, MediaKind.PHOTO, jpeg())
    final_url = await storage.verify_media_url(
        ticket.public_url, kind=MediaKind.PHOTO, owner_id=OWNER, field="photo_url"
    )
    final_key = r2.key_from_url(final_url)
    assert final_key is not None
    assert await r2.head(final_key) is not None

    other = await _uploaded(storage, MediaKind.PHOTO, jpeg())
    # An upload (not a stored copy) and another site's URL are left alone.
    assert await storage.discard(other.public_url) is False
    assert await r2.head(other.key) is not None
    assert await storage.discard("https://elsewhere.example/media/photos/x.jpg") is False

    assert await storage.discard(final_url) is True
    assert await r2.head(final_key) is None
    assert await storage.discard(final_url) is True  # already gone: no error


async def test_verify_media_url_refuses_a_missing_object(r2: R2Storage) -> None:
    storage = MediaStorage(r2)
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=10, owner_id=OWNER
    )
    with pytest.raises(MediaRejected, match="not been uploaded"):
        await storage.verify_media_url(
            ticket.public_url, kind=MediaKind.VIDEO, owner_id=OWNER, field="video_url"
        )


async def _put(url: str, body: bytes, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient() as http:
        put = await http.put(url, content=body, headers=headers)
    assert put.status_code == 200, put.text


async def _body(r2: R2Storage, public_url: str) -> bytes:
    key = r2.key_from_url(public_url)
    assert key is not None
    s3 = await r2._s3()
    found = await s3.get_object(Bucket=r2.bucket, Key=key)
    async with found["Body"] as stream:
        body: bytes = await stream.read()
    return body


async def test_erasing_an_owner_deletes_every_object_under_their_prefixes_only(
    r2: R2Storage,
) -> None:
    storage = MediaStorage(r2)
    mine = [await _uploaded(storage, MediaKind.PHOTO, jpeg()) for _ in range(3)]
    final = await storage.verify_media_url(
        mine[0].public_url, kind=MediaKind.PHOTO, owner_id=OWNER, field="photo_url"
    )
    export_key = await storage.store_export(OWNER, b"{}")
    strangers = await storage.create_upload(
        kind=MediaKind.PHOTO, content_type="image/jpeg", size=None, owner_id=STRANGER
    )
    await _put(strangers.upload_url, b"theirs", strangers.headers)

    batches = []
    while erased := await storage.erase_owner_batch(OWNER, 2):
        batches.append(erased)
    assert sum(batches) == 4  # two uploads left, the copy, the export
    assert max(batches) <= 2
    for key in (r2.key_from_url(final), export_key, *(t.key for t in mine)):
        assert key is not None
        assert await r2.head(key) is None
    assert await r2.head(strangers.key) is not None


async def test_an_export_downloads_as_an_attachment_through_a_presigned_get(
    r2: R2Storage,
) -> None:
    storage = MediaStorage(r2)
    key = await storage.store_export(OWNER, b'{"format": "perfect-boulder-export"}')
    assert key.startswith(f"exports/{OWNER}/")
    download = await storage.export_download(key, "perfect-boulder-export.json")
    query = _query(download.url)
    assert int(query["X-Amz-Expires"]) <= MAX_EXPIRY_SECONDS
    assert query["response-content-disposition"] == (
        'attachment; filename="perfect-boulder-export.json"'
    )
    async with httpx.AsyncClient() as http:
        got = await http.get(download.url)
    assert got.status_code == 200
    assert got.content == b'{"format": "perfect-boulder-export"}'
    assert got.headers["content-disposition"].startswith("attachment")
    # Never under the public media prefix.
    assert not r2.public_url(key).startswith(f"{PUBLIC_URL}/media/")


async def test_a_type_only_url_cannot_grow_a_vouched_object_past_its_cap(r2: R2Storage) -> None:
    storage = MediaStorage(r2)
    # The seed's flow: the URL signs the type only, so R2 takes a body of any size.
    ticket = await _uploaded(storage, MediaKind.AVATAR, png())
    final_url = await storage.verify_media_url(
        ticket.public_url, kind=MediaKind.AVATAR, owner_id=OWNER, field="avatar_url"
    )
    assert final_url.startswith(f"{PUBLIC_URL}/media/avatars/{OWNER}/")
    clean = await _body(r2, final_url)  # the avatar re-encoded (kit.images)

    over_cap = b"p" * (5 * 1024 * 1024 + 1)
    await _put(ticket.upload_url, over_cap, ticket.headers)  # same URL, still valid
    assert await _body(r2, final_url) == clean
    final = await r2.head(r2.key_from_url(final_url) or "")
    assert final is not None
    assert (final.size, final.content_type) == (len(clean), "image/jpeg")
    # The new upload is vouched for on its own, and refused.
    with pytest.raises(MediaRejected, match="larger"):
        await storage.verify_media_url(
            ticket.public_url, kind=MediaKind.AVATAR, owner_id=OWNER, field="avatar_url"
        )


async def test_an_object_written_again_while_being_checked_is_not_copied(
    r2: R2Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = MediaStorage(r2)
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=8, owner_id=OWNER
    )
    await _put(ticket.upload_url, b"innocent", ticket.headers)
    real_head = r2.head

    async def head_then_put_again(key: str) -> StoredObject | None:
        found = await real_head(key)
        await _put(ticket.upload_url, b"SWAPPED!", ticket.headers)
        return found

    monkeypatch.setattr(r2, "head", head_then_put_again)
    with pytest.raises(
        MediaRejected, match="file changed while being checked, try again"
    ) as caught:
        await storage.verify_media_url(
            ticket.public_url, kind=MediaKind.VIDEO, owner_id=OWNER, field="video_url"
        )
    assert caught.value.field == "video_url"
    assert await r2.first_key(f"media/videos/{OWNER}/") is None  # nothing was copied
    assert await _body(r2, ticket.public_url) == b"SWAPPED!"  # the upload is left alone


async def test_key_from_url_round_trips_public_and_upload_urls(
    r2: R2Storage, s3_endpoint: str, bucket: str
) -> None:
    key = f"videos/{OWNER}/abcdefghijklmnopqrstuvwx.mp4"
    signed = await r2.presign_put(key, content_type="video/mp4", content_length=3, expires_in=60)
    assert r2.key_from_url(r2.public_url(key)) == key
    assert r2.key_from_url(signed.url) == key
    assert r2.key_from_url(without_query(signed.url)) == key
    for foreign in (
        f"https://evil.example.com/{key}",
        f"http://media.example.com/{key}",  # not the public scheme
        f"{s3_endpoint}/other-bucket/{key}",
        f"{s3_endpoint}/{key}",
        f"{s3_endpoint}/{bucket}x/{key}",
    ):
        assert r2.key_from_url(foreign) is None, foreign


# --- what the signature binds (no network) --------------------------------------------


@pytest.mark.parametrize(
    ("size", "signed_headers"),
    [(MB, "content-length;content-type;host"), (None, "content-type;host")],
)
async def test_the_url_signs_the_content_type_and_the_exact_length(
    offline_r2: R2Storage, size: int | None, signed_headers: str
) -> None:
    ticket = await MediaStorage(offline_r2).create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=size, owner_id=OWNER
    )
    query = _query(ticket.upload_url)
    assert query["X-Amz-SignedHeaders"] == signed_headers
    expected_headers = {"Content-Type": "video/mp4"}
    if size is not None:
        expected_headers["Content-Length"] = str(size)
    assert ticket.headers == expected_headers


async def test_urls_expire_in_at_most_15_minutes(offline_r2: R2Storage) -> None:
    storage = MediaStorage(offline_r2, expires_in=24 * 3600)
    ticket = await storage.create_upload(
        kind=MediaKind.AVATAR, content_type="image/png", size=10, owner_id=OWNER
    )
    assert int(_query(ticket.upload_url)["X-Amz-Expires"]) == MAX_EXPIRY_SECONDS == 15 * 60


def _sigv4_signature(url: str, headers: dict[str, str]) -> str:
    """The SigV4 query signature R2 computes for a PUT of `url` sent with `headers`."""
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = dict(params)
    sent = {"host": parts.netloc, **{k.lower(): v.strip() for k, v in headers.items()}}
    names = query["X-Amz-SignedHeaders"].split(";")
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(params)
        if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        [
            "PUT",
            parts.path,
            canonical_query,
            "".join(f"{name}:{sent.get(name, '')}\n" for name in names),
            ";".join(names),
            "UNSIGNED-PAYLOAD",
        ]
    )
    _, date, region, service, terminator = query["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/{terminator}"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = f"AWS4{SECRET_KEY}".encode()
    for part in (date, region, service, terminator):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


async def test_a_url_signed_for_1_mb_of_mp4_fails_sigv4_for_anything_else(
    offline_r2: R2Storage,
) -> None:
    ticket = await MediaStorage(offline_r2).create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=MB, owner_id=OWNER
    )
    signature = _query(ticket.upload_url)["X-Amz-Signature"]
    # Our check agrees with botocore on the PUT exactly as signed...
    assert _sigv4_signature(ticket.upload_url, ticket.headers) == signature
    # ...and no longer matches once the length, the type or the key changes.
    two_mb = {**ticket.headers, "Content-Length": str(2 * MB)}
    png = {**ticket.headers, "Content-Type": "image/png"}
    other_key = ticket.upload_url.replace(ticket.key, f"videos/{STRANGER}/x{ticket.key[-28:]}")
    assert _sigv4_signature(ticket.upload_url, two_mb) != signature
    assert _sigv4_signature(ticket.upload_url, png) != signature
    assert _sigv4_signature(other_key, ticket.headers) != signature


# --- settings wiring ------------------------------------------------------------------

NO_R2: dict[str, Any] = {
    "r2_account_id": None,
    "r2_endpoint_url": None,
    "r2_access_key": None,
    "r2_secret_key": None,
    "r2_bucket": None,
    "r2_public_url": None,
}
R2_SETTINGS: dict[str, Any] = {
    "r2_account_id": "0123456789abcdef",
    "r2_access_key": ACCESS_KEY,
    "r2_secret_key": SECRET_KEY,
    "r2_bucket": "media",
    "r2_public_url": PUBLIC_URL,
}
PRODUCTION: dict[str, Any] = {
    "app_env": "production",
    "mongodb_url": "mongodb://db.internal:27017",
    "jwt_secret": JWT_SECRET,
    "smtp_url": "smtps://mailer:secret@smtp.example.com",
    "email_from": "no-reply@example.com",
}


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **{**NO_R2, **values})


async def test_r2_settings_select_the_r2_backend(tmp_path: Path) -> None:
    storage = build_storage(_settings(tmp_path, **R2_SETTINGS), JWT_SECRET)
    backend = storage.backend
    assert isinstance(backend, R2Storage)
    assert backend.endpoint_url == "https://0123456789abcdef.r2.cloudflarestorage.com"
    assert (backend.bucket, backend.public_base) == ("media", PUBLIC_URL)
    await storage.close()


async def test_an_explicit_endpoint_wins_over_the_account_id(tmp_path: Path) -> None:
    settings = _settings(tmp_path, **R2_SETTINGS, r2_endpoint_url="http://127.0.0.1:9000/")
    storage = build_storage(settings, JWT_SECRET)
    assert isinstance(storage.backend, R2Storage)
    assert storage.backend.endpoint_url == "http://127.0.0.1:9000"
    await storage.close()


def test_no_r2_settings_select_the_local_backend(tmp_path: Path) -> None:
    settings = _settings(tmp_path, public_base_url="http://192.168.1.20:8000")
    backend = build_storage(settings, JWT_SECRET).backend
    assert isinstance(backend, LocalStorage)
    assert backend.root == tmp_path.resolve() / "uploads"
    assert backend.public_url("k") == "http://192.168.1.20:8000/media/k"


def test_production_refuses_the_local_backend(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="needs R2 storage"):
        build_storage(_settings(tmp_path, **PRODUCTION), JWT_SECRET)


def test_production_runs_on_r2_and_serves_no_local_upload_routes(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, **PRODUCTION, **R2_SETTINGS))
    paths = {getattr(route, "path", "") for route in app.routes}
    assert "/graphql" in paths
    assert not any(path.startswith(("/uploads", "/media", "/downloads")) for path in paths)


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"r2_bucket": "media"}, "R2_ACCOUNT_ID or R2_ENDPOINT_URL, R2_ACCESS_KEY, R2_SECRET_KEY"),
     ({"r2_public_url": PUBLIC_URL}, "R2_BUCKET"),
     ({**R2_SETTINGS, "r2_secret_key": None}, "R2_SECRET_KEY")],
)  # fmt: skip
def test_half_done_r2_settings_are_refused_naming_what_is_missing(
    tmp_path: Path, given: dict[str, Any], missing: str
) -> None:
    with pytest.raises(ConfigurationError, match="R2 storage is missing") as caught:
        build_storage(_settings(tmp_path, **given), JWT_SECRET)
    assert missing in str(caught.value)


# --- media jobs on R2: the video read back, its poster written beside it -----------------


async def _posted_video(storage: MediaStorage, repos: Repositories, body: bytes) -> Any:
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=len(body), owner_id=OWNER
    )
    await _put(ticket.upload_url, body, ticket.headers)
    url = await storage.verify_media_url(
        ticket.public_url, kind=MediaKind.VIDEO, owner_id=OWNER, field="video_url"
    )
    return await repos.videos.create(
        user_id=PydanticObjectId(OWNER), video_url=url, caption=None, color="blue",
        grade="6A", status="TOP", session_id=None, media_state=PROCESSING,
    )  # fmt: skip


async def test_a_video_on_r2_is_probed_and_postered_beside_it(
    r2: R2Storage, repos: Repositories
) -> None:
    storage = MediaStorage(r2)
    media = MediaWork(repos, storage)
    good = await _posted_video(storage, repos, clip(1.5, 1280, 720, 10))
    bad = await _posted_video(storage, repos, jpeg())
    for video in (good, bad):
        await media.enqueue_new(video.id)
    assert await media.drain() == 2

    owner = Audience(viewer_id=PydanticObjectId(OWNER))
    ready = await repos.videos.get_view(good.id, owner)
    assert ready is not None
    assert (ready.media_state, ready.duration_ms, ready.width, ready.height) == (
        "READY", 1500, 1280, 720,
    )  # fmt: skip
    assert ready.poster_url is not None
    assert ready.poster_url.startswith(f"{PUBLIC_URL}/media/videos/{OWNER}/")
    poster = await r2.head(r2.key_from_url(ready.poster_url) or "")
    assert poster is not None
    assert poster.content_type == "image/jpeg"
    picture = Image.open(io.BytesIO(await _body(r2, ready.poster_url)))
    assert picture.size == (720, 405)

    rejected = await repos.videos.get_view(bad.id, owner)
    assert rejected is not None
    assert rejected.media_state == "REJECTED"
    assert await r2.head(r2.key_from_url(bad.video_url) or "") is None  # file deleted
    assert await repos.videos.get_view(bad.id, Audience()) is None  # nobody else sees it
