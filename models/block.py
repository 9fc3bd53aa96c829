"""Blocks: the `blocks` collection of edges {blocker_id, blocked_id, created_at}.

Edges like follows (never arrays on the user), one per pair by a unique index, so a
repeated or concurrent block stores one edge. What a block hides is decided by
models.audience, which reads a viewer's edges both ways once per request; removing the
follows between the two is the relations workflow's job (workflows.relations).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms
from models.edges import touching

# (created_at, _id) of the last edge seen: the same total order as the other cursors.
EdgeKey = tuple[dt.datetime, PydanticObjectId]


class BlockEdge(Document):
    blocker_id: PydanticObjectId
    blocked_id: PydanticObjectId
    created_at: dt.datetime = Field(default_factory=utcnow_ms)

    class Settings:
        name = "blocks"
        indexes = [
            # One edge per pair (idempotent blocks); serves "whom did X block" too.
            IndexModel(
                [("blocker_id", ASCENDING), ("blocked_id", ASCENDING)],
                unique=True,
                name="block_unique",
            ),
            # "Who blocked X": the other half of a viewer's audience. (Not the pair in the
            # other order: Beanie takes an index on the same fields for the same index.)
            IndexModel([("blocked_id", ASCENDING)], name="blocked_by"),
            # `blockedUsers`: the most recent block first.
            IndexModel(
                [("blocker_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="blocks_newest_first",
            ),
        ]


def _edges() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = BlockEdge.get_pymongo_collection()
    return collection


class BlockRepository:
    async def add(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> bool:
        """Store the edge; False (nothing changed) if it already existed."""
        edge = {"blocker_id": blocker, "blocked_id": blocked, "created_at": utcnow_ms()}
        try:
            await _edges().insert_one(edge)
        except DuplicateKeyError:
            return False
        return True

    async def remove(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> bool:
        result = await _edges().delete_one({"blocker_id": blocker, "blocked_id": blocked})
        return result.deleted_count == 1

    async def count_by(self, blocker: PydanticObjectId) -> int:
        """How many the user has blocked (an index range count, at most the cap)."""
        return await _edges().count_documents({"blocker_id": blocker})

    async def between(self, one: PydanticObjectId, other: PydanticObjectId) -> bool:
        """Whether either of the two has blocked the other."""
        found = await _edges().find_one(
            {"$or": [{"blocker_id": one, "blocked_id": other},
                     {"blocker_id": other, "blocked_id": one}]},
            projection={"_id": 1},
        )  # fmt: skip
        return found is not None

    async def page(
        self, *, blocker: PydanticObjectId, first: int, after: EdgeKey | None
    ) -> tuple[list[BlockEdge], bool]:
        """A page of whom `blocker` blocked, the most recent first."""
        match: dict[str, Any] = {"blocker_id": blocker}
        if after is not None:
            created_at, edge_id = after
            match["$or"] = [
                {"created_at": {"$lt": created_at}},
                {"created_at": created_at, "_id": {"$lt": edge_id}},
            ]
        cursor = (
            _edges()
            .find(match)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(first + 1)
        )
        found = [BlockEdge.model_validate(raw) async for raw in cursor]
        return found[:first], len(found) > first

    async def delete_touching_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` blocks by or of `user_id` (an account's erasure); how many
        were found. Each side is read through its own index."""
        found = await touching(_edges(), ("blocker_id", "blocked_id"), user_id, limit)
        if found:
            await _edges().delete_many({"_id": {"$in": [raw["_id"] for raw in found]}})
        return len(found)
