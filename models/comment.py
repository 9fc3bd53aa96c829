"""Comments: the `comments` collection, one document per comment.

    {video_id, video_owner_id, user_id, text, reply_to, thread_id, thread_at, depth,
     mentions: [user ids], created_at, withheld: [reasons]}

A video's comments read oldest first with each reply right under its thread, one level
deep: a reply to a reply joins the thread of the comment it answers. So the order is
(thread_at, thread_id, depth, created_at, _id), where a thread is a top-level comment
and its replies: `thread_at` / `thread_id` are the top-level comment's `created_at` and
`_id` (its own, for a top-level comment), `depth` 0 for it and 1 for its replies. That
order is total and stable, so a cursor (`CommentKey`) neither skips nor repeats comments
posted while a client pages: a new reply lands inside its thread, a new thread at the end.

`video_owner_id` is copied from the video so that an account's erasure finds the
comments under its videos through an index, without the videos (already gone).
`videos.comment_count` is kept beside them by models.video (`$inc`, no read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from kit.clock import utcnow_ms
from models.audience import Audience, comment_filter

# (thread_at, thread_id, depth, created_at, _id) of the last comment seen.
CommentKey = tuple[datetime, PydanticObjectId, int, datetime, PydanticObjectId]

THREAD_ORDER = [
    ("thread_at", ASCENDING),
    ("thread_id", ASCENDING),
    ("depth", ASCENDING),
    ("created_at", ASCENDING),
    ("_id", ASCENDING),
]


class CommentDocument(Document):
    video_id: PydanticObjectId
    video_owner_id: PydanticObjectId
    user_id: PydanticObjectId
    text: str
    # The top-level comment this one answers (None: it starts a thread).
    reply_to: PydanticObjectId | None = None
    thread_id: PydanticObjectId
    thread_at: datetime
    depth: int = 0
    # Climbers the text names as @pseudo (those the author could see), in order.
    mentions: list[PydanticObjectId] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow_ms)
    # Why it is hidden (models.audience reasons); empty: nothing hides it.
    withheld: list[str] = Field(default_factory=list)

    class Settings:
        name = "comments"
        indexes = [
            # A video's comments in thread order (and all of them, when it is deleted).
            IndexModel([("video_id", ASCENDING), *THREAD_ORDER], name="video_threads"),
            # A thread's replies (deleted with it).
            IndexModel([("thread_id", ASCENDING)], name="thread"),
            # A climber's comments, oldest first (suspension, erasure, export), and
            # those under their videos.
            IndexModel(
                [("user_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
                name="by_author",
            ),
            IndexModel([("video_owner_id", ASCENDING)], name="by_video_owner"),
        ]


@dataclass(frozen=True, slots=True)
class CommentView:
    id: PydanticObjectId
    video_id: PydanticObjectId
    video_owner_id: PydanticObjectId
    user_id: PydanticObjectId
    text: str
    reply_to: PydanticObjectId | None
    thread_id: PydanticObjectId
    thread_at: datetime
    depth: int
    mentions: tuple[PydanticObjectId, ...]
    created_at: datetime
    withheld: tuple[str, ...] = ()

    @property
    def key(self) -> CommentKey:
        return (self.thread_at, self.thread_id, self.depth, self.created_at, self.id)


def _view(raw: Mapping[str, Any]) -> CommentView:
    reply_to = raw.get("reply_to")
    return CommentView(
        id=PydanticObjectId(raw["_id"]),
        video_id=PydanticObjectId(raw["video_id"]),
        video_owner_id=PydanticObjectId(raw["video_owner_id"]),
        user_id=PydanticObjectId(raw["user_id"]),
        text=raw["text"],
        reply_to=None if reply_to is None else PydanticObjectId(reply_to),
        thread_id=PydanticObjectId(raw["thread_id"]),
        thread_at=raw["thread_at"],
        depth=int(raw.get("depth", 0)),
        mentions=tuple(PydanticObjectId(m) for m in raw.get("mentions") or ()),
        created_at=raw["created_at"],
        withheld=tuple(raw.get("withheld") or ()),
    )


def _after(key: CommentKey) -> dict[str, Any]:
    """Strictly after `key` in thread order."""
    thread_at, thread_id, depth, created_at, comment_id = key
    same_thread = {"thread_at": thread_at, "thread_id": thread_id}
    return {
        "$or": [
            {"thread_at": {"$gt": thread_at}},
            {"thread_at": thread_at, "thread_id": {"$gt": thread_id}},
            {**same_thread, "depth": {"$gt": depth}},
            {**same_thread, "depth": depth, "created_at": {"$gt": created_at}},
            {**same_thread, "depth": depth, "created_at": created_at, "_id": {"$gt": comment_id}},
        ]
    }


def _comments() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = CommentDocument.get_pymongo_collection()
    return collection


@dataclass(frozen=True, slots=True)
class Removed:
    """What a deletion took away: how many comments, and from which video."""

    video_id: PydanticObjectId
    count: int
    ids: tuple[PydanticObjectId, ...] = ()


class CommentRepository:
    async def create(
        self,
        *,
        video_id: PydanticObjectId,
        video_owner_id: PydanticObjectId,
        user_id: PydanticObjectId,
        text: str,
        thread: CommentView | None,
        mentions: Sequence[PydanticObjectId],
    ) -> CommentView:
        """Insert a comment: a new thread, or a reply in `thread` (a top-level comment)."""
        comment_id = PydanticObjectId()
        now = utcnow_ms()
        doc = CommentDocument(
            id=comment_id,
            video_id=video_id,
            video_owner_id=video_owner_id,
            user_id=user_id,
            text=text,
            reply_to=None if thread is None else thread.id,
            thread_id=comment_id if thread is None else thread.id,
            thread_at=now if thread is None else thread.created_at,
            depth=0 if thread is None else 1,
            mentions=list(mentions),
            created_at=now,
        )
        await doc.insert()
        return _view(doc.model_dump(by_alias=True))

    async def get(self, comment_id: PydanticObjectId) -> CommentView | None:
        """The comment, whoever may see it (for the workflows' own checks)."""
        raw = await _comments().find_one({"_id": comment_id})
        return None if raw is None else _view(raw)

    async def get_many(self, comment_ids: Sequence[PydanticObjectId]) -> list[CommentView]:
        """The comments of `comment_ids` that exist, hidden or not (for moderators)."""
        if not comment_ids:
            return []
        cursor = _comments().find({"_id": {"$in": list(comment_ids)}})
        return [_view(raw) async for raw in cursor]

    async def visible_many(
        self, comment_ids: Sequence[PydanticObjectId], audience: Audience
    ) -> list[CommentView]:
        """The comments of `comment_ids` this audience may see (their videos aside)."""
        if not comment_ids:
            return []
        match = {"_id": {"$in": list(comment_ids)}, **comment_filter(audience)}
        return [_view(raw) async for raw in _comments().find(match)]

    async def visible(self, comment_id: PydanticObjectId, audience: Audience) -> CommentView | None:
        """The comment, if this audience may see it (its video is the caller's to check)."""
        raw = await _comments().find_one({"_id": comment_id, **comment_filter(audience)})
        return None if raw is None else _view(raw)

    async def page(
        self,
        *,
        video_id: PydanticObjectId,
        first: int,
        after: CommentKey | None,
        audience: Audience,
    ) -> tuple[list[CommentView], bool]:
        """Up to `first` of the video's comments after `after`, in thread order, those
        `audience` may see (inside the query: pages stay full), and whether more follow."""
        match: dict[str, Any] = {"video_id": video_id}
        if after is not None:
            match.update(_after(after))
        match.update(comment_filter(audience))  # `$and`: apart from the `$or` above
        cursor = _comments().find(match).sort(THREAD_ORDER).limit(first + 1)
        found = [_view(raw) async for raw in cursor]
        return found[:first], len(found) > first

    async def exists(self, comment_id: PydanticObjectId) -> bool:
        return await _comments().find_one({"_id": comment_id}, projection={"_id": 1}) is not None

    async def delete_thread(self, comment: CommentView) -> Removed:
        """Delete the comment and, for a top-level one, its replies; what went."""
        if comment.depth > 0:
            gone = await _comments().delete_one({"_id": comment.id})
            one: tuple[PydanticObjectId, ...] = (comment.id,) if gone.deleted_count else ()
            return Removed(comment.video_id, gone.deleted_count, one)
        cursor = _comments().find({"thread_id": comment.id}, {"_id": 1})
        ids = tuple([PydanticObjectId(raw["_id"]) async for raw in cursor])
        result = await _comments().delete_many({"_id": {"$in": list(ids)}})
        return Removed(comment.video_id, result.deleted_count, ids)

    async def delete_one(self, comment_id: PydanticObjectId) -> bool:
        """Delete this one comment (a reply whose thread went meanwhile); True if it did."""
        return (await _comments().delete_one({"_id": comment_id})).deleted_count == 1

    async def delete_for_video(self, video_id: PydanticObjectId) -> list[PydanticObjectId]:
        """Delete every comment of a deleted video; their ids."""
        cursor = _comments().find({"video_id": video_id}, {"_id": 1})
        ids = [PydanticObjectId(raw["_id"]) async for raw in cursor]
        if ids:
            await _comments().delete_many({"_id": {"$in": ids}, "video_id": video_id})
        return ids

    async def delete_under_owner_batch(
        self, owner_id: PydanticObjectId, limit: int
    ) -> list[PydanticObjectId]:
        """Delete up to `limit` comments under the videos of `owner_id` (an erased
        account: its videos are gone, so no count is kept); their ids. None: none left."""
        cursor = _comments().find({"video_owner_id": owner_id}, {"_id": 1}).limit(limit)
        ids = [PydanticObjectId(raw["_id"]) async for raw in cursor]
        if ids:
            await _comments().delete_many({"_id": {"$in": ids}, "video_owner_id": owner_id})
        return ids

    async def authored_batch(self, user_id: PydanticObjectId, limit: int) -> list[CommentView]:
        """Up to `limit` of the comments `user_id` wrote (an account's erasure)."""
        cursor = _comments().find({"user_id": user_id}).limit(limit)
        return [_view(raw) async for raw in cursor]

    async def withhold(self, comment_id: PydanticObjectId, reason: str) -> bool:
        result = await _comments().update_one(
            {"_id": comment_id}, {"$addToSet": {"withheld": reason}}
        )
        return result.modified_count == 1

    async def release(self, comment_id: PydanticObjectId, reason: str) -> bool:
        result = await _comments().update_one({"_id": comment_id}, {"$pull": {"withheld": reason}})
        return result.modified_count == 1

    async def withhold_all_of(self, user_id: PydanticObjectId, reason: str) -> int:
        """Hide every comment of the user for `reason`, in one update (`by_author`)."""
        result = await _comments().update_many(
            {"user_id": user_id}, {"$addToSet": {"withheld": reason}}
        )
        return result.modified_count

    async def release_all_of(self, user_id: PydanticObjectId, reason: str) -> int:
        result = await _comments().update_many(
            {"user_id": user_id, "withheld": reason}, {"$pull": {"withheld": reason}}
        )
        return result.modified_count

    async def authored_for_export(self, user_id: PydanticObjectId) -> list[dict[str, Any]]:
        """The user's comments as stored, oldest first (an export)."""
        cursor = _comments().find({"user_id": user_id}).sort([("created_at", 1), ("_id", 1)])
        return [raw async for raw in cursor]
