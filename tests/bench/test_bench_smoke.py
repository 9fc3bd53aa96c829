"""The benchmark compares equal work: the hand-written endpoint (bench/raw_endpoint.py)
answers exactly what the API answers for the same documents and the same viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from httpx import ASGITransport, AsyncClient

from api.settings import Settings
from bench import raw_endpoint
from bench.scenarios import FEED_PAGE, ME, VIDEO
from tests.support.client import BASE_URL, Api
from tests.support.safety import BLOCK, make_moderator
from tests.support.social import follow
from tests.support.videos import LIKE, accounts, post_video


@pytest.fixture
async def raw(api: Api, settings: Settings) -> AsyncIterator[AsyncClient]:
    app = raw_endpoint.create_app(
        str(settings.mongodb_url), settings.mongodb_db, settings.resolved_jwt_secret()
    )
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as http,
    ):
        yield http


async def _raw(raw: AsyncClient, path: str, token: str) -> dict[str, Any]:
    response = await raw.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_the_raw_endpoint_serves_what_the_api_serves(api: Api, raw: AsyncClient) -> None:
    author, viewer = await accounts(api, 2)
    videos = [await post_video(api, author, caption=c) for c in ("crux!", None, "beta")]
    await api.data(LIKE, {"id": videos[1]["id"]}, viewer.token)

    first = await api.data(FEED_PAGE, {"first": 2}, viewer.token)
    assert first["feedPage"]["edges"][1]["node"]["is_liked_by_me"] is True
    assert await _raw(raw, "/feed?first=2", viewer.token) == first
    after = first["feedPage"]["pageInfo"]["endCursor"]
    rest = await api.data(FEED_PAGE, {"first": 2, "after": after}, viewer.token)
    assert await _raw(raw, f"/feed?first=2&after={after}", viewer.token) == rest

    one = await api.data(VIDEO, {"id": videos[1]["id"]}, viewer.token)
    assert await _raw(raw, f"/video/{videos[1]['id']}", viewer.token) == one
    assert await _raw(raw, "/me", author.token) == await api.data(ME, {}, author.token)


async def test_the_in_process_measure_runs_on_equal_answers() -> None:
    """`python -m bench.inprocess` keeps working: it refuses to time two answers that
    differ, so a run that returns timings compared equal work."""
    from bench.inprocess import measure

    cpu_ms = await measure(requests=3, rounds=1)
    assert set(cpu_ms) == {"api", "raw"}
    assert all(len(values) == 1 and values[0] > 0 for values in cpu_ms.values())


async def test_the_raw_endpoint_applies_the_audience_rule_as_the_api_does(
    api: Api, raw: AsyncClient, db: Any
) -> None:
    """An honest limit (issue 28): the same ids, field for field, for a viewer who
    follows, blocks and is blocked, for anonymous clients and for a moderator, across
    private, followers-only, hidden and suspended authors' videos."""
    viewer, friend, stranger, blocker, blocked, suspended, mod = await accounts(api, 7)
    await make_moderator(mod)
    await follow(api, viewer, friend)
    await api.data(BLOCK, {"id": viewer.id}, blocker.token)
    await api.data(BLOCK, {"id": blocked.id}, viewer.token)
    for author in (friend, stranger, blocker, blocked, suspended):
        for visibility in ("PUBLIC", "FOLLOWERS", "PRIVATE"):
            await post_video(api, author, visibility=visibility, caption=author.pseudo)
    own = await post_video(api, viewer, visibility="PRIVATE")
    hidden = await post_video(api, stranger, caption="hidden")
    await api.data(LIKE, {"id": hidden["id"]}, viewer.token)
    # What a moderator's HIDE and SUSPEND_USER store (workflows/moderation.py).
    await db.videos.update_one(
        {"_id": ObjectId(hidden["id"])}, {"$set": {"withheld": ["moderation"]}}
    )
    await db.users.update_one(
        {"_id": ObjectId(suspended.id)}, {"$set": {"withheld": ["suspended"]}}
    )
    await db.videos.update_many(
        {"user_id": ObjectId(suspended.id)}, {"$set": {"withheld": ["suspended"]}}
    )

    for token in (viewer.token, stranger.token, mod.token, None):
        api_page = await api.data(FEED_PAGE, {"first": 50}, token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await raw.get("/feed?first=50", headers=headers)
        assert response.json()["data"] == api_page
    shown = {edge["node"]["id"] for edge in api_page["feedPage"]["edges"]}  # anonymous
    assert own["id"] not in shown
    assert hidden["id"] not in shown
    seen = await _raw(raw, "/feed?first=50", viewer.token)
    captions = {edge["node"]["caption"] for edge in seen["feedPage"]["edges"]}
    assert captions == {friend.pseudo, stranger.pseudo, None}  # own video: no caption
    assert await _raw(raw, f"/video/{hidden['id']}", viewer.token) == {"video": None}
    assert (await _raw(raw, f"/video/{hidden['id']}", mod.token))["video"]["id"] == hidden["id"]


async def test_the_raw_endpoint_refuses_revoked_tokens_as_the_api_does(
    api: Api, raw: AsyncClient
) -> None:
    (climber,) = await accounts(api, 1)
    assert (await raw.get("/feed", headers={"Authorization": "Bearer junk"})).status_code == 401
    await api.data("mutation { logoutEverywhere }", {}, climber.token)
    headers = {"Authorization": f"Bearer {climber.token}"}
    assert (await raw.get("/feed", headers=headers)).status_code == 401
