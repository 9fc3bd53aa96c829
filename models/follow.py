"""Follows: the `follows` collection of edges, and the counters kept beside them on users.

One document per edge {follower_id, followee_id, created_at}, never arrays on the user:
a climber with 100k followers has a user document as small as anyone's, and pages of
followers are index range scans. `users.follower_count` / `following_count` are kept
in step with the edges:

- follow = insert the edge (the unique index turns a repeat into DuplicateKeyError:
  already following, counters untouched), then `$inc` both counters;
- unfollow = delete the edge, and `$inc -1` both counters only if a document went.

Edge and counters are written in one multi-document transaction when the server has
them (a replica set or mongos: Atlas, SecantusDB). On a standalone mongod they are
written one after the other, in that order: a crash between the two writes leaves the
counters short by one, and `recount` recomputes them from the edges (the source of
truth) — from `make code`: `await repos.follows.recount(PydanticObjectId("..."))`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, OperationFailure

from kit.clock import utcnow_ms
from models import db_quirks
from models.audience import Audience, edge_stages
from models.edges import touching
from models.keyset import PageKey, strictly_after
from models.user import UserDocument

T = TypeVar("T")
# (created_at, _id) of the last edge seen: the same total order as video cursors.
EdgeKey = PageKey


class FollowEdge(Document):
    follower_id: PydanticObjectId
    followee_id: PydanticObjectId
    created_at: dt.datetime = Field(default_factory=utcnow_ms)

    class Settings:
        name = "follows"
        indexes = [
            # One edge per pair (what makes follow idempotent under concurrency); also
            # serves "whom does X follow" as a covered read for the following feed.
            IndexModel(
                [("follower_id", ASCENDING), ("followee_id", ASCENDING)],
                unique=True,
                name="follow_unique",
            ),
            # A user's followers, newest first, `_id` breaking ties within a millisecond.
            IndexModel(
                [("followee_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="followers_newest_first",
            ),
            IndexModel(
                [("follower_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="following_newest_first",
            ),
        ]


def _edges() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = FollowEdge.get_pymongo_collection()
    return collection


def _users() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = UserDocument.get_pymongo_collection()
    return collection


async def server_has_transactions(client: AsyncMongoClient[dict[str, Any]]) -> bool:
    """Replica set members and mongos run multi-document transactions; standalones don't."""
    hello = await client.admin.command("hello")
    return "setName" in hello or hello.get("msg") == "isdbgrid"


async def _touching(
    user_id: PydanticObjectId, limit: int, session: AsyncClientSession | None
) -> list[dict[str, Any]]:
    """Up to `limit` edges from or to `user_id`."""
    return await touching(_edges(), ("follower_id", "followee_id"), user_id, limit, session)


