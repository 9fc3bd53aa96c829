"""The release command builds the indexes; the service it deploys does not build them again."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel, monitoring

from api.database import connect
from api.migrate import migrate
from api.settings import Settings
from models.app_indexes import APP_INDEX_PREFIX, LEGACY_APP_INDEXES, collection_of, declared
from models.registry import DOCUMENT_MODELS
from models.schema_state import index_fingerprint
from models.user import UserDocument
from models.video import VideoDocument
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


def test_every_declared_index_carries_the_app_prefix() -> None:
    for model in DOCUMENT_MODELS:
        for index in declared(model):
            assert str(index.document["name"]).startswith(APP_INDEX_PREFIX), model


async def test_the_release_drops_only_the_apps_own_indexes(settings: Settings) -> None:
    try:
        await migrate(settings)
        async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
            videos = client[settings.mongodb_db]["videos"]
            # What Atlas's Performance Advisor would add (named after its key), an
            # operator's index under a name of their own, and one of the app's that a
            # later release no longer declares.
            await videos.create_index([("caption", ASCENDING)])
            await videos.create_index([("grade", ASCENDING)], name="by_grade")
            await videos.create_index([("color", ASCENDING)], name=f"{APP_INDEX_PREFIX}gone")
            indexes, _ = await migrate(settings)
        assert {"caption_1", "by_grade"} <= set(indexes["videos"])
        assert f"{APP_INDEX_PREFIX}gone" not in indexes["videos"]
        declared_names = {str(index.document["name"]) for index in declared(VideoDocument)}
        assert declared_names <= set(indexes["videos"])
    finally:
        await _drop_database(settings)


async def test_a_changed_spec_under_the_same_name_is_built_again(settings: Settings) -> None:
    try:
        await migrate(settings)
        [feed_order, *_] = declared(VideoDocument)
        name = str(feed_order.document["name"])
        async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
            videos = client[settings.mongodb_db]["videos"]
            await videos.drop_index(name)
            await videos.create_index([("caption", ASCENDING)], name=name)  # an older spec
            await migrate(settings)
            info = await videos.index_information()
        assert info[name]["key"] == list(feed_order.document["key"].items())
    finally:
        await _drop_database(settings)


async def _build_as_the_previous_release(settings: Settings) -> None:
    """The indexes as a release before the prefix built them: the same keys and
    options under their bare names (only those that release had: LEGACY_APP_INDEXES;
    indexes added since never had a bare name)."""
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
        database = client[settings.mongodb_db]
        for model in DOCUMENT_MODELS:
            legacy = LEGACY_APP_INDEXES.get(collection_of(model), frozenset())
            for index in declared(model):
                spec = dict(index.document)
                keys = list(spec.pop("key").items())
                spec["name"] = str(spec["name"]).removeprefix(APP_INDEX_PREFIX)
                if spec["name"] in legacy:
                    await database[collection_of(model)].create_index(keys, **spec)
        await database["videos"].create_index([("caption", ASCENDING)])  # an operator's


async def test_the_first_release_with_the_prefix_replaces_the_bare_named_indexes(
    settings: Settings,
) -> None:
    try:
        await _build_as_the_previous_release(settings)
        indexes, _ = await migrate(settings)
        for model in DOCUMENT_MODELS:
            names = set(indexes[collection_of(model)]) - {"_id_", "caption_1"}
            assert names == {str(index.document["name"]) for index in declared(model)}
            assert not names & LEGACY_APP_INDEXES.get(collection_of(model), frozenset())
        assert "caption_1" in indexes["videos"]
    finally:
        await _drop_database(settings)


async def test_a_service_started_before_any_release_replaces_them_too(settings: Settings) -> None:
    # `make start` on a development database built before the prefix: MongoDB refuses a
    # second index on the same key under a new name, so the bare one must go first.
    try:
        await _build_as_the_previous_release(settings)
        async with running_api(settings) as api:
            assert (await api.http.get("/healthz")).status_code == 200
        names = await _index_names(settings, "users")
        assert names == {
            "_id_",
            f"{APP_INDEX_PREFIX}email_unique",
            f"{APP_INDEX_PREFIX}pseudo_unique",
        }
    finally:
        await _drop_database(settings)


async def test_the_client_is_sized_for_a_small_machine_and_rides_out_an_election(
    settings: Settings,
) -> None:
    defaults = Settings(_env_file=None)
    # An Atlas election takes up to ~12 s: a request waits longer than that for a primary.
    assert defaults.mongodb_server_selection_timeout_ms > 12_000
    async with AsyncExitStack() as stack:
        client = await connect(settings, stack)
        assert client.options.pool_options.max_pool_size == defaults.mongodb_max_pool_size <= 20
        assert client.options.pool_options.max_idle_time_seconds == (
            defaults.mongodb_max_idle_time_ms / 1000
        )
        assert client.options.server_selection_timeout == (
            defaults.mongodb_server_selection_timeout_ms / 1000
        )
    await _drop_database(settings)
