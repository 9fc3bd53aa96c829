"""The registry of automatic persisted queries: document texts by their SHA-256.

Shared by every machine of the app (a client may register on one machine and hash-only
request another), bounded twice: a TTL index forgets a document some days after it was
last registered or refreshed, and registration stops once the collection holds
`max_entries` (the client then keeps sending the full text, which still works). Every
text stored here passed the document limits first (the caller's job).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from beanie import Document
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError


class PersistedQueryDocument(Document):
    id: str  # type: ignore[assignment]  # the SHA-256 of `query`, lowercase hex
    query: str
    registered_at: datetime
    expires_at: datetime

    class Settings:
        name = "persisted_queries"
        indexes = [
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class PersistedQueryRepository:
    async def find(self, sha256: str, now: datetime, keep_for: timedelta) -> str | None:
        """The text registered under `sha256`, None when unknown (or expired). A document
        in use has its expiry pushed back, at most once per half `keep_for`, so the
        queries the app sends stay while a few writes a day suffice."""
        collection = PersistedQueryDocument.get_pymongo_collection()
        raw = await collection.find_one({"_id": sha256}, {"query": 1, "expires_at": 1})
        if raw is None:
            return None
        expires_at = raw["expires_at"]
        if expires_at.tzinfo is None:  # BSON dates come back naive (UTC)
            expires_at = expires_at.replace(tzinfo=now.tzinfo)
        if expires_at <= now:
            return None  # the TTL monitor runs once a minute: not deleted yet
        if expires_at < now + keep_for / 2:
            await collection.update_one({"_id": sha256}, {"$max": {"expires_at": now + keep_for}})
        query: str = raw["query"]
        return query

    async def register(
        self, sha256: str, query: str, now: datetime, keep_for: timedelta, max_entries: int
    ) -> bool:
        """Keep `query` under `sha256` (the caller checked the hash); False when the
        registry is full. Registering a known hash again only extends its expiry."""
        collection = PersistedQueryDocument.get_pymongo_collection()
        # The collection's metadata count: constant time, no scan. Concurrent
        # registrations may overshoot the bound by a few entries.
        if await collection.estimated_document_count() >= max_entries:
            return False
        # A concurrent registration of the same hash may win the insert: the same text.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(
                {"_id": sha256},
                {
                    "$setOnInsert": {"query": query, "registered_at": now},
                    "$max": {"expires_at": now + keep_for},
                },
                upsert=True,
            )
        return True
