"""`python -m api.migrate`: check the settings, create the indexes, exit.

Fly runs it as the `[deploy] release_command`, in a temporary machine with the new
image and the app's secrets, before the new release replaces the running one. The
service also creates its indexes at start-up (Beanie's `init_beanie` in the lifespan);
running it here first means a bad secret, an unreachable database or an index that
cannot be built (duplicates under a new unique index) stops the deploy, while the
previous release keeps serving, instead of leaving a machine that fails its checks.
"""

from __future__ import annotations

import asyncio

from pymongo.errors import PyMongoError

from api.embedded_db import EmbeddedDatabaseError
from api.settings import ConfigurationError, Settings
from api.standalone import fail, load_settings, open_database
from models.registry import DOCUMENT_MODELS
from storage.factory import build_storage

# A release machine's first connection to Atlas (DNS SRV, TLS) may be slower than the
# service's 2 s request-time bound; it waits longer rather than fail a deploy.
RELEASE_SERVER_SELECTION_MS = 20_000


async def migrate(settings: Settings) -> dict[str, list[str]]:
    """Create every document's indexes; returns the index names per collection."""
    # The storage settings are checked too (no I/O): a release missing R2 secrets
    # fails here rather than at the new machine's start.
    storage = build_storage(settings, settings.resolved_jwt_secret())
    await storage.close()
    indexes: dict[str, list[str]] = {}
    async with open_database(settings) as opened:  # init_beanie creates the indexes
        for model in DOCUMENT_MODELS:
            name = model.get_collection_name()
            info = await opened.db[name].index_information()
            indexes[name] = sorted(info)
    return indexes


def main() -> None:
    settings = load_settings(mongodb_server_selection_timeout_ms=RELEASE_SERVER_SELECTION_MS)
    try:
        indexes = asyncio.run(migrate(settings))
    except ConfigurationError as error:
        fail(str(error), 2)
    except EmbeddedDatabaseError as error:
        fail(str(error))
    except PyMongoError as error:
        fail(f"the database refused the migration: {error}")
    for collection, names in indexes.items():
        print(f"{settings.mongodb_db}.{collection}: {', '.join(names)}")


if __name__ == "__main__":
    main()
