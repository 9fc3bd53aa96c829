"""What the release command built: a fingerprint of every declared index.

`python -m api.migrate` creates the indexes and records the fingerprint of the specs it
built from; a service starting on the same specs finds it and skips index creation
(`init_beanie(skip_indexes=True)`), which on Atlas saves one round trip per collection
and per index on every cold start. Any change to a declared index (or no record: a
database nobody migrated, a development machine) changes the comparison and the
service creates them as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from beanie import Document
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

COLLECTION = "schema_state"
INDEXES_ID = "indexes"


def _spec(index: object) -> object:
    if isinstance(index, IndexModel):
        document = dict(index.document)
        # The key's order is the index (a compound index on (a, b) is not one on (b, a)).
        key = [[name, direction] for name, direction in document.pop("key").items()]
        return {"key": key, "options": document}
    return repr(index)  # Beanie also takes field names and (field, direction) lists


def index_fingerprint(models: Sequence[type[Document]]) -> str:
    """SHA-256 over each model's collection name and declared `Settings.indexes`."""
    specs = [
        {
            # Read before init_beanie, which is what makes get_collection_name() work.
            "collection": getattr(model.Settings, "name", model.__name__),
            "indexes": [_spec(index) for index in getattr(model.Settings, "indexes", [])],
        }
        for model in models
    ]
    canonical = json.dumps(specs, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class SchemaStateRepository:
    """Read before Beanie is initialised, hence on the raw database."""

    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self._collection = database[COLLECTION]

    async def recorded_index_fingerprint(self) -> str | None:
        raw = await self._collection.find_one({"_id": INDEXES_ID}, {"fingerprint": 1})
        if raw is None:
            return None
        fingerprint = raw.get("fingerprint")
        return fingerprint if isinstance(fingerprint, str) else None

    async def record_index_fingerprint(self, fingerprint: str, built_at: datetime) -> None:
        await self._collection.update_one(
            {"_id": INDEXES_ID},
            {"$set": {"fingerprint": fingerprint, "built_at": built_at}},
            upsert=True,
        )
