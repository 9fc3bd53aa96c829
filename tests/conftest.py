"""Test fixtures: a real MongoDB wire-protocol server and the app behind its front door.

One SecantusDB server (in memory) is started per test session, unless TEST_MONGODB_URL
points at a MongoDB. Each test gets its own database, dropped afterwards, and an app
whose lifespan really runs (Beanie init, index creation) behind an httpx client.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pymongo import AsyncMongoClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import BASE_URL, Api
from tools.embedded_db import EmbeddedMongo

TEST_JWT_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    external = os.environ.get("TEST_MONGODB_URL")
    if external:
        yield external
        return
    with EmbeddedMongo(":memory:") as server:
        yield server.url


@pytest.fixture
def settings(mongo_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        mongodb_url=mongo_url,
        mongodb_db=f"test_{secrets.token_hex(6)}",
        data_dir=tmp_path,
        jwt_secret=TEST_JWT_SECRET,
        public_base_url=BASE_URL,
        # Every test client shares one address; tests of the per-address sign-up limit
        # lower it again (tests/test_throttling.py).
        signups_per_address=10_000,
    )


@asynccontextmanager
async def running_api(settings: Settings, peer: str = "127.0.0.1") -> AsyncIterator[Api]:
    """The app with its lifespan run, behind an httpx client, as the app talks to it;
    `peer` is the client's TCP address as the app sees it."""
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app, client=(peer, 40_000)), base_url=BASE_URL
        ) as http,
    ):
        yield Api(http)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    async with running_api(settings) as running:
        yield running
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as mongo:
        await mongo.drop_database(settings.mongodb_db)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[object]:
    """Direct access to the test database, to check what `mongosh` would show."""
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
        yield client[settings.mongodb_db]