class FollowRepository:
    def __init__(self) -> None:
        self._transactions: bool | None = None  # asked of the server once, on first write

    async def _atomically(self, work: Callable[[AsyncClientSession | None], Awaitable[T]]) -> T:
        """Run `work` in a transaction when the server has them, else as plain writes."""
        client = _edges().database.client
        if self._transactions is None:
            self._transactions = await server_has_transactions(client)
        if not self._transactions:
            return await work(None)
        async with client.start_session() as session:
            for attempt in range(db_quirks.CONFLICT_ATTEMPTS):
                try:
                    # Retries the whole unit on transient write conflicts (MongoDB labels
                    # them, and concurrent follows of one climber meet them often).
                    return await session.with_transaction(work)
                except (DuplicateKeyError, OperationFailure) as error:
                    # Unlabelled ones too: db_quirks.WRITE_CONFLICT_AS_DUPLICATE_KEY and
                    # UNLABELLED_COMMIT_CONFLICT. A duplicate edge is a real duplicate.
                    last = attempt + 1 == db_quirks.CONFLICT_ATTEMPTS
                    if last or not db_quirks.unlabelled_write_conflict(error, "follower_id"):
                        raise
            raise AssertionError("unreachable")  # the loop returns or raises

    async def follow(self, follower: PydanticObjectId, followee: PydanticObjectId) -> bool:
        """Store the edge and count it; False (and nothing changed) if it already existed.

        The caller checks that `followee` exists. An account deleted meanwhile has its
        edges severed twice (`sever_batch`, at once and once more when its erasure ends),
        so an edge slipping in between is removed with the rest.
        """

        async def work(session: AsyncClientSession | None) -> None:
            edge = {"follower_id": follower, "followee_id": followee, "created_at": utcnow_ms()}
            await _edges().insert_one(edge, session=session)
            await _users().update_one(
                {"_id": followee}, {"$inc": {"follower_count": 1}}, session=session
            )
            await _users().update_one(
                {"_id": follower}, {"$inc": {"following_count": 1}}, session=session
            )

        try:
            await self._atomically(work)
        except DuplicateKeyError:
            return False  # already following: the transaction (if any) was rolled back
        return True

    async def unfollow(self, follower: PydanticObjectId, followee: PydanticObjectId) -> bool:
        """Delete the edge and uncount it; False (nothing changed) if there was none."""

        async def work(session: AsyncClientSession | None) -> bool:
            result = await _edges().delete_one(
                {"follower_id": follower, "followee_id": followee}, session=session
            )
            if result.deleted_count == 0:
                return False
            await _users().update_one(
                {"_id": followee}, {"$inc": {"follower_count": -1}}, session=session
            )
            await _users().update_one(
                {"_id": follower}, {"$inc": {"following_count": -1}}, session=session
            )
            return True

        return await self._atomically(work)

    async def followed_pairs(
        self, pairs: Iterable[tuple[PydanticObjectId, PydanticObjectId]]
    ) -> set[tuple[PydanticObjectId, PydanticObjectId]]:
        """Which (follower, followee) pairs are edges, in one query (the DataLoader's)."""
        by_follower: dict[PydanticObjectId, set[PydanticObjectId]] = {}
        for follower, followee in pairs:
            by_follower.setdefault(follower, set()).add(followee)
        if not by_follower:
            return set()
        clauses = [
            {"follower_id": follower, "followee_id": {"$in": list(followees)}}
            for follower, followees in by_follower.items()
        ]
        cursor = _edges().find({"$or": clauses}, {"_id": 0, "follower_id": 1, "followee_id": 1})
        return {
            (PydanticObjectId(raw["follower_id"]), PydanticObjectId(raw["followee_id"]))
            async for raw in cursor
        }

    async def page(
        self,
        *,
        user_id: PydanticObjectId,
        followers: bool,
        first: int,
        after: EdgeKey | None,
        audience: Audience,
    ) -> tuple[list[FollowEdge], bool]:
        """A page of the user's followers (or of whom they follow), newest edge first,
        leaving out those `audience` may not see (inside the query: pages stay full)."""
        match: dict[str, Any] = {"followee_id" if followers else "follower_id": user_id}
        if after is not None:
            match.update(strictly_after(after))
        other = "follower_id" if followers else "followee_id"
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {"$sort": {"created_at": -1, "_id": -1}},
            *edge_stages(audience, other),
            {"$limit": first + 1},
            {"$project": {"follower_id": 1, "followee_id": 1, "created_at": 1}},
        ]
        cursor = await _edges().aggregate(pipeline)
        found = [FollowEdge.model_validate(raw) async for raw in cursor]
        return found[:first], len(found) > first

    async def all_edges(
        self, user_id: PydanticObjectId, *, followers: bool
    ) -> list[tuple[PydanticObjectId, dt.datetime]]:
        """(the other climber, since when) of every edge of the user's, oldest first: the
        user's followers, or whom they follow (for an export)."""
        side, other = (
            ("followee_id", "follower_id") if followers else ("follower_id", "followee_id")
        )
        cursor = _edges().find({side: user_id}, {other: 1, "created_at": 1}).sort("created_at", 1)
        return [(PydanticObjectId(raw[other]), raw["created_at"]) async for raw in cursor]

    async def sever_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Remove up to `limit` edges touching `user_id` (either way), uncounting each from
        the other climber's counter; how many edges were found. Zero: none is left.
        `user_id`'s own counters are not kept: the account is being erased.

        With transactions, a batch is one: the edges read, deleted and uncounted in one
        snapshot (four round trips), so a crash never leaves an edge gone and its counter
        not yet decremented, and a concurrent unfollow of one of these edges conflicts
        with it and one of the two is retried. Without them, each edge is deleted by its
        id and uncounted only if this call deleted it, so a concurrent unfollow (or a
        second run of an account's erasure) never uncounts it twice.
        """
        client = _edges().database.client
        if self._transactions is None:
            self._transactions = await server_has_transactions(client)
        if not self._transactions:
            return await self._sever_one_by_one(await _touching(user_id, limit, None), user_id)
        async with client.start_session() as session:
            return await session.with_transaction(lambda s: self._sever_together(user_id, limit, s))

    async def _sever_together(
        self, user_id: PydanticObjectId, limit: int, session: AsyncClientSession
    ) -> int:
        found = await _touching(user_id, limit, session)
        if not found:
            return 0
        await _edges().delete_many({"_id": {"$in": [raw["_id"] for raw in found]}},
                                   session=session)  # fmt: skip
        # One edge per pair: each other climber appears at most once per direction.
        followers = [raw["follower_id"] for raw in found if raw["followee_id"] == user_id]
        followees = [raw["followee_id"] for raw in found if raw["follower_id"] == user_id]
        for others, counter in ((followers, "following_count"), (followees, "follower_count")):
            others = [other for other in others if other != user_id]
            if others:
                await _users().update_many(
                    {"_id": {"$in": others}}, {"$inc": {counter: -1}}, session=session
                )
        return len(found)

    async def _sever_one_by_one(
        self, found: list[dict[str, Any]], user_id: PydanticObjectId
    ) -> int:
        for raw in found:
            deleted = await _edges().delete_one({"_id": raw["_id"]})
            if deleted.deleted_count == 0:
                continue  # unfollowed meanwhile: uncounted by whoever deleted it
            if raw["follower_id"] == user_id:
                other, counter = raw["followee_id"], "follower_count"
            else:
                other, counter = raw["follower_id"], "following_count"
            if other != user_id:
                await _users().update_one({"_id": other}, {"$inc": {counter: -1}})
        return len(found)

    async def remove_between(self, one: PydanticObjectId, other: PydanticObjectId) -> None:
        """Unfollow both ways (a block), each edge uncounted if it was there."""
        await self.unfollow(one, other)
        await self.unfollow(other, one)

    async def recount(self, user_id: PydanticObjectId) -> tuple[int, int]:
        """Reset the user's counters from the edges; returns (followers, following).

        Repairs what a crash between the edge write and the counter `$inc` left behind
        on a server without transactions (where, run while the user is being followed,
        it may itself miss that follow: run it again on a quiet user).
        """

        async def work(session: AsyncClientSession | None) -> tuple[int, int]:
            # In a transaction, the counts and the `$set` see one snapshot: a follow
            # landing meanwhile conflicts with it and one of the two is retried.
            followers = await _edges().count_documents({"followee_id": user_id}, session=session)
            following = await _edges().count_documents({"follower_id": user_id}, session=session)
            await _users().update_one(
                {"_id": user_id},
                {"$set": {"follower_count": followers, "following_count": following}},
                session=session,
            )
            return followers, following

        return await self._atomically(work)
