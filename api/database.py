"""The MongoDB connection (`MONGODB_URL`) and Beanie on top.

The embedded development database is not started here: `make start` (tools.serve) and
the operator's tools start it and hand its URL in, so the served code never holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

from beanie import init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import PyMongoError

from api.settings import ConfigurationError, Settings
from kit.clock import utcnow
from models.registry import DOCUMENT_MODELS
from models.schema_state import SchemaStateRepository, index_fingerprint


async def connect(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    drop_obsolete_indexes: bool = False,
    listeners: Sequence[monitoring.CommandListener] = (),
) -> AsyncMongoClient[dict[str, object]]:
    """Open the client on `MONGODB_URL` and initialise Beanie (which creates the indexes).

    The client is registered on `stack`, so leaving it closes the client. With
    `drop_obsolete_indexes` (the release command), indexes the models no longer declare
    are dropped: a replaced index must not go on costing every write, and the
    fingerprint of the specs built is recorded. Without it (the service), index creation
    is skipped when that record matches the models' specs: the release command built
    them, and a cold start saves a round trip per index.
    """
    if not settings.mongodb_url:
        raise ConfigurationError(
            "MONGODB_URL is not set: `make start` serves on the embedded database, "
            "or point MONGODB_URL at a MongoDB"
        )
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongodb_url,
        serverSelectionTimeoutMS=settings.mongodb_server_selection_timeout_ms,
        tz_aware=True,
        appname="perfect-boulder",
        event_listeners=list(listeners),  # the metrics' count of round trips (api.metrics)
    )
    stack.push_async_callback(client.close)
    database = client[settings.mongodb_db]
    schema_state = SchemaStateRepository(database)
    fingerprint = index_fingerprint(DOCUMENT_MODELS)
    already_built = (
        not drop_obsolete_indexes and await schema_state.recorded_index_fingerprint() == fingerprint
    )
    await init_beanie(
        database=database,
        document_models=DOCUMENT_MODELS,
        allow_index_dropping=drop_obsolete_indexes,
        skip_indexes=already_built,
    )
    if drop_obsolete_indexes:
        await schema_state.record_index_fingerprint(fingerprint, utcnow())
    return client


async def ping(client: AsyncMongoClient[dict[str, object]]) -> bool:
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True
