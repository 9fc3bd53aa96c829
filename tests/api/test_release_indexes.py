"""The release command builds the indexes; the service it deploys does not build them again."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel, monitoring

from api.database import connect
from api.migrate import migrate
from api.settings import Settings
from models.registry import DOCUMENT_MODELS
from models.schema_state import index_fingerprint
from models.user import UserDocument
from tests.support.app import running_api


class CreateIndexCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.create_indexes = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "createIndexes":
            self.create_indexes += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _start_counting(settings: Settings) -> int:
    counter = CreateIndexCounter()
    async with AsyncExitStack() as stack:
        await connect(settings, stack, listeners=[counter])
    return counter.create_indexes


async def _index_names(settings: Settings, collection: str) -> set[str]:
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
        return set(await client[settings.mongodb_db][collection].index_information())


async def _drop_database(settings: Settings) -> None:
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
        await client.drop_database(settings.mongodb_db)


async def test_a_start_after_the_release_command_creates_no_index(settings: Settings) -> None:
    try:
        assert await _start_counting(settings) > 0  # nobody migrated: the service builds
        await migrate(settings)
        assert await _start_counting(settings) == 0
    finally:
        await _drop_database(settings)


async def test_the_served_app_skips_what_migrate_built_and_rebuilds_after_a_spec_change(
    settings: Settings,
) -> None:
    users = "users"
    try:
        await migrate(settings)
        built = await _index_names(settings, users)
        # Evidence without timing: an index removed behind the app's back stays
        # missing when the app starts on the record the release command left.
        async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
            victim = sorted(built - {"_id_"})[0]
            await client[settings.mongodb_db][users].drop_index(victim)
            async with running_api(settings) as api:
                assert (await api.http.get("/healthz")).status_code == 200
            assert victim not in await _index_names(settings, users)

            # A record from another release's specs: the service builds them again.
            await client[settings.mongodb_db]["schema_state"].update_one(
                {"_id": "indexes"}, {"$set": {"fingerprint": "an older release"}}
            )
            async with running_api(settings) as api:
                assert (await api.http.get("/healthz")).status_code == 200
            assert await _index_names(settings, users) == built
    finally:
        await _drop_database(settings)


def test_the_fingerprint_follows_every_declared_index(monkeypatch: Any) -> None:
    before = index_fingerprint(DOCUMENT_MODELS)
    declared = list(UserDocument.Settings.indexes)
    monkeypatch.setattr(
        UserDocument.Settings,
        "indexes",
        [*declared, IndexModel([("bio", ASCENDING)], name="bio")],
    )
    assert index_fingerprint(DOCUMENT_MODELS) != before
    # The order of a compound key is the index: reversing it is another spec.
    first, second = IndexModel([("a", 1), ("b", 1)]), IndexModel([("b", 1), ("a", 1)])
    monkeypatch.setattr(UserDocument.Settings, "indexes", [first])
    one = index_fingerprint(DOCUMENT_MODELS)
    monkeypatch.setattr(UserDocument.Settings, "indexes", [second])
    assert index_fingerprint(DOCUMENT_MODELS) != one
