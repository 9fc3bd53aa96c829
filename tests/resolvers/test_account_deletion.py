"""deleteAccount through the front door: gone at once for others, erased soon after."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from bson import ObjectId

from tests.support.accounts import (
    DELETE_ACCOUNT,
    EXPORT,
    ME,
    SEARCH,
    Climbers,
    eventually,
    seed_climbers,
)
from tests.support.client import SIGNUP, Api, code_of
from tests.support.social import FOLLOWERS, FOLLOWING, USER
from tests.support.videos import FEED, VIDEO, post_held_before_insert

OWNED_COLLECTIONS = ("videos", "sessions", "password_resets")


async def _erased(db: Any, user_id: str) -> dict[str, Any] | None:
    """The deletion record once every step ran (the final check comes later)."""
    record: dict[str, Any] | None = await db.account_deletions.find_one(
        {"user_id": ObjectId(user_id), "phase": {"$in": ["final_check", "done"]}}
    )
    return record


async def _counters(api: Api, who: Any) -> tuple[int, int]:
    user = (await api.data(USER, {"id": who.id}))["user"]
    return user["follower_count"], user["following_count"]


async def test_deleting_an_account_removes_everything_of_it_and_nothing_else(
    api: Api, db: Any
) -> None:
    world: Climbers = await seed_climbers(api)
    alice, bob, carol = world.alice, world.bob, world.carol
    await api.data(EXPORT, token=alice.token)
    await api.post('mutation { requestPasswordReset(email: "alice@example.com") }')
    assert await _counters(api, bob) == (1, 2)
    assert await _counters(api, carol) == (2, 1)

    wrong = await api.error(DELETE_ACCOUNT, {"password": "not my password"}, alice.token)
    assert (code_of(wrong), wrong["extensions"]["field"]) == ("BAD_USER_INPUT", "password")
    assert await api.data(DELETE_ACCOUNT, {"password": alice.password}, alice.token) == {
        "deleteAccount": True
    }

    # At once: her tokens are refused; her profile, follows and videos are gone.
    assert code_of(await api.error(ME, token=alice.token)) == "UNAUTHENTICATED"
    assert (await api.data(USER, {"id": alice.id}))["user"] is None
    assert (await api.data(SEARCH, {"q": "alice"}))["searchUsers"] == []
    for who in (bob, carol):
        for query in (FOLLOWERS, FOLLOWING):
            edges = (await api.data(query, {"id": who.id}))["user"]
            listed = [e["node"]["id"] for e in next(iter(edges.values()))["edges"]]
            assert alice.id not in listed
    assert await _counters(api, bob) == (0, 1)
    assert await _counters(api, carol) == (1, 0)
    feed = (await api.data(FEED, {"limit": 50}, bob.token))["feed"]
    assert [v["id"] for v in feed] == [world.bob_video]
    for video_id in world.alice_videos:
        assert (await api.data(VIDEO, {"id": video_id}))["video"] is None

    # Soon after: nothing of hers in the database, her files answer 404.
    record = await eventually(lambda: _erased(db, alice.id))
    assert record["erased"]["sessions"] == 2
    assert record["erased"]["videos"] == 2
    assert record["erased"]["likes"] == 1
    alice_id = ObjectId(alice.id)
    assert await db.users.count_documents({"_id": alice_id}) == 0
    for collection in OWNED_COLLECTIONS:
        assert await db[collection].count_documents({"user_id": alice_id}) == 0, collection
    assert (
        await db.follows.count_documents(
            {"$or": [{"follower_id": alice_id}, {"followee_id": alice_id}]}
        )
        == 0
    )
    assert await db.videos.count_documents({"likes": alice_id}) == 0
    assert await db.data_exports.count_documents({"_id": alice_id}) == 0
    throttle_keys = [doc["_id"] async for doc in db.throttle.find({}, {"_id": 1})]
    assert not [key for key in throttle_keys if "alice@example.com" in key]
    for url in world.alice_media:
        assert (await api.http.get(urlsplit(url).path)).status_code == 404, url

    # Others' data is untouched, their counts right.
    bob_video = await db.videos.find_one({"_id": ObjectId(world.bob_video)})
    assert bob_video["likes"] == [ObjectId(carol.id)]
    assert bob_video["like_count"] == 1
    assert await db.sessions.count_documents({"user_id": ObjectId(bob.id)}) == 1
    assert await _counters(api, bob) == (0, 1)
    assert await _counters(api, carol) == (1, 0)

    # Her e-mail and pseudo are free again; her old token stays refused.
    again = await api.data(
        SIGNUP, {"email": alice.email, "password": "a new life 123", "pseudo": "Alice"}
    )
    assert again["signup"]["user"]["id"] != alice.id
    repeat = await api.error(DELETE_ACCOUNT, {"password": alice.password}, alice.token)
    assert code_of(repeat) == "UNAUTHENTICATED"


async def test_a_deletion_s_password_is_throttled_like_a_login(api: Api) -> None:
    climber = await api.signup()
    codes = []
    for _ in range(7):
        error = await api.error(DELETE_ACCOUNT, {"password": "guessing 123"}, climber.token)
        codes.append(code_of(error))
    assert codes[:5] == ["BAD_USER_INPUT"] * 5
    assert "RATE_LIMITED" in codes[5:]
    assert (await api.data(ME, token=climber.token))["me"]["id"] == climber.id


async def test_deleting_needs_a_sign_in_and_never_fails_on_odd_passwords(api: Api) -> None:
    assert code_of(await api.error(DELETE_ACCOUNT, {"password": "x"})) == "UNAUTHENTICATED"
    climber = await api.signup()
    for password in ("", "x" * 10_000, "\x00"):
        error = await api.error(DELETE_ACCOUNT, {"password": password}, climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "password")


async def test_a_video_posted_while_its_account_is_deleted_is_deleted_as_it_lands(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The post's checks pass, then the whole deletion request runs (the account's videos
    are erased at once), and only then does the post insert its video."""
    alice, bob = await api.signup(), await api.signup()
    async with post_held_before_insert(api, alice, monkeypatch) as posting:
        await api.data(DELETE_ACCOUNT, {"password": alice.password}, alice.token)

    assert [code_of(error) for error in (await posting)["errors"]] == ["UNAUTHENTICATED"]
    assert await db.videos.count_documents({"user_id": ObjectId(alice.id)}) == 0
    feed = await api.data(FEED, {"limit": 20}, bob.token)
    assert feed["feed"] == []
