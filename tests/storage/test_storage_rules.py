import re

import pytest

from storage.keys import copies_prefix, new_final_key, new_key, parse_key
from storage.kinds import (
    MIB,
    RULES,
    MediaKind,
    content_type_for_filename,
    content_type_for_key,
    kind_for_content_type,
)

OWNER = "65f0c0ffee0123456789abcd"


def test_each_kind_allows_exactly_the_issue_s_types_and_cap() -> None:
    video, photo, avatar = RULES[MediaKind.VIDEO], RULES[MediaKind.PHOTO], RULES[MediaKind.AVATAR]
    assert set(video.content_types) == {"video/mp4", "video/quicktime", "video/webm"}
    images = {"image/jpeg", "image/png", "image/heic", "image/webp"}
    assert set(photo.content_types) == images
    assert set(avatar.content_types) == images
    assert (video.max_bytes, photo.max_bytes, avatar.max_bytes) == (100 * MIB, 15 * MIB, 5 * MIB)
    assert (video.prefix, photo.prefix, avatar.prefix) == ("videos", "photos", "avatars")


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("clip.mp4", "video/mp4"), ("CLIP.MP4", "video/mp4"), ("IMG_0001.MOV", "video/quicktime"),
     ("a.b.webm", "video/webm"), ("top.jpg", "image/jpeg"), ("top.JPEG", "image/jpeg"),
     ("p.png", "image/png"), ("p.heic", "image/heic"), ("p.HEIF", "image/heic"),
     ("p.webp", "image/webp"), (" spaced.mp4 ", "video/mp4")],
)  # fmt: skip
def test_content_type_comes_from_the_file_name_s_extension(
    filename: str, content_type: str
) -> None:
    assert content_type_for_filename(filename) == content_type


@pytest.mark.parametrize(
    "filename", ["", "mp4", "notes.txt", "page.html", "clip.mp4.exe", "image.gif", "x."]
)
def test_unknown_extensions_have_no_content_type(filename: str) -> None:
    assert content_type_for_filename(filename) is None


def test_a_bare_content_type_implies_video_or_photo_never_avatar() -> None:
    assert kind_for_content_type("video/webm") is MediaKind.VIDEO
    assert kind_for_content_type("image/png") is MediaKind.PHOTO
    assert kind_for_content_type("text/html") is None


@pytest.mark.parametrize(
    ("key", "served_as"),
    [("videos/x/y.mp4", "video/mp4"), ("videos/x/y.mov", "video/quicktime"),
     ("photos/x/y.jpg", "image/jpeg"), ("avatars/x/y.heic", "image/heic")],
)  # fmt: skip
def test_stored_objects_are_served_with_their_key_s_type(key: str, served_as: str) -> None:
    assert content_type_for_key(key) == served_as


@pytest.mark.parametrize(
    ("kind", "content_type", "prefix", "extension"),
    [(MediaKind.VIDEO, "video/mp4", "videos", "mp4"),
     (MediaKind.VIDEO, "video/quicktime", "videos", "mov"),
     (MediaKind.PHOTO, "image/jpeg", "photos", "jpg"),
     (MediaKind.AVATAR, "image/webp", "avatars", "webp")],
)  # fmt: skip
def test_keys_are_prefix_owner_random_extension(
    kind: MediaKind, content_type: str, prefix: str, extension: str
) -> None:
    key = new_key(kind, OWNER, content_type)
    assert re.fullmatch(rf"{prefix}/{OWNER}/[A-Za-z0-9_-]{{24}}\.{extension}", key)
    parsed = parse_key(key)
    assert parsed is not None
    assert (parsed.prefix, parsed.owner_id, parsed.extension) == (prefix, OWNER, extension)


def test_every_key_is_new() -> None:
    keys = {new_key(MediaKind.VIDEO, OWNER, "video/mp4") for _ in range(200)}
    assert len(keys) == 200


def test_a_key_needs_an_object_id_owner() -> None:
    with pytest.raises(ValueError, match="owner id"):
        new_key(MediaKind.VIDEO, "../../etc", "video/mp4")


@pytest.mark.parametrize(
    "key",
    ["", f"videos/{OWNER}/abcdefghijklmnop.mp4\n", f"videos/{OWNER}/../abcdefghijklmnop.mp4",
     f"music/{OWNER}/abcdefghijklmnop.mp3", f"videos/{OWNER[:-1]}/abcdefghijklmnop.mp4",
     f"videos/{OWNER}/short.mp4", f"videos/{OWNER}/abcdefghijklmnop",
     f"/videos/{OWNER}/abcdefghijklmnop.mp4",
     f"videos/{OWNER}/sub/abcdefghijklmnop.mp4", f"videos/{OWNER.upper()}/abcdefghijklmnop.mp4"],
)  # fmt: skip
def test_keys_the_server_could_not_have_made_do_not_parse(key: str) -> None:
    assert parse_key(key) is None


NAME = "abcdefghijklmnopqrstuvwx"
COPY = "ABCDEFGHIJKLMNOP"


def test_a_final_key_sits_under_media_named_after_its_upload_and_kind() -> None:
    upload = parse_key(f"photos/{OWNER}/{NAME}.jpg")
    assert upload is not None
    assert not upload.final
    # A photo vouched for as an avatar is filed as an avatar.
    key = new_final_key(upload, MediaKind.AVATAR)
    assert re.fullmatch(rf"media/avatars/{OWNER}/{NAME}\.[A-Za-z0-9_-]{{16}}\.jpg", key)
    assert key.startswith(copies_prefix(upload, MediaKind.AVATAR))
    parsed = parse_key(key)
    assert parsed is not None
    assert (parsed.final, parsed.prefix, parsed.owner_id, parsed.name, parsed.extension) == (
        True,
        "avatars",
        OWNER,
        NAME,
        "jpg",
    )


def test_every_copy_of_one_upload_gets_its_own_key() -> None:
    upload = parse_key(f"videos/{OWNER}/{NAME}.mp4")
    assert upload is not None
    assert len({new_final_key(upload, MediaKind.VIDEO) for _ in range(200)}) == 200


@pytest.mark.parametrize(
    "key",
    [f"media/videos/{OWNER}/{NAME}.mp4", f"videos/{OWNER}/{NAME}.{COPY}.mp4",
     f"media/media/videos/{OWNER}/{NAME}.{COPY}.mp4", f"uploads/videos/{OWNER}/{NAME}.mp4",
     f"media/videos/{OWNER}/{NAME}.{COPY[:-1]}.mp4", f"media/videos/{OWNER}/{NAME}.{COPY}.mp4\n",
     f"Media/videos/{OWNER}/{NAME}.{COPY}.mp4", f"media/videos/{OWNER}/{NAME}..mp4"],
)  # fmt: skip
def test_only_keys_of_the_two_shapes_parse(key: str) -> None:
    assert parse_key(key) is None
