"""Climbing gyms: the `gyms` collection and every query that touches it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow


class GymDocument(Document):
    name: str
    # Uniqueness and search run on this folded copy (case and accents), by a unique
    # index, so two climbers adding "Arkose" and "ARKOSE" at once get one gym.
    name_normalized: str
    location: str | None = None
    created_by: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "gyms"
        indexes = [
            IndexModel([("name_normalized", ASCENDING)], unique=True, name="name_unique"),
            # The gyms one climber added: their account's erasure forgets it.
            IndexModel([("created_by", ASCENDING)], name="gyms_by_creator", sparse=True),
        ]


class DuplicateGymError(Exception):
    """A gym with the same normalized name already exists."""


class GymRepository:
    async def create(
        self,
        *,
        name: str,
        name_normalized: str,
        location: str | None,
        created_by: PydanticObjectId,
    ) -> GymDocument:
        gym = GymDocument(
            name=name, name_normalized=name_normalized, location=location, created_by=created_by
        )
        try:
            await gym.insert()
        except DuplicateKeyError as error:
            raise DuplicateGymError(name) from error
        return gym

    async def forget_creator_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Forget that `user_id` added up to `limit` gyms (the gyms stay); how many."""
        collection = GymDocument.get_pymongo_collection()
        cursor = collection.find({"created_by": user_id}, {"_id": 1}).limit(limit)
        found = [raw["_id"] async for raw in cursor]
        if found:
            await collection.update_many(
                {"_id": {"$in": found}, "created_by": user_id}, {"$unset": {"created_by": ""}}
            )
        return len(found)

    async def get(self, gym_id: PydanticObjectId) -> GymDocument | None:
        return await GymDocument.get(gym_id)

    async def exists(self, gym_id: PydanticObjectId) -> bool:
        return await GymDocument.find_one({"_id": gym_id}) is not None

    async def get_many(self, gym_ids: Sequence[PydanticObjectId]) -> list[GymDocument]:
        """One query for a batch of ids (what the per-request DataLoader calls)."""
        if not gym_ids:
            return []
        return await GymDocument.find({"_id": {"$in": list(gym_ids)}}).to_list()

    async def search(self, query_normalized: str | None, limit: int) -> list[GymDocument]:
        """Gyms whose folded name contains the query; names starting with it first.

        The query is regex-escaped, so "." or "(" typed by a user match themselves.
        No query: every gym, alphabetically.
        """
        if not query_normalized:
            return await GymDocument.find({}).sort("+name_normalized").limit(limit).to_list()
        pipeline: list[dict[str, Any]] = [
            {"$match": {"name_normalized": {"$regex": re.escape(query_normalized)}}},
            {
                "$addFields": {
                    "_rank_prefix": {
                        "$ne": [{"$indexOfCP": ["$name_normalized", query_normalized]}, 0]
                    }
                }
            },
            {"$sort": {"_rank_prefix": 1, "name_normalized": 1}},
            {"$limit": limit},
            {"$project": {"_rank_prefix": 0}},
        ]
        return await GymDocument.aggregate(pipeline, projection_model=GymDocument).to_list()
