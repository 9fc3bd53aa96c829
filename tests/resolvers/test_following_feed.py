"""The following feed: only followed climbers, newest first, paging without repeats."""

from __future__ import annotations

import asyncio

from tests.support.client import Account, Api, code_of
from tests.support.social import FOLLOWING_FEED, UNFOLLOW, follow
from tests.support.videos import LIKE, CommandLog, accounts, post_video


async def _ids(api: Api, reader: Account, first: int = 20) -> list[str]:
    page = (await api.data(FOLLOWING_FEED, {"first": first}, reader.token))["followingFeed"]
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_shows_only_followed_climbers_newest_first(api: Api) -> None:
    reader, ana, ben, stranger = await accounts(api, 4)
    assert await _ids(api, reader) == []  # following nobody: an empty feed, no error
    await follow(api, reader, ana)
    await follow(api, reader, ben)
    posted = [await post_video(api, author) for author in (ana, stranger, ben, reader, ana)]
    expected = [posted[4]["id"], posted[2]["id"], posted[0]["id"]]
    assert await _ids(api, reader) == expected

    await api.data(LIKE, {"id": posted[2]["id"]}, reader.token)
    page = (await api.data(FOLLOWING_FEED, {}, reader.token))["followingFeed"]
    liked = {e["node"]["id"]: e["node"]["is_liked_by_me"] for e in page["edges"]}
    assert liked == {expected[0]: False, expected[1]: True, expected[2]: False}

    await api.data(UNFOLLOW, {"id": ana.id}, reader.token)
    assert await _ids(api, reader) == [posted[2]["id"]]


async def test_pages_without_repeats_while_others_post(api: Api) -> None:
    reader, ana, ben, stranger = await accounts(api, 4)
    await follow(api, reader, ana)
    await follow(api, reader, ben)
    before = [await post_video(api, (ana, ben, stranger)[i % 3]) for i in range(9)]
    followed_before = [v["id"] for v in before if v["user"]["id"] != stranger.id][::-1]

    seen: list[str] = []
    after = None
    while True:
        data = await api.data(FOLLOWING_FEED, {"first": 2, "after": after}, reader.token)
        page = data["followingFeed"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert all(edge["node"]["user"]["id"] in {ana.id, ben.id} for edge in page["edges"])
        # Between two pages, followed climbers and others post again, concurrently.
        await asyncio.gather(post_video(api, ana), post_video(api, ben), post_video(api, stranger))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == followed_before  # all of them, in order, none twice, none new


async def test_costs_the_same_queries_however_many_climbers_are_followed(
    commands: CommandLog, api: Api
) -> None:
    reader, *authors = await accounts(api, 9)
    for author in authors:
        await follow(api, reader, author)
        await post_video(api, author)
    commands.start()
    assert len(await _ids(api, reader)) == 8
    commands.stop()
    # The viewer's audience (blocks both ways and followees, with the viewer's user).
    assert len(commands.commands_on("aggregate", "users")) == 1
    assert len(commands.commands_on("aggregate", "videos")) == 1
    assert len(commands.commands_on("find", "users")) == 1  # the authors, batched
    assert len(commands.sent) == 3


async def test_refuses_anonymous_and_bad_paging(api: Api) -> None:
    (reader,) = await accounts(api, 1)
    assert code_of(await api.error(FOLLOWING_FEED, {})) == "UNAUTHENTICATED"
    for variables, field in (({"first": 0}, "first"), ({"after": "nope"}, "after")):
        error = await api.error(FOLLOWING_FEED, variables, reader.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
