"""Edges between two users (follows, blocks): reading those that touch one user."""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection


async def touching(
    edges: AsyncCollection[dict[str, Any]],
    sides: tuple[str, str],
    user_id: PydanticObjectId,
    limit: int,
    session: AsyncClientSession | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` edges with `user_id` at either end (`sides` names the two fields),
    each direction read through its own index; each edge with its `_id` and both ends."""
    found: list[dict[str, Any]] = []
    projection = dict.fromkeys(sides, 1)
    for side in sides:
        cursor = edges.find({side: user_id}, projection, session=session)
        found += [raw async for raw in cursor.limit(limit - len(found))]
        if len(found) >= limit:
            break
    return found
