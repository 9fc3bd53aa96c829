"""`python -m api.migrate`: check the settings, create the indexes, queue the media
backfill, exit.

Fly runs it as the `[deploy] release_command`, in a temporary machine with the new
image and the app's secrets, before the new release replaces the running one. It
records a fingerprint of the specs it built, so the new release's service skips index
creation at start (api.database.connect). Running it here first means a bad secret, an
unreachable database or an index that cannot be built (duplicates under a new unique
index) stops the deploy, while the previous release keeps serving, instead of leaving a
machine that fails its checks.

It also queues a media job for every video never probed (posted before media probing:
workflows.media.MediaWork.backfill), behind new posts. Those videos stay shown meanwhile;
the media worker probes them as it goes. Resumable: a job per video at most, so a release
cut short queues the rest at the next one.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import AsyncExitStack

from pymongo.errors import PyMongoError

from api import wiring
from api.database import connect
from api.settings import ConfigurationError, Settings, load_settings
from models.registry import DOCUMENT_MODELS, Repositories
from workflows.media import MediaWork

# A release machine's first connection to Atlas (DNS SRV, TLS) during an election may
# take longer than a request may wait; it waits longer rather than fail a deploy.
RELEASE_SERVER_SELECTION_MS = 20_000


async def migrate(settings: Settings) -> tuple[dict[str, list[str]], int]:
    """Create every document's indexes and queue the media backfill; the index names per
    collection, and how many videos were queued."""
    # The storage settings are checked too (no I/O): a release missing R2 secrets
    # fails here rather than at the new machine's start.
    storage = wiring.storage_from(settings, settings.resolved_jwt_secret())
    await storage.close()
    indexes: dict[str, list[str]] = {}
    queued = 0
    async with AsyncExitStack() as stack:
        # Creates the declared indexes, and drops the app's own (pb_…) that no model
        # declares any more; an operator's indexes stay (models/app_indexes.py).
        client = await connect(settings, stack, drop_obsolete_indexes=True)
        db = client[settings.mongodb_db]
        for model in DOCUMENT_MODELS:
            name = model.get_collection_name()
            info = await db[name].index_information()
            indexes[name] = sorted(info)
        queued = await MediaWork(Repositories(), storage).backfill()
    return indexes, queued


def _fail(message: str, code: int = 1) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main() -> None:
    # The indexes it drops are logged (api.database): say them in the deploy's output.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = load_settings(mongodb_server_selection_timeout_ms=RELEASE_SERVER_SELECTION_MS)
        indexes, queued = asyncio.run(migrate(settings))
    except ConfigurationError as error:
        _fail(str(error), 2)
        return
    except PyMongoError as error:
        _fail(f"the database refused the migration: {error}")
        return
    for collection, names in indexes.items():
        print(f"{settings.mongodb_db}.{collection}: {', '.join(names)}")
    print(f"media backfill: {queued} video(s) queued")


if __name__ == "__main__":
    main()
