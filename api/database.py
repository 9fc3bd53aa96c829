"""The MongoDB connection: the embedded server or `MONGODB_URL`, and Beanie on top."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from pathlib import Path

import anyio.to_thread
from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from api.embedded_db import EmbeddedMongo, answers
from api.settings import Settings
from models.registry import DOCUMENT_MODELS

log = logging.getLogger(__name__)

# Where the process running the embedded server publishes its URL (the server listens on
# a random port), so that `make mongosh`, `make code` and `make seed` can find it.
EMBEDDED_URL_FILE = "db.url"


def embedded_url_file(settings: Settings) -> Path:
    return settings.data_dir.resolve() / EMBEDDED_URL_FILE


async def _start_embedded(settings: Settings, stack: AsyncExitStack) -> str:
    storage = settings.data_dir.resolve() / "db"
    embedded = EmbeddedMongo(storage)
    # Spawned from the event loop's thread, which lives as long as the service: the
    # server is tied to its spawning thread's life (see EmbeddedMongo.spawn).
    embedded.spawn()
    stack.callback(embedded.stop)
    await anyio.to_thread.run_sync(embedded.wait_until_ready)
    url = embedded.url
    url_file = embedded_url_file(settings)
    url_file.write_text(url + "\n")
    # Registered after `stop`, so it runs before it: the file never names a dead server.
    stack.callback(lambda: url_file.unlink(missing_ok=True))
    log.info(
        "using the embedded database (SecantusDB) stored in %s; "
        "set MONGODB_URL to use a real MongoDB instead",
        storage,
    )
    return url


def running_embedded_url(settings: Settings) -> str | None:
    """The URL of the embedded server another process runs on DATA_DIR, if it answers."""
    try:
        url = embedded_url_file(settings).read_text().strip()
    except FileNotFoundError:
        return None
    if not url:
        return None
    if not answers(url, timeout_ms=500):
        return None  # left behind by a process that was killed
    return url


async def connect(
    settings: Settings, stack: AsyncExitStack, *, share_running: bool = False
) -> AsyncMongoClient[dict[str, object]]:
    """Open the client (starting the embedded server if needed) and initialise Beanie.

    Everything opened is registered on `stack`, so leaving it closes the client and
    then stops the embedded server, in that order. With `share_running` (the operator's
    tools), an embedded server already running on DATA_DIR is used rather than started:
    WiredTiger allows one server per directory. The service never shares: the server
    would stop under it when the tool that started it exits.
    """
    url = settings.mongodb_url
    if not url and share_running:
        url = await anyio.to_thread.run_sync(running_embedded_url, settings)
    if not url:
        url = await _start_embedded(settings, stack)
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
