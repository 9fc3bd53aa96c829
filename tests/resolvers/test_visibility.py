"""Video visibility: who sees PUBLIC, FOLLOWERS and PRIVATE videos, in every listing;
pages around what a viewer may not see; what a feed page costs."""

from __future__ import annotations

import random
from typing import Any

from bson import ObjectId

from tests.support.client import Account, Api, code_of
from tests.support.safety import (
    BLOCK,
    UNBLOCK,
    UPDATE_VIDEO,
    everywhere,
    feed_page_ids,
    make_moderator,
    video_shown,
)
from tests.support.social import FOLLOWING_FEED, UNFOLLOW, follow
from tests.support.videos import (
    FEED,
    FEED_PAGE,
    LIKE,
    USER_VIDEOS,
    CommandLog,
    accounts,
    post_video,
)


def _listed(seen: dict[str, list[str]], video_id: str) -> set[str]:
    return {name for name, ids in seen.items() if video_id in ids}


async def test_followers_videos_show_to_followers_only_and_private_ones_to_nobody(
    api: Api,
) -> None:
    author, fan, stranger, mod = await accounts(api, 4)
    await make_moderator(mod)
    await follow(api, fan, author)
    public = (await post_video(api, author))["id"]
    friends = await post_video(api, author, visibility="FOLLOWERS")
    private = await post_video(api, author, visibility="PRIVATE")
    assert (friends["visibility"], private["visibility"]) == ("FOLLOWERS", "PRIVATE")

    every = {"feed", "feedPage", "User.videos"}
    fan_sees = await everywhere(api, fan.token, author.id)
    assert _listed(fan_sees, friends["id"]) == every | {"followingFeed"}
    assert _listed(fan_sees, private["id"]) == set()
    assert _listed(fan_sees, public) == every | {"followingFeed"}
    for viewer in (stranger.token, None):
        seen = await everywhere(api, viewer, author.id)
        assert _listed(seen, friends["id"]) == set() == _listed(seen, private["id"])
        assert "feed" in _listed(seen, public)
    assert await video_shown(api, friends["id"], fan.token)
    assert not await video_shown(api, friends["id"], stranger.token)
    assert not await video_shown(api, private["id"], fan.token)
    for owner_or_mod in (author, mod):
        seen = await everywhere(api, owner_or_mod.token, author.id)
        assert {"feed", "feedPage", "User.videos"} <= _listed(seen, private["id"])
    # Liking what one may not see is as if it did not exist.
    assert code_of(await api.error(LIKE, {"id": private["id"]}, fan.token)) == "NOT_FOUND"
    assert code_of(await api.error(LIKE, {"id": friends["id"]}, stranger.token)) == "NOT_FOUND"
    assert (await api.data(LIKE, {"id": friends["id"]}, fan.token))["likeVideo"] is True


