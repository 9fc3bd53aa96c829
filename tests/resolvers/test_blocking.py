"""Blocking: what the blocker and the blocked climber each stop seeing, and what stays."""

from __future__ import annotations

import asyncio
from typing import Any

from bson import ObjectId

from tests.support.client import Api, code_of
from tests.support.safety import (
    BLOCK,
    BLOCKED_USERS,
    SEARCH,
    UNBLOCK,
    USER_ID,
    everywhere,
    video_shown,
)
from tests.support.social import FOLLOW, FOLLOWERS, USER, follow, page_all
from tests.support.videos import LIKE, accounts, post_video


async def test_a_block_hides_both_climbers_from_each_other_and_ends_their_follows(
    api: Api, db: Any
) -> None:
    ana, ben, cleo = await accounts(api, 3)
    await follow(api, ana, ben)
    await follow(api, ben, ana)
    await follow(api, cleo, ana)
    await follow(api, ben, cleo)
    await follow(api, ana, cleo)
    ana_video = (await post_video(api, ana))["id"]
    ben_video = (await post_video(api, ben))["id"]
    cleo_video = (await post_video(api, cleo))["id"]
    before_ana = await everywhere(api, ana.token, ben.id)
    assert ben_video in before_ana["feed"]
    assert ben_video in before_ana["followingFeed"]

    assert (await api.data(BLOCK, {"id": ben.id}, ana.token))["blockUser"] is True

    # Each side, in every listing: the other's videos are gone, the rest stays.
    for viewer, other, others_video in ((ana, ben, ben_video), (ben, ana, ana_video)):
        seen = await everywhere(api, viewer.token, other.id)
        assert others_video not in seen["feed"]
        assert others_video not in seen["feedPage"]
        assert others_video not in seen["followingFeed"]
        assert seen["User.videos"] == []  # their profile is not found at all
        assert cleo_video in seen["feed"]
        assert cleo_video in seen["followingFeed"]
        assert not await video_shown(api, others_video, viewer.token)
        assert (await api.data(USER_ID, {"id": other.id}, viewer.token))["user"] is None
        found = (await api.data(SEARCH, {"q": other.pseudo}, viewer.token))["searchUsers"]
        assert found == []
        # Following, liking: the other is as good as not there.
        for query, variables in ((FOLLOW, {"id": other.id}), (LIKE, {"id": others_video})):
            assert code_of(await api.error(query, variables, viewer.token)) == "NOT_FOUND"
    # Others still see both.
    assert {ana_video, ben_video} <= set((await everywhere(api, cleo.token, ana.id))["feed"])
    assert (await api.data(SEARCH, {"q": ben.pseudo}, cleo.token))["searchUsers"] != []

    # The follows between the two are gone, both ways, with every count right.
    assert await db.follows.count_documents({"follower_id": ObjectId(ana.id),
                                             "followee_id": ObjectId(ben.id)}) == 0  # fmt: skip
    assert await db.follows.count_documents({"follower_id": ObjectId(ben.id),
                                             "followee_id": ObjectId(ana.id)}) == 0  # fmt: skip
    for account in (ana, ben, cleo):
        user = await db.users.find_one({"_id": ObjectId(account.id)})
        followers = await db.follows.count_documents({"followee_id": ObjectId(account.id)})
        following = await db.follows.count_documents({"follower_id": ObjectId(account.id)})
        assert (user["follower_count"], user["following_count"]) == (followers, following)
    shown = (await api.data(USER, {"id": cleo.id}, cleo.token))["user"]
    assert (shown["follower_count"], shown["following_count"]) == (2, 1)

    # In cleo's followers, each of the two no longer sees the other.
    fans = await page_all(api, FOLLOWERS, "user.followers", {"id": cleo.id}, ana.token, 1)
    assert [edge["node"]["id"] for edge in fans] == [ana.id]
    fans = await page_all(api, FOLLOWERS, "user.followers", {"id": cleo.id}, ben.token, 1)
    assert [edge["node"]["id"] for edge in fans] == [ben.id]

    # The blocked climber is not told: blocking them back works, unblocking needs both.
    assert (await api.data(BLOCK, {"id": ana.id}, ben.token))["blockUser"] is True
    await api.data(UNBLOCK, {"id": ben.id}, ana.token)
    assert ben_video not in (await everywhere(api, ana.token, ben.id))["feed"]
    await api.data(UNBLOCK, {"id": ana.id}, ben.token)

    # Unblocked: the videos are back, in every listing but the following feed, since
    # the follows do not come back.
    seen = await everywhere(api, ana.token, ben.id)
    assert ben_video in seen["feed"]
    assert ben_video in seen["feedPage"]
    assert seen["User.videos"] == [ben_video]
    assert ben_video not in seen["followingFeed"]
    assert (await api.data(USER, {"id": ben.id}, ana.token))["user"]["is_followed_by_me"] is False


