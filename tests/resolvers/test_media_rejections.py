"""Every class of bad video is REJECTED with a clear reason, its file deleted; its owner
sees why, nobody else sees it. Each file is made from a good clip (or from nothing) by
the one change that makes it bad; tests/kit/test_video_probe.py generates many of each.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from typing import Any

import pytest
from bson import ObjectId
from PIL import Image

from tests.support.client import Account, Api, upload_media
from tests.support.media import audio_only_mp4, clip
from tests.support.videos import POST_VIDEO, accounts, video_vars

ONE = "query One($id: ID!) { video(id: $id) { id video_url media_state media_error } }"
PRESIGN = "mutation Presign($f: String!) { getPresignedUploadUrl(filename: $f) }"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 9, 9)).save(out, "JPEG")
    return out.getvalue()


def _truncated() -> bytes:
    good = clip(2.0, 96, 64, 10)
    return good[: len(good) // 2]


BAD: dict[str, tuple[Callable[[], bytes], str]] = {
    "a JPEG renamed .mp4": (_jpeg, "not an MP4, MOV or WebM file"),
    # Seeded: fresh random bytes now and then look enough like some container (FFmpeg once
    # took them for an LRC lyrics file) to be refused with another reason.
    "random bytes": (lambda: random.Random(28).randbytes(6000), "not a video file"),
    "truncated": (_truncated, "cut short"),
    "audio only": (audio_only_mp4, "holds no video stream"),
    "too long": (lambda: clip(95, 32, 32, 1), "lasts 95.0 s, more than 90 s"),
    "wider than 4K": (lambda: clip(0.2, 4160, 64, 5), "larger than 4K"),
    "taller than 4K either way up": (lambda: clip(0.2, 2176, 2176, 5), "larger than 4K"),
    "an MPEG-4 part 2 codec": (lambda: clip(1, 64, 48, 10, codec="mpeg4"), "not H.264, HEVC"),
    # Found by tests/kit/test_video_probe.py: a codec tag no decoder knows.
    "an unknown codec": (
        lambda: clip(1, 64, 48, 10).replace(b"avc1", b"zzzz"),
        "the video's codec is unknown",
    ),
}


async def _post_and_settle(api: Api, owner: Account, url: str) -> str:
    posted = await api.data(POST_VIDEO, video_vars(url), owner.token)
    video_id: str = posted["postVideo"]["id"]
    assert posted["postVideo"]["video_url"]
    assert await api.media_settled() == 1
    return video_id


async def _assert_rejected(
    api: Api, db: Any, owner: Account, other: Account, video_id: str, reason: str
) -> None:
    mine = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    assert mine["media_state"] == "REJECTED"
    assert reason in mine["media_error"]
    assert (await api.data(ONE, {"id": video_id}, other.token))["video"] is None
    assert (await api.data(ONE, {"id": video_id}))["video"] is None
    assert (await api.http.get(mine["video_url"])).status_code == 404  # file deleted
    job = await db.media_jobs.find_one({"video_id": ObjectId(video_id)})
    assert (job["state"], job["attempts"], job["last_error"]) == ("done", 1, None)


@pytest.mark.parametrize("case", sorted(BAD))
async def test_a_bad_video_is_rejected_with_its_reason(api: Api, db: Any, case: str) -> None:
    make, reason = BAD[case]
    owner, other = await accounts(api, 2)
    url = await upload_media(api, owner, "VIDEO", make())
    video_id = await _post_and_settle(api, owner, url)
    await _assert_rejected(api, db, owner, other, video_id, reason)


async def test_a_zero_length_upload_is_rejected(api: Api, db: Any) -> None:
    # Only the seed's flow signs no length (createUpload wants 1 byte at least).
    owner, other = await accounts(api, 2)
    upload_url = (await api.data(PRESIGN, {"f": "clip.mp4"}, owner.token))["getPresignedUploadUrl"]
    put = await api.http.put(upload_url, content=b"", headers={"Content-Type": "video/mp4"})
    assert put.status_code == 200
    video_id = await _post_and_settle(api, owner, upload_url.split("?", 1)[0])
    await _assert_rejected(api, db, owner, other, video_id, "the file is empty")


@pytest.mark.parametrize(
    ("content_type", "body", "codec"),
    [("video/webm", lambda: clip(1, 64, 48, 10, container="webm", codec="libvpx-vp9"), "VP9"),
     ("video/quicktime", lambda: clip(1, 64, 48, 10, container="mov"), "H.264")],
)  # fmt: skip
async def test_webm_and_mov_are_accepted(
    api: Api, content_type: str, body: Callable[[], bytes], codec: str
) -> None:
    owner, other = await accounts(api, 2)
    url = await upload_media(api, owner, "VIDEO", body(), content_type=content_type)
    video_id = await _post_and_settle(api, owner, url)
    seen = (await api.data(ONE, {"id": video_id}, other.token))["video"]
    assert (seen["media_state"], seen["media_error"]) == ("READY", None)
    assert (await api.http.get(seen["video_url"])).status_code == 200
