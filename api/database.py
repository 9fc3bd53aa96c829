"""The MongoDB connection: the embedded server or `MONGODB_URL`, and Beanie on top."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import anyio.to_thread
from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from api.embedded_db import EmbeddedMongo
from api.settings import Settings
from models.registry import DOCUMENT_MODELS

log = logging.getLogger(__name__)


async def connect(settings: Settings, stack: AsyncExitStack) -> AsyncMongoClient[dict[str, object]]:
    """Open the client (starting the embedded server if needed) and initialise Beanie.

    Everything opened is registered on `stack`, so leaving it closes the client and
    then stops the embedded server, in that order.
    """
    url = settings.mongodb_url
    if not url:
        storage = settings.data_dir.resolve() / "db"
        embedded = EmbeddedMongo(storage)
        url = await anyio.to_thread.run_sync(embedded.start)
        stack.callback(embedded.stop)
        log.info(
            "using the embedded database (SecantusDB) stored in %s; "
            "set MONGODB_URL to use a real MongoDB instead",
            storage,
        )
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=settings.mongodb_server_selection_timeout_ms,
        tz_aware=True,
        appname="perfect-boulder",
    )
    stack.push_async_callback(client.close)
    await init_beanie(database=client[settings.mongodb_db], document_models=DOCUMENT_MODELS)
    return client


async def ping(client: AsyncMongoClient[dict[str, object]]) -> bool:
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True
