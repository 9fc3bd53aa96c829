"""Each climber's logbook clock: the `logbook_clocks` collection, one document per climber.

Sync pulls ask "what changed after T"; the answer must never miss a write that was under
way while the pull read. A write stamped with the time it *started* but committed after a
pull read the data would be missed by that pull and skipped by the next one ("after T").
So every write to a logbook holds a *lease* on its owner's clock:

    {_id: user_id, seq, open, settled, last_begin}

- `begin` (one atomic update) takes the next `seq`, a hybrid logical clock: the current
  millisecond since the epoch, or the last seq + 1 when that is not larger, so stamps
  are strictly increasing per climber and still read as instants; and counts the write
  as `open`;
- the write stamps what it changes with that seq (`change_seq`);
- `end` (one atomic update) uncounts it; the last open write to end moves `settled` to
  `seq`: every stamp up to `settled` belongs to a write that has finished.

A pull reads `settled` first, then returns only the changes stamped up to it, and hands
`settled` back as the next pull's `last_pulled_at`. A write still open at that moment
has a larger stamp (it began after the last moment nothing was open), so the next pull
shows it, whole: a push of many records holds one lease, so pulls see all of it or none.

A process killed during a write leaves its lease open, and `settled` stands still (pulls
then answer nothing new, never a gap). `settle(..., repair=True)` closes leases once no
write began for `stale_after`, longer than any live write lasts; a push's leases are
known to its journal (models.logbook_push), which ends them as soon as its work is taken
over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from beanie import Document, PydanticObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms


class LogbookClockDocument(Document):
    """One climber's clock (its `_id` is the climber's id)."""

    seq: int = 0
    open: int = 0
    settled: int = 0
    last_begin: dt.datetime | None = None

    class Settings:
        name = "logbook_clocks"  # every query is by `_id`


class Stamp(NamedTuple):
    """What a write stamps on what it changes: its seq and the instant it was made."""

    seq: int
    at: dt.datetime


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = LogbookClockDocument.get_pymongo_collection()
    return collection


def millis(instant: dt.datetime) -> int:
    """Milliseconds since the epoch (naive datetimes, as BSON returns them, are UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return int(instant.timestamp() * 1000)


class LogbookClockRepository:
    async def begin(self, user_id: PydanticObjectId, now: dt.datetime) -> int:
        """Open a lease on the user's clock; its seq, larger than every earlier one."""
        update = [
            {
                "$set": {
                    "seq": {"$max": [{"$add": [{"$ifNull": ["$seq", 0]}, 1]}, millis(now)]},
                    "open": {"$add": [{"$ifNull": ["$open", 0]}, 1]},
                    "settled": {"$ifNull": ["$settled", 0]},
                    "last_begin": now,
                }
            }
        ]
        raw = await _collection().find_one_and_update(
            {"_id": user_id}, update, return_document=ReturnDocument.AFTER
        )
        if raw is None:  # the user's first write: make the clock, then take the stamp
            await self._create(user_id)
            raw = await _collection().find_one_and_update(
                {"_id": user_id}, update, return_document=ReturnDocument.AFTER
            )
        assert raw is not None
        return int(raw["seq"])

    async def _create(self, user_id: PydanticObjectId) -> None:
        """The clock, if no write made it first. Not an upsert of `begin`'s update: the
        embedded database may answer null to an upsert that inserted (models.db_quirks),
        and reading the clock again then could return a concurrent lease's seq, handing
        two writes one stamp."""
        with contextlib.suppress(DuplicateKeyError):
            await _collection().insert_one({"_id": user_id, "seq": 0, "open": 0, "settled": 0})

    async def end(self, user_id: PydanticObjectId) -> None:
        """Close a lease; the last one open settles the clock at its current seq."""
        remaining = {"$max": [0, {"$subtract": ["$open", 1]}]}
        await _collection().update_one(
            {"_id": user_id},
            [
                {
                    "$set": {
                        "settled": {
                            "$cond": [{"$eq": [remaining, 0]}, "$seq", "$settled"],
                        },
                        "open": remaining,
                    }
                }
            ],
        )

    @asynccontextmanager
    async def lease(self, user_id: PydanticObjectId) -> AsyncIterator[Stamp]:
        """`async with clock.lease(user) as stamp:` around one write of the user's."""
        at = utcnow_ms()
        seq = await self.begin(user_id, at)
        try:
            yield Stamp(seq, at)
        finally:
            await self.end(user_id)

    async def latest(self, user_id: PydanticObjectId) -> int:
        """The largest seq the climber's clock has issued (0 without a clock): no pull
        ever answered a later timestamp."""
        raw = await _collection().find_one({"_id": user_id}, projection={"seq": 1})
        return 0 if raw is None else int(raw.get("seq") or 0)

    async def forget(self, user_id: PydanticObjectId) -> int:
        """Drop the user's clock (account erasure); how many documents went."""
        result = await _collection().delete_one({"_id": user_id})
        return result.deleted_count

    async def settle(
        self,
        user_id: PydanticObjectId,
        *,
        now: dt.datetime,
        stale_after: dt.timedelta,
        repair: bool,
    ) -> int:
        """The seq up to which every write has finished: what a pull may show.

        With no lease open the clock first moves to now (a later lease gets a larger
        seq), so the answer follows time even for a climber who writes nothing: the
        tombstone horizon compares it to the calendar. With `repair`, leases left open
        by a dead process (no lease began for `stale_after`) are closed first; the caller
        repairs only when no push of the user's is waiting to be finished (those hold
        leases the push journal knows, and end them).
        """
        now_ms = millis(now)
        idle = {"$lte": [{"$ifNull": ["$open", 0]}, 0]}
        moved = {"$max": [{"$ifNull": ["$seq", 0]}, now_ms]}
        raw = await _collection().find_one_and_update(
            {"_id": user_id},
            [
                {
                    "$set": {
                        "seq": {"$cond": [idle, moved, "$seq"]},
                        "settled": {"$cond": [idle, moved, {"$ifNull": ["$settled", 0]}]},
                        "open": {"$ifNull": ["$open", 0]},
                    }
                }
            ],
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:  # db_quirks.UPSERT_RACE_ANSWERS_NULL: unlike in `begin`, a re-read
            # is sound: any `settled` read back is one every write up to has ended.
            raw = await _collection().find_one({"_id": user_id})
        assert raw is not None
        last_begin = raw.get("last_begin")
        if (
            repair
            and raw["open"] > 0
            and last_begin is not None
            and millis(last_begin) < millis(now - stale_after)
        ):
            # Guarded on what was read: a lease begun meanwhile keeps the clock open.
            result = await _collection().update_one(
                {"_id": user_id, "last_begin": last_begin, "seq": raw["seq"]},
                {"$set": {"open": 0, "settled": raw["seq"]}},
            )
            if result.modified_count == 1:
                return int(raw["seq"])
        return int(raw["settled"])
