"""The feed: order, offset and cursor paging, profiles' videos, and what it costs."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from tests.support.client import Account, Api, code_of
from tests.support.videos import (
    FEED,
    FEED_PAGE,
    USER_VIDEOS,
    VIDEO,
    CommandLog,
    accounts,
    post_video,
)


async def _post_many(api: Api, authors: list[Account], count: int) -> list[str]:
    """Post `count` videos one after the other; their ids, oldest first."""
    return [(await post_video(api, authors[i % len(authors)]))["id"] for i in range(count)]


async def _page_through(api: Api, first: int, token: str | None = None) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = (await api.data(FEED_PAGE, {"first": first, "after": after}, token))["feedPage"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def test_feed_is_newest_first_with_limit_and_offset(api: Api) -> None:
    authors = await accounts(api, 2)
    posted = await _post_many(api, authors, 5)
    newest_first = posted[::-1]

    def ids(data: dict[str, Any]) -> list[str]:
        return [video["id"] for video in data["feed"]]

    assert ids(await api.data(FEED)) == newest_first  # default limit 10
    assert ids(await api.data(FEED, {"limit": 3})) == newest_first[:3]
    assert ids(await api.data(FEED, {"limit": 3, "offset": 3})) == newest_first[3:]
    assert ids(await api.data(FEED, {"limit": None, "offset": None})) == newest_first
    assert ids(await api.data(FEED, {"offset": 5})) == []
    created = [v["created_at"] for v in (await api.data(FEED))["feed"]]
    assert created == sorted(created, reverse=True)


async def test_feed_and_feed_page_refuse_bad_sizes_and_cursors(api: Api) -> None:
    not_ours = base64.urlsafe_b64encode(b"v1:abc:def").decode()
    cases: list[tuple[str, dict[str, Any], str]] = [
        (FEED, {"limit": 0}, "limit"),
        (FEED, {"limit": 51}, "limit"),
        (FEED, {"offset": -1}, "offset"),
        (FEED_PAGE, {"first": 0}, "first"),
        (FEED_PAGE, {"first": 51}, "first"),
        (FEED_PAGE, {"after": "garbage!"}, "after"),
        (FEED_PAGE, {"after": not_ours}, "after"),
        (FEED_PAGE, {"after": "A" * 5000}, "after"),
        (FEED_PAGE, {"after": "é"}, "after"),
    ]
    for query, variables, field in cases:
        error = await api.error(query, variables)
        assert code_of(error) == "BAD_USER_INPUT", (variables, error)
        assert error["extensions"]["field"] == field, (variables, error)
    assert len((await api.data(FEED, {"limit": 50}))["feed"]) == 0


async def test_an_empty_feed_page(api: Api) -> None:
    page = (await api.data(FEED_PAGE))["feedPage"]
    assert page == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "endCursor": None,
            "hasPreviousPage": False,
            "startCursor": None,
        },
    }


async def test_feed_page_walks_the_whole_feed_in_order(api: Api) -> None:
    authors = await accounts(api, 3)
    posted = await _post_many(api, authors, 7)
    assert await _page_through(api, first=3) == posted[::-1]
    assert await _page_through(api, first=7) == posted[::-1]
    assert await _page_through(api, first=50) == posted[::-1]
    first = (await api.data(FEED_PAGE, {"first": 2}))["feedPage"]
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]


async def test_paging_while_others_post_sees_every_earlier_video_once(api: Api) -> None:
    reader, *posters = await accounts(api, 4)
    existing = set(await _post_many(api, posters, 12))
    seen: list[str] = []
    created: list[str] = []
    posted_meanwhile: list[str] = []
    pages = 0
    after = None
    while True:
        pages += 1
        # Each page is fetched while two others post: real concurrent requests.
        page, *new = await asyncio.gather(
            api.data(FEED_PAGE, {"first": 4, "after": after}, reader.token),
            post_video(api, posters[0]),
            post_video(api, posters[1]),
        )
        posted_meanwhile += [video["id"] for video in new]
        edges = page["feedPage"]["edges"]
        seen += [edge["node"]["id"] for edge in edges]
        created += [edge["node"]["created_at"] for edge in edges]
        if not page["feedPage"]["pageInfo"]["hasNextPage"]:
            break
        after = page["feedPage"]["pageInfo"]["endCursor"]

    counts = Counter(seen)
    assert all(counts[video_id] == 1 for video_id in existing), counts
    assert max(counts.values()) == 1  # nothing repeated, new videos included
    assert created == sorted(created, reverse=True)
    # Others really posted meanwhile (an offset feed would have shifted under the reader).
    # Three pages of 4, or four when posts land before the first page's query (which
    # reads the viewer's audience first): two posts alongside each.
    assert pages in (3, 4)
    assert len(posted_meanwhile) == 2 * pages
    assert (await api.data(FEED, {"limit": 1}))["feed"][0]["id"] in posted_meanwhile


async def test_videos_posted_in_the_same_millisecond_are_each_paged_once(api: Api, db: Any) -> None:
    author = await api.signup()
    template = (await post_video(api, author))["id"]
    stored = await db.videos.find_one({"_id": ObjectId(template)})
    same_instant = datetime(2025, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
    twins = [
        {**stored, "_id": ObjectId(), "created_at": same_instant} for _ in range(7)
    ]  # as a burst of posts within one millisecond would be stored
    await db.videos.insert_many(twins)

    expected = [template, *sorted((str(t["_id"]) for t in twins), reverse=True)]
    for first in (1, 2, 3):
        assert await _page_through(api, first) == expected


async def test_a_users_videos_are_theirs_only_newest_first(api: Api) -> None:
    alice, bob = await accounts(api, 2)
    alice_ids = [(await post_video(api, alice))["id"] for _ in range(5)]
    await post_video(api, bob)

    ids: list[str] = []
    after = None
    while True:
        data = await api.data(USER_VIDEOS, {"id": alice.id, "first": 2, "after": after})
        connection = data["user"]["videos"]
        ids += [edge["node"]["id"] for edge in connection["edges"]]
        assert {edge["node"]["user"]["id"] for edge in connection["edges"]} == {alice.id}
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert ids == alice_ids[::-1]

    error = await api.error(USER_VIDEOS, {"id": bob.id, "first": 99})
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "first")
    bob_page = (await api.data(USER_VIDEOS, {"id": bob.id}))["user"]["videos"]
    assert len(bob_page["edges"]) == 1


async def test_listings_never_bring_the_likes_array_back_from_the_database(
    commands: CommandLog, api: Api, db: Any
) -> None:
    author, fan = await accounts(api, 2)
    crowd = [ObjectId() for _ in range(2000)]
    popular = (await post_video(api, author))["id"]
    quiet = (await post_video(api, author))["id"]
    await db.videos.update_one(
        {"_id": ObjectId(popular)},
        {"$set": {"likes": [*crowd, ObjectId(fan.id)], "like_count": len(crowd) + 1}},
    )

    commands.start()
    feed = (await api.data(FEED, {}, fan.token))["feed"]
    page = (await api.data(FEED_PAGE, {}, fan.token))["feedPage"]
    one = (await api.data(VIDEO, {"id": popular}, fan.token))["video"]
    anonymous = (await api.data(FEED))["feed"]
    commands.stop()

    expected = {popular: (True, 2001), quiet: (False, 0)}
    assert {v["id"]: (v["is_liked_by_me"], v["like_count"]) for v in feed} == expected
    assert {
        e["node"]["id"]: (e["node"]["is_liked_by_me"], e["node"]["like_count"])
        for e in page["edges"]
    } == expected
    assert (one["is_liked_by_me"], one["like_count"]) == (True, 2001)
    assert [v["is_liked_by_me"] for v in anonymous] == [False, False]

    returned = [doc for doc in commands.returned_documents() if "video_url" in doc]
    assert len(returned) == 7  # 2 + 2 + 1 + 2 videos, each read without its likes
    assert not [doc for doc in returned if "likes" in doc]
