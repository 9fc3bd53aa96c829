"""Vouching for an upload promotes it: the stored URL names a copy no signed URL can write.

A signed PUT URL stays valid for up to 15 minutes, and the seed's URL signs no length.
Without promotion, PUTting again through the same URL after postVideo would swap (or
grow past the cap) what the stored public URL serves. These tests run that attack on
the local backend; tests/test_r2_storage.py runs it against an S3 endpoint.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from httpx import ASGITransport, AsyncClient
from PIL import Image
from starlette.applications import Starlette

from storage.base import StoredObject
from storage.errors import MediaRejected
from storage.keys import new_final_key, parse_key
from storage.kinds import MediaKind
from storage.local import LocalStorage
from storage.local_routes import local_storage_routes
from storage.service import MediaStorage
from tests.support.client import BASE_URL, CREATE_UPLOAD, Account, Api, code_of, is_copy_of
from tests.support.logbook import CREATE_CROIX, croix_vars
from tests.support.media import jpeg, png
from tests.support.videos import POST_VIDEO, video_vars

PRESIGN = "mutation Presign($f: String!) { getPresignedUploadUrl(filename: $f) }"
SET_AVATAR = "mutation A($url: String!) { updateProfile(avatar_url: $url) { avatar_url } }"
OWNER = "65f0c0ffee0123456789abcd"


async def _ticket(api: Api, account: Account, kind: str, content_type: str, size: int) -> Any:
    variables = {"kind": kind, "type": content_type, "size": size}
    return (await api.data(CREATE_UPLOAD, variables, account.token))["createUpload"]


def _headers(ticket: dict[str, Any]) -> dict[str, str]:
    return {h["name"]: h["value"] for h in ticket["headers"]}


# --- the swap attack ------------------------------------------------------------------


async def test_re_putting_through_the_same_url_never_changes_a_posted_video(api: Api) -> None:
    climber = await api.signup()
    ticket = await _ticket(api, climber, "VIDEO", "video/mp4", 8)
    put = await api.http.put(ticket["upload_url"], content=b"innocent", headers=_headers(ticket))
    assert put.status_code == 200
    posted = await api.data(POST_VIDEO, video_vars(ticket["public_url"]), climber.token)
    stored_url = posted["postVideo"]["video_url"]

    # Same URL, same length, still within its 15 minutes: the PUT itself is accepted...
    again = await api.http.put(ticket["upload_url"], content=b"SWAPPED!", headers=_headers(ticket))
    assert again.status_code == 200
    # ...but lands on the upload key, which no stored URL names.
    assert (await api.http.get(stored_url)).content == b"innocent"
    assert (await api.http.get(ticket["public_url"])).content == b"SWAPPED!"
    video = await api.data(
        "query V($id: ID!) { video(id: $id) { video_url } }",
        {"id": posted["postVideo"]["id"]},
        climber.token,
    )
    assert video["video"]["video_url"] == stored_url


async def test_the_seed_url_cannot_grow_a_posted_video_past_anything(api: Api) -> None:
    climber = await api.signup()
    upload_url = await api.data(PRESIGN, {"f": "clip.mp4"}, climber.token)
    upload_url = upload_url["getPresignedUploadUrl"]
    typed = {"Content-Type": "video/mp4"}
    assert (await api.http.put(upload_url, content=b"1", headers=typed)).status_code == 200
    media_url = upload_url.split("?", 1)[0]
    posted = await api.data(POST_VIDEO, video_vars(media_url), climber.token)
    stored_url = posted["postVideo"]["video_url"]

    # The seed's URL signs no length: a bigger body goes through to the upload key.
    big = b"v" * 2_000_000
    assert (await api.http.put(upload_url, content=big, headers=typed)).status_code == 200
    assert (await api.http.get(stored_url)).content == b"1"


async def test_the_upload_itself_is_gone_once_promoted(api: Api) -> None:
    climber = await api.signup()
    photo = jpeg(30, 20)
    ticket = await _ticket(api, climber, "PHOTO", "image/jpeg", len(photo))
    await api.http.put(ticket["upload_url"], content=photo, headers=_headers(ticket))
    croix = await api.data(CREATE_CROIX, croix_vars(ticket["public_url"]), climber.token)
    assert is_copy_of(croix["createCroix"]["photo_url"], ticket["public_url"])
    assert (await api.http.get(ticket["public_url"])).status_code == 404
    stored = (await api.http.get(croix["createCroix"]["photo_url"])).content
    assert Image.open(io.BytesIO(stored)).size == (30, 20)


async def test_naming_a_promoted_upload_again_gives_the_same_copy(api: Api) -> None:
    # A retried mutation sends the upload URL it sent the first time.
    climber = await api.signup()
    ticket = await _ticket(api, climber, "VIDEO", "video/webm", 4)
    await api.http.put(ticket["upload_url"], content=b"webm", headers=_headers(ticket))
    first = await api.data(POST_VIDEO, video_vars(ticket["public_url"]), climber.token)
    retry = await api.data(POST_VIDEO, video_vars(ticket["public_url"]), climber.token)
    assert retry["postVideo"]["video_url"] == first["postVideo"]["video_url"]


# --- final keys: never written through a URL, re-accepted for their owner only ---------


async def test_no_signed_url_writes_a_final_key(tmp_path: Path) -> None:
    backend = LocalStorage(tmp_path, BASE_URL, "unit-test-secret")
    upload = parse_key(f"videos/{OWNER}/abcdefghijklmnopqrstuvwx.mp4")
    assert upload is not None
    final_key = new_final_key(upload, MediaKind.VIDEO)
    # Even a URL correctly signed for a final key (the API never makes one) is refused.
    signed = await backend.presign_put(
        final_key, content_type="video/mp4", content_length=4, expires_in=60
    )
    app = Starlette(routes=local_storage_routes(backend))
    async with AsyncClient(transport=ASGITransport(app=app), base_url=BASE_URL) as http:
        put = await http.put(signed.url, content=b"evil", headers=signed.headers)
    assert put.status_code == 404
    assert not backend.path_for(final_key).exists()


async def test_a_final_url_is_accepted_again_for_its_owner_and_kind_only(api: Api) -> None:
    owner, other = await api.signup(), await api.signup()
    avatar = png()
    ticket = await _ticket(api, owner, "AVATAR", "image/png", len(avatar))
    await api.http.put(ticket["upload_url"], content=avatar, headers=_headers(ticket))
    final_url = (await api.data(SET_AVATAR, {"url": ticket["public_url"]}, owner.token))[
        "updateProfile"
    ]["avatar_url"]

    again = await api.data(SET_AVATAR, {"url": final_url}, owner.token)
    assert again["updateProfile"]["avatar_url"] == final_url

    foreign = await api.error(SET_AVATAR, {"url": final_url}, other.token)
    assert code_of(foreign) == "BAD_USER_INPUT"
    assert "your own" in foreign["message"]
    as_photo = await api.error(CREATE_CROIX, croix_vars(final_url), owner.token)
    assert "must be a photo upload" in as_photo["message"]
    made_up = final_url.replace(final_url.rsplit(".", 2)[1], "A" * 16)
    missing = await api.error(SET_AVATAR, {"url": made_up}, owner.token)
    assert "does not exist" in missing["message"]


# --- the copy is of exactly the version checked ---------------------------------------


async def test_a_file_written_again_while_being_checked_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalStorage(tmp_path, BASE_URL, "unit-test-secret")
    storage = MediaStorage(backend)
    # A video is copied as uploaded (a photo is re-encoded from what was read, whatever
    # a PUT does meanwhile: tests/storage/test_image_cleaning.py).
    ticket = await storage.create_upload(
        kind=MediaKind.VIDEO, content_type="video/mp4", size=None, owner_id=OWNER
    )
    path = backend.path_for(ticket.key)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"small")
    real_head = backend.head

    async def head_then_put_again(key: str) -> StoredObject | None:
        found = await real_head(key)
        # What a PUT does: a new file renamed into place (here, past the video cap).
        replacement = path.with_name("replacement")
        with replacement.open("wb") as file:
            file.truncate(101 * 1024 * 1024)
        os.replace(replacement, path)
        return found

    monkeypatch.setattr(backend, "head", head_then_put_again)
    with pytest.raises(MediaRejected, match="file changed while being checked, try again"):
        await storage.verify_media_url(
            ticket.public_url, kind=MediaKind.VIDEO, owner_id=OWNER, field="video_url"
        )
    assert not (tmp_path / "media").exists()  # nothing was copied


# --- malformed numbers in an upload URL are a 403, never a 500 -------------------------


@pytest.mark.parametrize(
    "expires", ["²", "\uff11\uff12\uff13", "1" * 5000, "-1", "+1", " 1", "1e9", "", "9" * 13]
)
async def test_a_malformed_expiry_is_refused_with_403(api: Api, expires: str) -> None:
    climber = await api.signup()
    ticket = await _ticket(api, climber, "PHOTO", "image/png", 3)
    parts = urlsplit(ticket["upload_url"])
    query = "&".join(
        f"expires={expires}" if item.startswith("expires=") else item
        for item in parts.query.split("&")
    )
    url = parts._replace(query=query).geturl()
    put = await api.http.put(url, content=b"png", headers=_headers(ticket))
    assert put.status_code == 403


@pytest.mark.parametrize("length", ["1" * 5000, "+3", "0x3"])
async def test_a_malformed_content_length_is_refused_with_403(api: Api, length: str) -> None:
    climber = await api.signup()
    upload_url = (await api.data(PRESIGN, {"f": "p.png"}, climber.token))["getPresignedUploadUrl"]
    headers = {"Content-Type": "image/png", "Content-Length": length}
    put = await api.http.put(upload_url, content=b"png", headers=headers)
    assert put.status_code == 403
