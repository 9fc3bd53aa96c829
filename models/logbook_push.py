"""Sync pushes: the `logbook_pushes` collection, each push a record of work to finish.

A push first opens its record (at most one pending per climber: pushes of one logbook go
one at a time, so each is checked against everything pushed before it); then it is
checked whole (nothing written); then its writes, fully resolved (ids chosen, values
validated), are written into the record (`planned`) before any is applied, so a crash at
any later point leaves a record of the work left, which the next pull or push of the
climber finishes (see workflows.logbook_sync). A record never planned (a crash while
checking) is dropped once its claim lapsed: nothing of it was written.

    {user_id, key,              # the push's fingerprint: a replay finds this record
     state: "pending" | "done",
     planned,                   # false while the push is being checked
     ops: [{op: "session" | "croix" | "delete_croix" | "delete_session", ...}],
     claimed_until,             # who applies it now, until then (a crash lets it lapse)
     leases: [seq],             # the clock leases its appliers hold (models.logbook_clock)
     skipped: [...],            # writes a race made impossible (e.g. a session filled)
     created_at, done_at, expires_at}

Done pushes stay `keep` (a replay within that time changes nothing), then a TTL index
removes them. Applying is idempotent, so two appliers overlapping never harm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

PENDING, DONE = "pending", "done"


class LogbookPushDocument(Document):
    user_id: PydanticObjectId
    key: str
    state: str = PENDING
    planned: bool = False
    ops: list[dict[str, Any]] = Field(default_factory=list)
    claimed_until: dt.datetime
    leases: list[int] = Field(default_factory=list)  # clock leases its appliers hold
    skipped: list[str] = Field(default_factory=list)
    created_at: dt.datetime
    done_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    class Settings:
        name = "logbook_pushes"
        indexes = [
            IndexModel(
                [("user_id", ASCENDING), ("key", ASCENDING)], unique=True, name="one_per_push"
            ),
            IndexModel([("user_id", ASCENDING), ("state", ASCENDING)], name="user_state"),
            # One push at a time per climber: the slot a push holds until it is done.
            IndexModel(
                [("user_id", ASCENDING)],
                unique=True,
                partialFilterExpression={"state": PENDING},
                name="one_pending_per_user",
            ),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = LogbookPushDocument.get_pymongo_collection()
    return collection


def _push(raw: dict[str, Any]) -> LogbookPushDocument:
    push: LogbookPushDocument = LogbookPushDocument.model_validate(raw)
    return push


class LogbookPushRepository:
    async def find(self, user_id: PydanticObjectId, key: str) -> LogbookPushDocument | None:
        raw = await _collection().find_one({"user_id": user_id, "key": key})
        return None if raw is None else _push(raw)

    async def open(
        self, user_id: PydanticObjectId, key: str, *, now: dt.datetime, claim_for: dt.timedelta
    ) -> LogbookPushDocument | None:
        """Open the push's record, claimed by the caller; None when another push of the
        user's is pending (or this one was opened meanwhile by a twin request)."""
        push = LogbookPushDocument(
            user_id=user_id, key=key, claimed_until=now + claim_for, created_at=now
        )
        try:
            await push.insert()
        except DuplicateKeyError:
            return None
        return push

    async def plan(self, push_id: PydanticObjectId, ops: list[dict[str, Any]]) -> None:
        """Write the push's resolved writes down: from here on it will be applied."""
        await _collection().update_one(
            {"_id": push_id, "state": PENDING}, {"$set": {"ops": ops, "planned": True}}
        )

    async def abandon(self, push_id: PydanticObjectId) -> None:
        """Drop a push never planned (refused, or its checker died): nothing was written."""
        await _collection().delete_one({"_id": push_id, "state": PENDING, "planned": False})

    async def pending(self, user_id: PydanticObjectId) -> list[LogbookPushDocument]:
        """The user's pushes recorded and not finished, oldest first."""
        cursor = _collection().find({"user_id": user_id, "state": PENDING})
        found = [_push(raw) async for raw in cursor]
        return sorted(found, key=lambda push: push.created_at)

    async def claim(
        self, push_id: PydanticObjectId, *, now: dt.datetime, claim_for: dt.timedelta
    ) -> bool:
        """Take over a pending push whose last claim lapsed (its applier died)."""
        result = await _collection().update_one(
            {"_id": push_id, "state": PENDING, "claimed_until": {"$lt": now}},
            {"$set": {"claimed_until": now + claim_for}},
        )
        return result.modified_count == 1

    async def hold(self, push_id: PydanticObjectId, seq: int) -> None:
        """Note that an applier holds the clock lease `seq` for this push."""
        await _collection().update_one({"_id": push_id}, {"$addToSet": {"leases": seq}})

    async def release(self, push_id: PydanticObjectId, seq: int) -> bool:
        """Whether the caller is the one to end lease `seq` (exactly one caller is: the
        applier that held it, or whoever takes over after its claim lapsed)."""
        result = await _collection().update_one(
            {"_id": push_id, "leases": seq}, {"$pull": {"leases": seq}}
        )
        return result.modified_count == 1

    async def finish(
        self, push_id: PydanticObjectId, skipped: list[str], *, now: dt.datetime, keep: dt.timedelta
    ) -> None:
        await _collection().update_one(
            {"_id": push_id, "state": PENDING},
            {"$set": {"state": DONE, "done_at": now, "expires_at": now + keep, "skipped": skipped}},
        )

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        """Forget the user's pushes (account erasure)."""
        result = await _collection().delete_many({"user_id": user_id})
        return result.deleted_count
