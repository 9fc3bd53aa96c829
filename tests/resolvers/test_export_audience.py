"""The export respects the audience (issue 23): a liked video's author and media are
exported only while the climber may still see it; after a block (either way), a change
to PRIVATE or FOLLOWERS-only, or a moderator's hide, only the id of what they liked."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from tests.resolvers.test_data_export import SCHEMA, _export
from tests.support.client import Account, Api
from tests.support.safety import BLOCK, MODERATE, UPDATE_VIDEO, make_moderator, queue, report_video
from tests.support.videos import LIKE, post_video

CHANGES = ["nothing", "author blocks", "liker blocks", "PRIVATE", "FOLLOWERS", "moderation"]


async def _apply(
    api: Api, change: str, liker: Account, author: Account, video: dict[str, Any], mod: Account
) -> None:
    if change == "author blocks":
        await api.data(BLOCK, {"id": liker.id}, author.token)
    elif change == "liker blocks":
        await api.data(BLOCK, {"id": author.id}, liker.token)
    elif change in ("PRIVATE", "FOLLOWERS"):
        await api.data(UPDATE_VIDEO, {"id": video["id"], "visibility": change}, author.token)
    elif change == "moderation":
        await report_video(api, liker, video["id"])
        case = next(c for c in await queue(api, mod) if (c["video"] or {}).get("id") == video["id"])
        await api.data(MODERATE, {"case": case["id"], "action": "HIDE"}, mod.token)


async def test_liked_videos_are_exported_as_the_climber_may_see_them(api: Api) -> None:
    liker, moderator = await api.signup("Liker"), await api.signup("Mod")
    await make_moderator(moderator)
    authors = {change: await api.signup(f"Author{n}") for n, change in enumerate(CHANGES)}
    videos = {}
    for change, author in authors.items():
        videos[change] = await post_video(api, author)
        await api.data(LIKE, {"id": videos[change]["id"]}, liker.token)
    for change, author in authors.items():
        await _apply(api, change, liker, author, videos[change], moderator)

    _, response = await _export(api, liker.token)
    document = response.json()
    Draft202012Validator(SCHEMA).validate(document)
    liked = {entry["id"]: entry for entry in document["liked_videos"]}
    assert set(liked) == {video["id"] for video in videos.values()}  # what they liked, all
    shown = liked[videos["nothing"]["id"]]
    assert shown["author_pseudo"] == authors["nothing"].pseudo
    assert shown["video_url"] == videos["nothing"]["video_url"]
    text = json.dumps(document["liked_videos"])
    for change in CHANGES[1:]:
        entry = liked[videos[change]["id"]]
        assert (entry["author_id"], entry["author_pseudo"], entry["video_url"]) == (
            None, None, None), change  # fmt: skip
        for trace in (authors[change].id, authors[change].pseudo, videos[change]["video_url"]):
            assert trace not in text, (change, trace)
