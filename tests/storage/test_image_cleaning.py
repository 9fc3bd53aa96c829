"""Photos and avatars are stored as clean copies: decoded with bounded pixels, turned
upright, at most 2048 px, re-encoded with no metadata at all; the upload is deleted.

Through the front door (createCroix, updateProfile) with photos Pillow writes here, GPS
block included; hostile bytes by class below the API, generated (hypothesis).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pillow_heif import register_heif_opener

from storage.errors import MediaRejected
from storage.kinds import MediaKind
from storage.local import LocalStorage
from storage.service import MediaStorage
from tests.support.client import BASE_URL, Account, Api, code_of, upload_media
from tests.support.logbook import CREATE_CROIX, croix_vars
from tests.support.media import jpeg, png

SET_AVATAR = "mutation A($url: String!) { updateProfile(avatar_url: $url) { avatar_url } }"
OWNER = "65f0c0ffee0123456789abcd"

register_heif_opener()


async def _croix_photo(api: Api, climber: Account, body: bytes, content_type: str) -> bytes:
    url = await upload_media(api, climber, "PHOTO", body, content_type=content_type)
    stored = (await api.data(CREATE_CROIX, croix_vars(url), climber.token))["createCroix"]
    assert (await api.http.get(url)).status_code == 404  # the upload itself is gone
    got = await api.http.get(stored["photo_url"])
    assert got.status_code == 200
    return got.content


async def test_a_photo_loses_its_gps_position_and_every_other_block(api: Api) -> None:
    climber = await api.signup()
    original = jpeg(64, 48, gps=True)
    # What the upload carried: a GPS position, a camera model, an XMP packet.
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif.get_ifd(0x8825)[2] == (48.0, 51.0, 29.6)
    assert b"<x:xmpmeta" in original

    clean = await _croix_photo(api, climber, original, "image/jpeg")
    image = Image.open(io.BytesIO(clean))
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile", "photoshop"} & set(image.info)
    for trace in (b"Exif", b"xmpmeta", b"Climbing Phone", b"GPS"):
        assert trace not in clean


@pytest.mark.parametrize(
    ("orientation", "size", "top_left_is_blue"),
    # 6: turn 90° clockwise to show (the blue left half goes on top); 8: counter-clockwise
    # (it goes to the bottom); 3: half a turn (it goes right).
    [(6, (48, 64), True), (8, (48, 64), False), (3, (64, 48), False), (1, (64, 48), True)],
)
async def test_a_photo_is_stored_upright(
    api: Api, orientation: int, size: tuple[int, int], top_left_is_blue: bool
) -> None:
    climber = await api.signup()
    clean = await _croix_photo(api, climber, jpeg(64, 48, orientation=orientation), "image/jpeg")
    image = Image.open(io.BytesIO(clean)).convert("RGB")
    assert image.size == size
    assert not image.getexif()  # no orientation flag left to apply twice
    red, _, blue = image.getpixel((1, 1))  # type: ignore[misc]
    assert (blue > red) == top_left_is_blue


async def test_a_large_photo_is_stored_at_most_2048_px(api: Api) -> None:
    climber = await api.signup()
    clean = await _croix_photo(api, climber, jpeg(3000, 1200), "image/jpeg")
    assert Image.open(io.BytesIO(clean)).size == (2048, 819)


async def test_transparency_is_kept_as_webp_and_heic_is_read(api: Api) -> None:
    climber = await api.signup()
    url = await upload_media(api, climber, "AVATAR", png(40, 40, alpha=True))
    avatar = (await api.data(SET_AVATAR, {"url": url}, climber.token))["updateProfile"]
    assert avatar["avatar_url"].endswith(".webp")
    got = await api.http.get(avatar["avatar_url"])
    assert got.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(got.content)).mode == "RGBA"

    heic = io.BytesIO()
    Image.new("RGB", (50, 30), (200, 10, 10)).save(heic, "HEIF")
    clean = await _croix_photo(api, climber, heic.getvalue(), "image/heic")
    assert Image.open(io.BytesIO(clean)).format == "JPEG"


def _bomb(width: int, height: int) -> bytes:
    """A PNG of a few kilobytes that would decode to width x height pixels."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize(
    ("width", "height", "reason"),
    # Above Pillow's bound, and above twice it (where Pillow errs rather than warns).
    [(8000, 8000, "more than 50 megapixels"), (30000, 30000, "more than 50 megapixels")],
)
async def test_a_decompression_bomb_is_refused(
    api: Api, width: int, height: int, reason: str
) -> None:
    climber = await api.signup()
    bomb = _bomb(width, height)
    assert len(bomb) < 200_000
    url = await upload_media(api, climber, "AVATAR", bomb, content_type="image/png")
    error = await api.error(SET_AVATAR, {"url": url}, climber.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "avatar_url"
    assert reason in error["message"]


async def test_what_is_not_an_image_is_refused_as_a_photo(api: Api) -> None:
    climber = await api.signup()
    for body in (b"\xff\xd8\xff not really", jpeg()[:200], b"GIF89a" + bytes(100)):
        url = await upload_media(api, climber, "PHOTO", body)
        error = await api.error(CREATE_CROIX, croix_vars(url), climber.token)
        assert code_of(error) == "BAD_USER_INPUT", error
        assert "image that can be read" in error["message"]


# --- below the API: generated hostile bytes ---------------------------------------------


async def _vouched(storage: MediaStorage, body: bytes) -> str:
    ticket = await storage.create_upload(
        kind=MediaKind.PHOTO, content_type="image/jpeg", size=None, owner_id=OWNER
    )
    backend = storage.backend
    assert isinstance(backend, LocalStorage)
    path = backend.path_for(ticket.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return await storage.verify_media_url(
        ticket.public_url, kind=MediaKind.PHOTO, owner_id=OWNER, field="photo_url"
    )


HOSTILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HOSTILE
@given(data=st.data())
async def test_a_damaged_photo_is_refused_or_cleaned_never_a_crash(
    tmp_path: Path, data: st.DataObject
) -> None:
    storage = MediaStorage(LocalStorage(tmp_path, BASE_URL, "unit-test-secret"))
    body = bytearray(jpeg(40, 30, gps=True))
    cut = data.draw(st.integers(min_value=1, max_value=len(body)), label="cut")
    body = body[:cut]
    for _ in range(data.draw(st.integers(min_value=0, max_value=8), label="changes")):
        at = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="at")
        body[at] = data.draw(st.integers(min_value=0, max_value=255), label="byte")
    try:
        url = await _vouched(storage, bytes(body))
    except MediaRejected:
        return  # refused: what a damaged photo should get
    key = storage.backend.key_from_url(url)
    assert key is not None
    assert isinstance(storage.backend, LocalStorage)
    stored = storage.backend.path_for(key).read_bytes()
    assert b"GPS" not in stored
    assert b"Exif" not in stored


@HOSTILE
@given(body=st.binary(max_size=2048))
async def test_random_bytes_are_refused_as_a_photo(tmp_path: Path, body: bytes) -> None:
    storage = MediaStorage(LocalStorage(tmp_path, BASE_URL, "unit-test-secret"))
    with pytest.raises(MediaRejected):
        await _vouched(storage, body)
