"""Follows: idempotent follow / unfollow, counters, followers and following, storms."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import pytest
from beanie import PydanticObjectId
from bson import ObjectId

import models.follow
from models.follow import FollowRepository
from tests.support.client import Api, code_of
from tests.support.social import FOLLOW, FOLLOWERS, FOLLOWING, UNFOLLOW, USER, follow, page_all
from tests.support.videos import CommandLog, accounts


async def test_follow_and_unfollow_are_idempotent_and_counted(api: Api, db: Any) -> None:
    ana, ben = await accounts(api, 2)
    first = await follow(api, ana, ben)
    again = await follow(api, ana, ben)
    assert (
        first
        == again
        == {
            "id": ben.id,
            "pseudo": ben.pseudo,
            "follower_count": 1,
            "following_count": 0,
            "is_followed_by_me": True,
        }
    )
    seen_by_ben = (await api.data(USER, {"id": ana.id}, ben.token))["user"]
    assert seen_by_ben["following_count"] == 1
    assert seen_by_ben["is_followed_by_me"] is False  # ben does not follow ana
    assert await db.follows.count_documents({}) == 1

    for _ in range(2):
        gone = (await api.data(UNFOLLOW, {"id": ben.id}, ana.token))["unfollow"]
        assert (gone["follower_count"], gone["is_followed_by_me"]) == (0, False)
    me = (await api.data(USER, {"id": ana.id}, ana.token))["user"]
    assert (me["following_count"], me["follower_count"]) == (0, 0)
    assert await db.follows.count_documents({}) == 0


async def test_the_edge_and_both_counters_are_written_in_one_transaction(
    commands: CommandLog, api: Api
) -> None:
    ana, ben = await accounts(api, 2)
    for query in (FOLLOW, UNFOLLOW):
        commands.start()
        await api.data(query, {"id": ben.id}, ana.token)
        commands.stop()
        writes = [
            *commands.commands_on("insert", "follows"),
            *commands.commands_on("delete", "follows"),
            *commands.commands_on("update", "users"),
        ]
        assert len(writes) == 3
        # SecantusDB advertises a replica set: all three in one transaction, committed.
        assert {(str(w["lsid"]["id"]), w["txnNumber"]) for w in writes} == {
            (str(writes[0]["lsid"]["id"]), writes[0]["txnNumber"])
        }
        assert all(w["autocommit"] is False for w in writes)
        assert [e.command_name for e in commands.sent].count("commitTransaction") == 1


async def test_edges_are_documents_not_arrays_on_users(api: Api, db: Any) -> None:
    ana, ben = await accounts(api, 2)
    await follow(api, ana, ben)
    edge = await db.follows.find_one({})
    assert edge["follower_id"] == ObjectId(ana.id)
    assert edge["followee_id"] == ObjectId(ben.id)
    assert "created_at" in edge
    user = await db.users.find_one({"_id": ObjectId(ben.id)})
    assert user["follower_count"] == 1
    # No list of edges on the user (`withheld`, the reasons hiding an account, is no edge).
    assert not any(isinstance(v, list) for k, v in user.items() if k != "withheld")
    assert user["withheld"] == []
    indexes = await db.follows.index_information()
    assert indexes["pb_follow_unique"]["unique"] is True
    assert indexes["pb_follow_unique"]["key"] == [("follower_id", 1), ("followee_id", 1)]
    assert indexes["pb_followers_newest_first"]["key"][:2] == [
        ("followee_id", 1),
        ("created_at", -1),
    ]


async def test_follow_refuses_self_unknown_bad_ids_and_anonymous(api: Api) -> None:
    (ana,) = await accounts(api, 1)
    error = await api.error(FOLLOW, {"id": ana.id}, ana.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "user_id")
    error = await api.error(FOLLOW, {"id": "nope"}, ana.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "user_id")
    for query in (FOLLOW, UNFOLLOW):
        error = await api.error(query, {"id": str(ObjectId())}, ana.token)
        assert code_of(error) == "NOT_FOUND"
        assert code_of(await api.error(query, {"id": ana.id})) == "UNAUTHENTICATED"
    anonymous = (await api.data(USER, {"id": ana.id}))["user"]
    assert anonymous["is_followed_by_me"] is False


async def test_followers_and_following_page_newest_first_without_repeats(api: Api) -> None:
    star, *fans = await accounts(api, 7)
    for fan in fans:  # one after the other: a known order
        await follow(api, fan, star)
    await follow(api, star, fans[0])
    await follow(api, star, fans[1])

    edges = await page_all(api, FOLLOWERS, "user.followers", {"id": star.id}, fans[0].token, 2)
    assert [e["node"]["id"] for e in edges] == [fan.id for fan in reversed(fans)]
    followed_at = [e["followed_at"] for e in edges]
    assert followed_at == sorted(followed_at, reverse=True)
    # Seen by fans[0]: star follows fans[0] and fans[1]; nobody else is followed by fans[0].
    assert {e["node"]["id"]: e["node"]["is_followed_by_me"] for e in edges} == {
        fan.id: False for fan in fans
    }
    seen_by_star = await page_all(api, FOLLOWERS, "user.followers", {"id": star.id}, star.token, 4)
    followed = {e["node"]["id"] for e in seen_by_star if e["node"]["is_followed_by_me"]}
    assert followed == {fans[0].id, fans[1].id}

    following = await page_all(api, FOLLOWING, "user.following", {"id": star.id}, None, 1)
    assert [e["node"]["id"] for e in following] == [fans[1].id, fans[0].id]


async def test_follow_connections_refuse_bad_page_sizes_and_cursors(api: Api) -> None:
    (ana,) = await accounts(api, 1)
    for variables, field in (
        ({"first": 0}, "first"),
        ({"first": 51}, "first"),
        ({"after": "garbage!"}, "after"),
    ):
        error = await api.error(FOLLOWERS, {"id": ana.id, **variables}, ana.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


@pytest.fixture(params=["transactions", "plain writes"])
def write_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with multi-document transactions, and as on a standalone mongod."""
    if request.param == "plain writes":

        async def no_transactions(client: Any) -> bool:
            return False

        monkeypatch.setattr(models.follow, "server_has_transactions", no_transactions)
    return str(request.param)


