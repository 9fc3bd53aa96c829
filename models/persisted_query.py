"""The registry of automatic persisted queries: document texts by their SHA-256.

Shared by every machine of the app (a client may register on one machine and hash-only
request another), bounded: a TTL index forgets a document some days after it was last
registered or used, no text above the caller's size bound is stored (its job, with the
document limits), and the collection holds at most `max_entries`.

Anyone may register, so a full registry must not lock the app's own documents out:
an entry is `used` once some request asked for it by hash alone (what a real client
does next; a flood of padded documents is registered and never asked for again). When
the registry is full, a new document takes the place of the oldest entry never used;
only when every entry is in use is it refused (it still runs, sent whole). Entries
stored before `used` existed count as used: nothing the app relied on is evicted.
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
    used: bool = False  # asked for by hash alone at least once
    size: int = 0  # bytes of `query` in UTF-8

    class Settings:
        name = "persisted_queries"
        indexes = [
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
            IndexModel([("used", ASCENDING), ("registered_at", ASCENDING)], name="evictable"),
        ]


class PersistedQueryRepository:
    async def find(self, sha256: str, now: datetime, keep_for: timedelta) -> str | None:
        """The text registered under `sha256`, None when unknown (or expired). A document
        in use is marked used and has its expiry pushed back, at most once per half
        `keep_for`, so the queries the app sends stay while a few writes a day suffice."""
        collection = PersistedQueryDocument.get_pymongo_collection()
        raw = await collection.find_one({"_id": sha256}, {"query": 1, "expires_at": 1, "used": 1})
        if raw is None:
            return None
        expires_at = raw["expires_at"]
        if expires_at.tzinfo is None:  # BSON dates come back naive (UTC)
            expires_at = expires_at.replace(tzinfo=now.tzinfo)
        if expires_at <= now:
            return None  # the TTL monitor runs once a minute: not deleted yet
        if expires_at < now + keep_for / 2 or raw.get("used") is False:
            await collection.update_one(
                {"_id": sha256},
                {"$max": {"expires_at": now + keep_for}, "$set": {"used": True}},
            )
        query: str = raw["query"]
        return query

    async def register(
        self, sha256: str, query: str, now: datetime, keep_for: timedelta, max_entries: int
    ) -> bool:
        """Keep `query` under `sha256` (the caller checked the hash and the size); False
        when the registry is full of entries in use. Registering a known hash again only
        extends its expiry."""
        collection = PersistedQueryDocument.get_pymongo_collection()
        # The collection's metadata count: constant time, no scan. Concurrent
        # registrations may overshoot the bound by a few entries.
        full = await collection.estimated_document_count() >= max_entries
        if full and not await collection.count_documents({"_id": sha256}, limit=1):
            # Make room: the oldest entry nobody ever asked for by hash.
            evicted = await collection.find_one_and_delete(
                {"used": False}, sort=[("used", ASCENDING), ("registered_at", ASCENDING)]
            )
            if evicted is None:
                return False
        # A concurrent registration of the same hash may win the insert: the same text.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(
                {"_id": sha256},
                {
                    "$setOnInsert": {
                        "query": query,
                        "registered_at": now,
                        "used": False,
                        "size": len(query.encode()),
                    },
                    "$max": {"expires_at": now + keep_for},
                },
                upsert=True,
            )
        return True