async def test_block_and_unblock_are_idempotent_and_listed(api: Api, db: Any) -> None:
    me, *others = await accounts(api, 4)
    for other in others:
        assert (await api.data(BLOCK, {"id": other.id}, me.token))["blockUser"] is True
    assert (await api.data(BLOCK, {"id": others[0].id}, me.token))["blockUser"] is True
    assert await db.blocks.count_documents({}) == 3

    edges = await page_all(api, BLOCKED_USERS, "blockedUsers", {}, me.token, 2)
    assert [edge["node"]["id"] for edge in edges] == [o.id for o in others][::-1]
    assert all(edge["followed_at"].endswith("Z") for edge in edges)

    for _ in range(2):
        assert (await api.data(UNBLOCK, {"id": others[1].id}, me.token))["unblockUser"] is True
    edges = await page_all(api, BLOCKED_USERS, "blockedUsers", {}, me.token, 5)
    assert [edge["node"]["id"] for edge in edges] == [others[2].id, others[0].id]

    # As mongosh shows it: an edge a reader understands without the code.
    edge = await db.blocks.find_one({"blocked_id": ObjectId(others[0].id)})
    assert set(edge) == {"_id", "blocker_id", "blocked_id", "created_at"}
    assert edge["blocker_id"] == ObjectId(me.id)
    indexes = await db.blocks.index_information()
    assert indexes["pb_block_unique"]["unique"] is True


async def test_blocking_refuses_bad_input(api: Api) -> None:
    (me,) = await accounts(api, 1)
    cases = [
        (BLOCK, {"id": me.id}, "BAD_USER_INPUT"),
        (UNBLOCK, {"id": me.id}, "BAD_USER_INPUT"),
        (BLOCK, {"id": "nope"}, "BAD_USER_INPUT"),
        (BLOCK, {"id": str(ObjectId())}, "NOT_FOUND"),
        (UNBLOCK, {"id": str(ObjectId())}, "NOT_FOUND"),
    ]
    for query, variables, code in cases:
        error = await api.error(query, variables, me.token)
        assert code_of(error) == code, (variables, error)
        if code == "BAD_USER_INPUT":
            assert error["extensions"]["field"] == "user_id"
    assert code_of(await api.error(BLOCK, {"id": me.id})) == "UNAUTHENTICATED"
    assert code_of(await api.error(BLOCKED_USERS, {"first": 0}, me.token)) == "BAD_USER_INPUT"


async def test_a_follow_racing_a_block_never_survives_it(api: Api, db: Any) -> None:
    for _ in range(5):
        ana, ben = await accounts(api, 2)
        # Real concurrent requests: ben follows ana while ana blocks ben.
        await asyncio.gather(
            api.post(FOLLOW, {"id": ana.id}, ben.token),
            api.post(BLOCK, {"id": ben.id}, ana.token),
        )
        assert await db.follows.count_documents({"follower_id": ObjectId(ben.id)}) == 0
        user = await db.users.find_one({"_id": ObjectId(ana.id)})
        assert user["follower_count"] == 0