async def test_concurrent_follow_storms_leave_counts_equal_to_the_edges(
    write_mode: str, api: Api, db: Any
) -> None:
    climbers = await accounts(api, 6)
    rng = random.Random(9)
    calls = []
    for _ in range(240):
        who, whom = rng.sample(climbers, 2)
        query = FOLLOW if rng.random() < 0.6 else UNFOLLOW
        calls.append(api.post(query, {"id": whom.id}, who.token))
    responses = await asyncio.gather(*calls)
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)

    edges = await db.follows.find({}).to_list()
    pairs = [(e["follower_id"], e["followee_id"]) for e in edges]
    assert len(pairs) == len(set(pairs))
    followers = Counter(followee for _, followee in pairs)
    following = Counter(follower for follower, _ in pairs)
    for climber in climbers:
        oid = ObjectId(climber.id)
        shown = (await api.data(USER, {"id": climber.id}))["user"]
        assert shown["follower_count"] == followers[oid], write_mode
        assert shown["following_count"] == following[oid], write_mode
        listed = await page_all(api, FOLLOWERS, "user.followers", {"id": climber.id}, None, 50)
        assert len(listed) == followers[oid]


async def test_recount_repairs_counters_from_the_edges(api: Api, db: Any) -> None:
    ana, ben, cy = await accounts(api, 3)
    await follow(api, ana, ben)
    await follow(api, cy, ben)
    # What a crash between the edge write and the counters leaves on a standalone
    # server: an edge that was never counted, and a count with no edge.
    await db.follows.insert_one(
        {"follower_id": ObjectId(ana.id), "followee_id": ObjectId(cy.id), "created_at": None}
    )
    await db.users.update_one({"_id": ObjectId(ben.id)}, {"$inc": {"follower_count": 5}})

    repo = FollowRepository()
    assert await repo.recount(PydanticObjectId(ben.id)) == (2, 0)
    assert await repo.recount(PydanticObjectId(ana.id)) == (0, 2)
    assert await repo.recount(PydanticObjectId(cy.id)) == (1, 1)
    shown = (await api.data(USER, {"id": ben.id}))["user"]
    assert shown["follower_count"] == 2
    shown = (await api.data(USER, {"id": ana.id}))["user"]
    assert shown["following_count"] == 2


async def test_a_page_of_followers_costs_one_query_per_kind(commands: CommandLog, api: Api) -> None:
    star, *fans = await accounts(api, 7)
    for fan in fans:
        await follow(api, fan, star)
        await follow(api, star, fan)
    commands.start()
    page = (await api.data(FOLLOWERS, {"id": star.id, "first": 6}, star.token))["user"]
    commands.stop()
    assert [e["node"]["is_followed_by_me"] for e in page["followers"]["edges"]] == [True] * 6
    # The page of edges (an aggregation: it leaves out users the viewer may not see),
    # then whether the viewer follows each one: batched.
    assert len(commands.commands_on("aggregate", "follows")) == 1
    assert len(commands.commands_on("find", "follows")) == 1
