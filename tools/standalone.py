"""The app's settings and database outside the service, for the operator's commands
(`make code`, `make seed`, `python -m api.migrate`).

They connect as the service does: to `MONGODB_URL`, or to the embedded database. With
the embedded one they share the server the service (or another tool) already runs on
DATA_DIR, found through `DATA_DIR/db.url`, and start their own only when none runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from api.console import Opened
from api.database import connect
from api.settings import Settings
from models.registry import Repositories
from tools.embedded_server import database_url


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Opened]:
    """The client, the app's database with Beanie initialised on it, and the repositories.

    Without `MONGODB_URL`, the embedded server running on DATA_DIR is shared, or one is
    started for the block. Raises `EmbeddedDatabaseError` when it cannot start.
    """
    async with AsyncExitStack() as stack:
        url = stack.enter_context(database_url(settings))
        settings = settings.model_copy(update={"mongodb_url": url})
        client = await connect(settings, stack)
        yield Opened(settings, client, client[settings.mongodb_db], Repositories())
