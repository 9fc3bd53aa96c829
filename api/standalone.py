"""The app's settings and database outside the service, for the operator's commands
(`make code`, `make seed`, `python -m api.migrate`).

They connect as the service does: to `MONGODB_URL`, or to the embedded database. With
the embedded one they share the server the service (or another tool) already runs on
DATA_DIR, found through `DATA_DIR/db.url`, and start their own only when none runs.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from api.database import connect
from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings
from models.registry import Repositories


@dataclass(frozen=True, slots=True)
class Opened:
    settings: Settings
    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    repos: Repositories


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and `.env`, or a one-line error and exit 2."""
    try:
        settings = Settings(**overrides)
    except ConfigurationError as error:
        fail(str(error), 2)
    configure_logging(settings.log_level, json_lines=settings.is_production)
    return settings


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Opened]:
    """The client, the app's database with Beanie initialised on it, and the repositories.

    Raises `EmbeddedDatabaseError` when the embedded server cannot start (see `fail`).
    """
    async with AsyncExitStack() as stack:
        client = await connect(settings, stack, share_running=True)
        yield Opened(settings, client, client[settings.mongodb_db], Repositories())
