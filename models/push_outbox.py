"""Pushes to deliver: the `push_outbox` collection, one document per message to a phone.

    {user_id, token, platform, locale, kind, actor_id, actor_count, notification_id,
     video_id, comment_id, collapse_key,
     state: pending | sent | dropped | failed, attempts, run_after, lease,
     created_at, sent_at, fcm_name, last_error, expires_at}

The request that causes a notification writes these and returns; a worker delivers them
(workflows.push). A worker claims one entry at a time with one `find_one_and_update`:
pending and due, it gets a fresh `lease` id and `run_after` pushed one lease ahead, so no
other worker (on this machine or another) takes it meanwhile, and a worker that dies
mid-delivery leaves it to be claimed again once the lease runs out. Every later write
about the entry is guarded on its lease: a worker whose lease ran out changes nothing.

Delivery is at least once: a crash after FCM accepted a message and before it was
marked sent sends it again, under the same collapse key, so the phone replaces rather
than repeats it. A TTL index forgets entries a day after they were written: a push that
could not go out within a day is not worth sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from kit.clock import utcnow_ms

PENDING, SENT, DROPPED, FAILED = "pending", "sent", "dropped", "failed"
KEEP_FOR = timedelta(days=1)


class PushEntryDocument(Document):
    user_id: PydanticObjectId
    token: str
    platform: str
    locale: str | None = None
    kind: str
    actor_id: PydanticObjectId | None = None
    notification_id: PydanticObjectId | None = None
    video_id: PydanticObjectId | None = None
    comment_id: PydanticObjectId | None = None
    collapse_key: str
    state: str = PENDING
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow_ms)
    lease: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utcnow_ms)
    sent_at: datetime | None = None
    fcm_name: str | None = None
    last_error: str | None = None
    expires_at: datetime

    class Settings:
        name = "push_outbox"
        indexes = [
            # What is due, the oldest first (the workers' claims).
            IndexModel([("state", ASCENDING), ("run_after", ASCENDING)], name="due"),
            IndexModel([("token", ASCENDING)], name="by_token"),
            IndexModel([("user_id", ASCENDING)], name="by_user"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


@dataclass(frozen=True, slots=True)
class PushEntry:
    """An entry as a worker claimed it."""

    id: PydanticObjectId
    lease: PydanticObjectId
    attempts: int
    user_id: PydanticObjectId
    token: str
    platform: str
    locale: str | None
    kind: str
    actor_id: PydanticObjectId | None
    notification_id: PydanticObjectId | None
    video_id: PydanticObjectId | None
    comment_id: PydanticObjectId | None
    collapse_key: str


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = PushEntryDocument.get_pymongo_collection()
    return collection


def _optional(raw: Any) -> PydanticObjectId | None:
    return None if raw is None else PydanticObjectId(raw)


def _entry(raw: dict[str, Any]) -> PushEntry:
    return PushEntry(
        id=PydanticObjectId(raw["_id"]),
        lease=PydanticObjectId(raw["lease"]),
        attempts=int(raw["attempts"]),
        user_id=PydanticObjectId(raw["user_id"]),
        token=raw["token"],
        platform=raw["platform"],
        locale=raw.get("locale"),
        kind=raw["kind"],
        actor_id=_optional(raw.get("actor_id")),
        notification_id=_optional(raw.get("notification_id")),
        video_id=_optional(raw.get("video_id")),
        comment_id=_optional(raw.get("comment_id")),
        collapse_key=raw["collapse_key"],
    )


class PushOutboxRepository:
    async def add(self, entries: Sequence[PushEntryDocument]) -> None:
        if entries:
            await _collection().insert_many([e.model_dump(exclude={"id"}) for e in entries])

    async def claim(self, now: datetime, lease_for: timedelta) -> PushEntry | None:
        """Take the oldest due entry for one lease; None when nothing is due."""
        raw = await _collection().find_one_and_update(
            {"state": PENDING, "run_after": {"$lte": now}},
            {"$set": {"run_after": now + lease_for, "lease": PydanticObjectId()},
             "$inc": {"attempts": 1}},
            sort=[("state", ASCENDING), ("run_after", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        return None if raw is None else _entry(raw)

    async def _settle(self, entry: PushEntry, fields: dict[str, Any]) -> bool:
        result = await _collection().update_one(
            {"_id": entry.id, "lease": entry.lease}, {"$set": {"lease": None, **fields}}
        )
        return result.modified_count == 1

    async def sent(self, entry: PushEntry, name: str | None, at: datetime) -> bool:
        return await self._settle(entry, {"state": SENT, "sent_at": at, "fcm_name": name})

    async def retry(self, entry: PushEntry, at: datetime, error: str | None) -> bool:
        return await self._settle(entry, {"run_after": at, "last_error": error})

    async def give_up(self, entry: PushEntry, state: str, error: str | None) -> bool:
        return await self._settle(entry, {"state": state, "last_error": error})

    async def drop_pending_for_token(self, token: str) -> int:
        """The other pending messages to a token FCM no longer delivers to."""
        result = await _collection().update_many(
            {"token": token, "state": PENDING}, {"$set": {"state": DROPPED}}
        )
        return result.modified_count

    async def delete_for_user(self, user_id: PydanticObjectId) -> int:
        return (await _collection().delete_many({"user_id": user_id})).deleted_count

    async def delete_for_tokens(self, tokens: Sequence[str]) -> int:
        if not tokens:
            return 0
        result = await _collection().delete_many({"token": {"$in": list(tokens)}})
        return result.deleted_count
