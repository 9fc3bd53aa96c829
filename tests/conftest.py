"""Test fixtures: a real MongoDB wire-protocol server and the app behind its front door.

One SecantusDB server (in memory) is started per test session, unless TEST_MONGODB_URL
points at a MongoDB. Each test gets its own database, dropped afterwards, and an app
whose lifespan really runs (Beanie init, index creation) behind an httpx client.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from beanie import init_beanie
from pymongo import AsyncMongoClient, monitoring

import kit.clock
import workflows.throttle
from api.database import connect
from api.settings import Settings
from models.registry import DOCUMENT_MODELS, Repositories
from tests.support import index_audit
from tests.support.app import TEST_JWT_SECRET, running_api
from tests.support.client import BASE_URL, Api
from tests.support.clock import HandClock
from tests.support.videos import CommandLog, command_log
from tools.embedded_db import EmbeddedMongo

# Registered before any client exists: PyMongo gives global listeners to later clients.
QUERIES = index_audit.Recorder()
monitoring.register(QUERIES)


@pytest.fixture(scope="session", autouse=True)
async def _every_query_on_an_index(mongo_url: str) -> AsyncIterator[None]:
    """After the suite: each query shape the repositories sent is served by an index
    (tests/index_audit.py), checked against what `listIndexes` reports."""
    yield
    if not QUERIES.shapes:
        return
    name = f"index_audit_{secrets.token_hex(4)}"
    async with AsyncMongoClient[dict[str, Any]](mongo_url) as client:
        await init_beanie(database=client[name], document_models=DOCUMENT_MODELS)
        indexes = await index_audit.listed_indexes(
            client[name], [model.get_collection_name() for model in DOCUMENT_MODELS]
        )
        await client.drop_database(name)
    problems = index_audit.unserved(QUERIES.shapes, indexes)
    assert not problems, "queries no index serves (add one, or accept the scan):\n" + "\n".join(
        problems
    )


@pytest.fixture(autouse=True)
def throttle_clock(monkeypatch: pytest.MonkeyPatch) -> HandClock:
    """The throttles' clock stands still in every test: their first back-off step is one
    second, less than a loaded CI machine can take between two log-ins, which let a
    refused attempt through now and then. Tests that need time to pass move it, by
    exactly what they mean (tests/resolvers/test_throttling.py), never by reading the
    wall clock again."""
    clock = HandClock(kit.clock.utcnow())
    monkeypatch.setattr(workflows.throttle, "utcnow", clock)
    return clock


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
        # No worker task: tests run the media jobs when they choose (Api.media_settled).
        media_workers=0,
        # Accounts in tests are unverified and many post more than three videos; tests of
        # the limit lower it again (tests/resolvers/test_email_verification.py).
        unverified_posts_per_day=10_000,
        # Likewise for the validation budget of new documents
        # (tests/resolvers/extensions/test_validation_budget.py lowers it).
        graphql_validation_seconds_per_minute=10_000.0,
    )


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


@pytest.fixture
async def repos(settings: Settings) -> AsyncIterator[Repositories]:
    """The repositories on the test database, Beanie initialised, without the HTTP app:
    for workflows, tested below the GraphQL layer."""
    async with AsyncExitStack() as stack:
        await connect(settings, stack)
        yield Repositories()
        async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as mongo:
            await mongo.drop_database(settings.mongodb_db)


@pytest.fixture
def commands() -> Iterator[CommandLog]:
    """The database commands the app sends (round trips counted in tests). List it before
    `api` in a test's arguments, so the app's client reports to it."""
    log = command_log()
    yield log
    log.stop()
