"""The benchmark compares equal work: the hand-written endpoint (bench/raw_endpoint.py)
answers exactly what the API answers for the same documents and the same viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.settings import Settings
from bench import raw_endpoint
from bench.scenarios import FEED_PAGE, ME, VIDEO
from tests.support.client import BASE_URL, Api
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
