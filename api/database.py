"""The MongoDB connection (`MONGODB_URL`) and Beanie on top.

The embedded development database is not started here: `make start` (tools.serve) and
the operator's tools start it and hand its URL in, so the served code never holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import pymongo
from beanie import init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import PyMongoError

from api.settings import ConfigurationError, Settings
from kit.clock import utcnow
from models.app_indexes import drop_stale_app_indexes
from models.registry import DOCUMENT_MODELS
from models.schema_state import SchemaStateRepository, index_fingerprint

log = logging.getLogger(__name__)

# /healthz answers within Fly's 5 s check timeout even while no server is selectable
# (the selection timeout is longer, to ride out an Atlas election).
PING_TIMEOUT_SECONDS = 3.0


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
        **client_options(settings),
        event_listeners=list(listeners),  # the metrics' count of round trips (api.metrics)
    )
    stack.push_async_callback(client.close)
    database = client[settings.mongodb_db]
    schema_state = SchemaStateRepository(database)
    fingerprint = index_fingerprint(DOCUMENT_MODELS)
    already_built = (
        not drop_obsolete_indexes and await schema_state.recorded_index_fingerprint() == fingerprint
    )
    if not already_built:
        # Only the app's own indexes (named pb_…) are ever dropped, never an operator's:
        # Beanie's allow_index_dropping would drop every index no model declares.
        dropped = await drop_stale_app_indexes(
            database, DOCUMENT_MODELS, undeclared=drop_obsolete_indexes
        )
        for collection, names in dropped.items():
            log.info("dropped the app's indexes %s.%s", collection, ", ".join(names))
    await init_beanie(
        database=database,
        document_models=DOCUMENT_MODELS,
        allow_index_dropping=False,
        skip_indexes=already_built,
    )
    if drop_obsolete_indexes:
        await schema_state.record_index_fingerprint(fingerprint, utcnow())
    return client


def client_options(settings: Settings) -> dict[str, Any]:
    """The driver's options for one small machine on Atlas (the defaults are a server's).

    - maxPoolSize: at most this many connections (the driver's default is 100). A
      shared-cpu machine serves a few requests at a time; more connections only cost
      memory here and connection slots on Atlas (500 on the shared tiers). A request
      that finds them all busy waits for one.
    - serverSelectionTimeoutMS: how long a request waits for a usable server before it
      fails with SERVICE_UNAVAILABLE. Above an Atlas election (a primary is replaced in
      up to ~12 s during Atlas's maintenance or a failover), so a routine election is a
      slow request, not an error; retryable writes and reads then go to the new primary.
    - maxIdleTimeMS: a pooled connection idle this long is closed rather than reused, so
      connections that a NAT or Atlas dropped during a long idle or a suspend are not
      tried first. (One that died anyway costs a retry: retryReads/retryWrites are on.)
    - connectTimeoutMS: a TCP + TLS handshake to Atlas that takes longer is given up.
    """
    return {
        "maxPoolSize": settings.mongodb_max_pool_size,
        "serverSelectionTimeoutMS": settings.mongodb_server_selection_timeout_ms,
        "maxIdleTimeMS": settings.mongodb_max_idle_time_ms,
        "connectTimeoutMS": 10_000,
        "retryReads": True,
        "retryWrites": True,
        "tz_aware": True,
        "appname": "perfect-boulder",
    }


async def ping(client: AsyncMongoClient[dict[str, object]]) -> bool:
    try:
        with pymongo.timeout(PING_TIMEOUT_SECONDS):
            await client.admin.command("ping")
    except PyMongoError:
        return False
    return True