async def test_owners_change_caption_and_visibility_of_their_videos_only(api: Api, db: Any) -> None:
    author, fan, other = await accounts(api, 3)
    await follow(api, fan, author)
    video = (await post_video(api, author, caption="first try"))["id"]
    changed = await api.data(UPDATE_VIDEO, {"id": video, "visibility": "FOLLOWERS"}, author.token)
    assert changed["updateVideo"] == {"id": video, "caption": "first try",
                                      "visibility": "FOLLOWERS", "hidden": False}  # fmt: skip
    assert not await video_shown(api, video, other.token)
    assert await video_shown(api, video, fan.token)
    cleared = await api.data(UPDATE_VIDEO, {"id": video, "caption": ""}, author.token)
    assert cleared["updateVideo"]["caption"] is None
    assert cleared["updateVideo"]["visibility"] == "FOLLOWERS"

    assert code_of(await api.error(UPDATE_VIDEO, {"id": video, "caption": "mine"},
                                   fan.token)) == "FORBIDDEN"  # fmt: skip
    assert code_of(await api.error(UPDATE_VIDEO, {"id": video, "caption": "mine"},
                                   other.token)) == "NOT_FOUND"  # fmt: skip
    for variables, field in (({"id": "x"}, "id"), ({"id": video, "caption": "c" * 501},
                                                    "caption")):  # fmt: skip
        error = await api.error(UPDATE_VIDEO, variables, author.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
    assert code_of(await api.error(UPDATE_VIDEO, {"id": video})) == "UNAUTHENTICATED"
    stored = await db.videos.find_one({"_id": ObjectId(video)})
    assert stored["visibility"] == "FOLLOWERS"
    assert stored["caption"] is None


async def test_videos_stored_before_visibility_existed_are_public(api: Api, db: Any) -> None:
    author, viewer = await accounts(api, 2)
    video = (await post_video(api, author))["id"]
    await db.videos.update_one({"_id": ObjectId(video)}, {"$unset": {"visibility": "",
                                                                     "withheld": ""}})  # fmt: skip
    shown = await api.data("query($id: ID!) { video(id: $id) { visibility hidden } }",
                           {"id": video}, viewer.token)  # fmt: skip
    assert shown["video"] == {"visibility": "PUBLIC", "hidden": False}
    assert video in (await everywhere(api, viewer.token, author.id))["feed"]


async def _walk(api: Api, query: str, path: str, variables: dict[str, Any], token: str,
                first: int) -> list[str]:  # fmt: skip
    ids: list[str] = []
    after = None
    while True:
        data = await api.data(query, {**variables, "first": first, "after": after}, token)
        for key in path.split("."):
            data = data[key]
        assert len(data["edges"]) == first or not data["pageInfo"]["hasNextPage"]  # full pages
        ids += [edge["node"]["id"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return ids
        after = data["pageInfo"]["endCursor"]


async def test_pages_neither_skip_nor_repeat_around_what_a_viewer_may_not_see(
    api: Api, db: Any
) -> None:
    reader, author, blocker, mod = await accounts(api, 4)
    await make_moderator(mod)
    await follow(api, reader, author)
    await api.data(BLOCK, {"id": reader.id}, blocker.token)
    rng = random.Random(16)
    shown: list[str] = []  # what the reader may see, oldest first
    for _ in range(24):
        poster = rng.choice((author, author, blocker))
        visibility = rng.choice(("PUBLIC", "FOLLOWERS", "PRIVATE"))
        video = (await post_video(api, poster, visibility=visibility))["id"]
        if rng.random() < 0.2:  # hidden by moderation
            await db.videos.update_one({"_id": ObjectId(video)},
                                       {"$addToSet": {"withheld": "moderation"}})  # fmt: skip
        elif poster is author and visibility != "PRIVATE":
            shown.append(video)
    expected = shown[::-1]
    for first in (1, 2, 3, 5):
        assert await _walk(api, FEED_PAGE, "feedPage", {}, reader.token, first) == expected
        assert await _walk(api, FOLLOWING_FEED, "followingFeed", {}, reader.token,
                           first) == expected  # fmt: skip
        assert await _walk(api, USER_VIDEOS, "user.videos", {"id": author.id}, reader.token,
                           first) == expected  # fmt: skip
    offset_feed = (await api.data(FEED, {"limit": 50}, reader.token))["feed"]
    assert [video["id"] for video in offset_feed] == expected


async def _account_with_blocks_and_follows(api: Api, db: Any) -> Account:
    reader, *others = await accounts(api, 6)
    for other in others[:3]:
        await follow(api, reader, other)
        await post_video(api, other)
        await post_video(api, other, visibility="FOLLOWERS")
    await api.data(BLOCK, {"id": others[3].id}, reader.token)
    await api.data(BLOCK, {"id": reader.id}, others[4].token)
    await post_video(api, others[3])
    await post_video(api, others[4])
    return reader


async def test_a_feed_page_costs_two_round_trips_once_the_audience_is_cached(
    commands: CommandLog, api: Api, db: Any
) -> None:
    # The last write of the set-up, a block of the reader, made this machine forget the
    # reader's audience: the first page below reads it again.
    reader = await _account_with_blocks_and_follows(api, db)
    await api.data("{ me { id } }", {}, reader.token)  # the token version, cached since
    page = [("aggregate", "videos"), ("find", "users")]  # the page, its authors
    audience = [("aggregate", "users")]  # the viewer's role, blocks both ways, followees
    for query, field, expected, trips in (
        (FEED_PAGE, "feedPage", 6, audience + page),  # the first request reads it...
        (FOLLOWING_FEED, "followingFeed", 6, page),  # ...the next ones find it cached
        (FEED, "feed", 6, page),
    ):
        commands.start()
        data = (await api.data(query, {}, reader.token))[field]
        commands.stop()
        assert len(data if isinstance(data, list) else data["edges"]) == expected
        assert [(e.command_name, e.command.get(e.command_name)) for e in commands.sent] == trips


async def test_a_cached_audience_never_outlives_a_block_or_a_follow(api: Api) -> None:
    """Blocks and follows written on this machine reach the audiences it caches at once
    (workflows.audiences), whoever wrote them and in whichever direction."""
    reader, author, blocker = await accounts(api, 3)
    friends_only = (await post_video(api, author, visibility="FOLLOWERS"))["id"]
    by_blocker = (await post_video(api, blocker))["id"]
    assert await feed_page_ids(api, reader.token) == [by_blocker]  # cached from here on
    await follow(api, reader, author)
    assert await feed_page_ids(api, reader.token) == [by_blocker, friends_only]
    await api.data(BLOCK, {"id": reader.id}, blocker.token)  # the other one blocks
    assert await feed_page_ids(api, reader.token) == [friends_only]
    await api.data(UNBLOCK, {"id": reader.id}, blocker.token)
    assert await feed_page_ids(api, reader.token) == [by_blocker, friends_only]
    await api.data(UNFOLLOW, {"id": author.id}, reader.token)
    assert await feed_page_ids(api, reader.token) == [by_blocker]
    await api.data(BLOCK, {"id": blocker.id}, reader.token)  # the reader blocks
    assert await feed_page_ids(api, reader.token) == []


async def test_the_audience_is_read_once_per_request_whatever_asks_for_it(
    commands: CommandLog, api: Api, db: Any
) -> None:
    reader = await _account_with_blocks_and_follows(api, db)
    await api.data("{ me { id } }", {}, reader.token)
    commands.start()
    data = await api.data(
        "{ a: feedPage(first: 3) { edges { cursor } } b: followingFeed(first: 2) "
        '{ edges { cursor } } c: feed(limit: 1) { id } d: searchUsers(query: "climb") { id } }',
        {},
        reader.token,
    )
    commands.stop()
    assert [len(data["a"]["edges"]), len(data["b"]["edges"]), len(data["c"])] == [3, 2, 1]
    assert len(commands.commands_on("aggregate", "users")) == 2  # the audience, the search
    assert sum("$lookup" in str(c) for c in commands.commands_on("aggregate", "users")) == 1


async def test_any_withholding_reason_hides_a_climber_and_their_videos(api: Api, db: Any) -> None:
    """Account deletion marks `deleting` (issue 15): the rule hides whatever the reason."""
    leaving, viewer = await accounts(api, 2)
    await follow(api, viewer, leaving)
    video = (await post_video(api, leaving))["id"]
    for collection, key in ((db.users, leaving.id), (db.videos, video)):
        await collection.update_one({"_id": ObjectId(key)}, {"$set": {"withheld": ["deleting"]}})
    seen = await everywhere(api, viewer.token, leaving.id)
    assert _listed(seen, video) == set()
    assert not await video_shown(api, video, viewer.token)
    one = "query($id: ID!) { user(id: $id) { id } }"
    assert (await api.data(one, {"id": leaving.id}, viewer.token))["user"] is None
    fans = "query($id: ID!) { user(id: $id) { following { edges { node { id } } } } }"
    assert (await api.data(fans, {"id": viewer.id}, viewer.token))["user"]["following"] == {
        "edges": []
    }
