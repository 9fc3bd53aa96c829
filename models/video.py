"""Videos: the `videos` collection, its likes, and every query that touches it.

Likes are an array of user ids on the video (a product decision, see DESIGN.md), so:
- like / unlike are single atomic updates guarded on the array, never read-modify-save;
- listings never bring the array into Python: `like_count` is stored beside it and
  whether the viewer liked a video is computed by the server (`$in`), so a video with
  100k likes costs a feed page what a video with none does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.clock import utcnow_ms
from models import db_quirks
from models.audience import MEDIA, MODERATION, PUBLIC, Audience, video_filter
from models.keyset import NEWEST_FIRST, PageKey, strictly_after
from models.statuses import PROJECT

# `media_state`: probed and shown; being probed (hidden from others); refused (hidden
# from others, file deleted, `media_error` says why). Absent in videos posted before
# media probing: shown, as READY, until the backfill probes them.
PROCESSING, READY, REJECTED = "PROCESSING", "READY", "REJECTED"


class VideoDocument(Document):
    user_id: PydanticObjectId
    video_url: str
    caption: str | None = None
    color: str
    grade: str
    status: str
    session_id: PydanticObjectId | None = None
    croix_id: PydanticObjectId | None = None
    # Invariant: like_count == len(likes), kept by the guarded updates below.
    likes: list[PydanticObjectId] = Field(default_factory=list)
    like_count: int = 0
    # Comments stored on it (models.comment), moved by `$inc` as they come and go.
    comment_count: int = 0
    created_at: datetime = Field(default_factory=utcnow_ms)
    # When a PROJECT video was topped (sendVideoProject, or its croix journey closed).
    sent_at: datetime | None = None
    # Who may see it besides its owner (models.audience); absent in older documents: PUBLIC.
    visibility: str = PUBLIC
    # Why it is hidden (models.audience reasons); empty: nothing hides it.
    withheld: list[str] = Field(default_factory=list)
    # What the media worker found (workflows.media); a new video is PROCESSING and
    # withheld for MEDIA until then.
    media_state: str | None = None
    media_error: str | None = None
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    poster_url: str | None = None

    class Settings:
        name = "videos"
        indexes = [
            # The feed: newest first, `_id` breaking ties between videos of the same ms.
            IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="feed_order"),
            # A profile's videos, same order.
            IndexModel(
                [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="user_videos",
            ),
            # The backfill: videos not probed yet (`media_state` absent), in `_id` order.
            IndexModel([("media_state", ASCENDING), ("_id", ASCENDING)], name="media_state"),
        ]


@dataclass(frozen=True, slots=True)
class VideoView:
    """A video as listings show it to one viewer: a count instead of the likes array."""

    id: PydanticObjectId
    user_id: PydanticObjectId
    video_url: str
    caption: str | None
    color: str
    grade: str
    status: str
    like_count: int
    liked_by_me: bool
    created_at: datetime
    sent_at: datetime | None = None
    visibility: str = PUBLIC
    # Why it is hidden (shown to its owner and moderators, the only ones who see it then).
    withheld: tuple[str, ...] = ()
    comment_count: int = 0
    media_state: str = READY
    media_error: str | None = None
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    poster_url: str | None = None

    @classmethod
    def from_document(cls, doc: VideoDocument) -> VideoView:
        assert doc.id is not None
        return cls(
            id=doc.id,
            user_id=doc.user_id,
            video_url=doc.video_url,
            caption=doc.caption,
            color=doc.color,
            grade=doc.grade,
            status=doc.status,
            like_count=doc.like_count,
            liked_by_me=False,
            created_at=doc.created_at,
            sent_at=doc.sent_at,
            visibility=doc.visibility,
            withheld=tuple(doc.withheld),
            comment_count=doc.comment_count,
            media_state=doc.media_state or READY,
            media_error=doc.media_error,
            duration_ms=doc.duration_ms,
            width=doc.width,
            height=doc.height,
            poster_url=doc.poster_url,
        )


@dataclass(frozen=True, slots=True)
class ProbedMedia:
    """What the media worker found of a video it accepted."""

    duration_ms: int
    width: int
    height: int
    poster_url: str


class VideoChanges(TypedDict, total=False):
    """The fields of a video its owner may change (`updateVideo`)."""

    caption: str | None
    visibility: str


def _view_projection(
    viewer: PydanticObjectId | None, fields: Collection[str] | None = None
) -> dict[str, Any]:
    """Inclusion-only projection: `likes` is read by the server, never returned. With
    `fields` (of LISTING_OPTIONAL), a listing's: LISTING_ALWAYS and those only."""
    wanted = LISTING_OPTIONAL if fields is None else fields
    projection: dict[str, Any] = dict.fromkeys(LISTING_ALWAYS, 1)
    projection.update((name, 1) for name in LISTING_OPTIONAL if name in wanted)
    if "liked_by_me" in wanted:
        projection["liked_by_me"] = (
            {"$literal": False}  # a bare False would mean "exclude this field"
            if viewer is None
            else {"$in": [viewer, {"$ifNull": ["$likes", []]}]}
        )
    return projection


_MEDIA_FIELDS = ("media_state", "media_error", "duration_ms", "width", "height", "poster_url")
# What every listed row carries (a video's identity, author, order and climb), and what
# a listing reads only when its query's selection needs it (resolvers.video_fields).
LISTING_ALWAYS = ("user_id", "video_url", "color", "grade", "status", "created_at")
LISTING_OPTIONAL = (
    "caption", "like_count", "liked_by_me", "sent_at", "visibility", "withheld",
    "comment_count", *_MEDIA_FIELDS,
)  # fmt: skip


class VideoRow(TypedDict):
    """A video as a listing reads it for one viewer: the document the driver decoded,
    projected (`_view_projection`), handed on as it is. Listings build their answer's
    objects straight from it, with no view copying every field in between (issue 28:
    that copy cost a feed page ~1 M instructions of ~10 M). Fields absent in older
    documents are absent here too: `VideoView`'s defaults say what they mean; so are
    those of LISTING_OPTIONAL the listing's query did not select."""

    _id: ObjectId
    user_id: ObjectId
    video_url: str
    caption: NotRequired[str | None]
    color: str
    grade: str
    status: str
    like_count: NotRequired[int]
    liked_by_me: NotRequired[bool]
    created_at: datetime
    sent_at: NotRequired[datetime | None]
    visibility: NotRequired[str | None]
    withheld: NotRequired[list[str] | None]
    comment_count: NotRequired[int]
    media_state: NotRequired[str | None]
    media_error: NotRequired[str | None]
    duration_ms: NotRequired[int | None]
    width: NotRequired[int | None]
    height: NotRequired[int | None]
    poster_url: NotRequired[str | None]


def view_from_raw(raw: Mapping[str, Any]) -> VideoView:
    return VideoView(
        id=PydanticObjectId(raw["_id"]),
        user_id=PydanticObjectId(raw["user_id"]),
        video_url=raw["video_url"],
        caption=raw.get("caption"),
        color=raw["color"],
        grade=raw["grade"],
        status=raw["status"],
        like_count=int(raw.get("like_count", 0)),
        liked_by_me=bool(raw["liked_by_me"]),
        created_at=raw["created_at"],
        sent_at=raw.get("sent_at"),
        visibility=raw.get("visibility") or PUBLIC,
        withheld=tuple(raw.get("withheld") or ()),
        comment_count=int(raw.get("comment_count", 0)),
        media_state=raw.get("media_state") or READY,
        media_error=raw.get("media_error"),
        duration_ms=raw.get("duration_ms"),
        width=raw.get("width"),
        height=raw.get("height"),
        poster_url=raw.get("poster_url"),
    )


class VideoRepository:
    async def create(
        self,
        *,
        user_id: PydanticObjectId,
        video_url: str,
        caption: str | None,
        color: str,
        grade: str,
        status: str,
        session_id: PydanticObjectId | None,
        croix_id: PydanticObjectId | None = None,
        created_at: datetime | None = None,
        visibility: str = PUBLIC,
        media_state: str | None = None,
    ) -> VideoView:
        """Insert a video; `created_at` defaults to now (given only by demo data). A video
        PROCESSING is withheld for MEDIA (its owner sees it, others not yet)."""
        doc = VideoDocument(
            media_state=media_state,
            withheld=[MEDIA] if media_state == PROCESSING else [],
            user_id=user_id,
            video_url=video_url,
            caption=caption,
            color=color,
            grade=grade,
            status=status,
            session_id=session_id,
            croix_id=croix_id,
            created_at=created_at or utcnow_ms(),
            visibility=visibility,
        )
        await doc.insert()
        return VideoView.from_document(doc)

    async def _rows(
        self,
        pipeline: list[dict[str, Any]],
        viewer: PydanticObjectId | None,
        fields: Collection[str] | None = None,
    ) -> list[VideoRow]:
        collection = VideoDocument.get_pymongo_collection()
        projection = _view_projection(viewer, fields)
        cursor = await collection.aggregate([*pipeline, {"$project": projection}])
        return await cursor.to_list()  # the projection's shape

    async def _views(
        self, pipeline: list[dict[str, Any]], viewer: PydanticObjectId | None
    ) -> list[VideoView]:
        return [view_from_raw(raw) for raw in await self._rows(pipeline, viewer)]

    async def get_view(self, video_id: PydanticObjectId, audience: Audience) -> VideoView | None:
        """The video, if this audience may see it (models.audience).

        The audience's clauses in a second `$match` (db_quirks.by_id_then), so the
        embedded database does not scan the collection for one video (bench/RESULTS.md)."""
        pipeline = db_quirks.by_id_then(video_id, video_filter(audience))
        found = await self._views([*pipeline, {"$limit": 1}], audience.viewer_id)
        return found[0] if found else None

    async def get_views(
        self, video_ids: Sequence[PydanticObjectId], audience: Audience
    ) -> list[VideoView]:
        """The videos of `video_ids` this audience may see, in one query (any order)."""
        if not video_ids:
            return []
        pipeline = db_quirks.by_id_then({"$in": list(video_ids)}, video_filter(audience))
        return await self._views(pipeline, audience.viewer_id)

    async def feed(
        self,
        *,
        limit: int,
        offset: int,
        audience: Audience,
        fields: Collection[str] | None = None,
    ) -> list[VideoRow]:
        """Newest first, by offset (the seed's `feed`), what this audience may see; of
        LISTING_OPTIONAL, only `fields` when given."""
        pipeline: list[dict[str, Any]] = [
            {"$match": video_filter(audience)},
            {"$sort": NEWEST_FIRST},
            {"$skip": offset},
            {"$limit": limit},
        ]
        return await self._rows(pipeline, audience.viewer_id, fields)

    async def page(
        self,
        *,
        first: int,
        after: PageKey | None,
        audience: Audience,
        user_id: PydanticObjectId | None = None,
        author_ids: Sequence[PydanticObjectId] | None = None,
        fields: Collection[str] | None = None,
    ) -> tuple[list[VideoRow], bool]:
        """Up to `first` videos strictly after `after` (newest first), and whether more follow.

        Keyed on (created_at, _id), a total order: videos posted while a client pages
        sort before its cursor, so they can neither shift nor repeat what it sees next.
        With `user_id`, only that user's videos (the `user_videos` index). With
        `author_ids` (the following feed), videos by any of them, in one query whatever
        their number: the `$in` on `user_videos` lets MongoDB merge the authors'
        newest-first ranges and stop at `first + 1`. Only what `audience` may see, in
        the same `$match`: pages stay full, cursors stable. Of LISTING_OPTIONAL, only
        `fields` when given.
        """
        match: dict[str, Any] = {}
        if user_id is not None:
            match["user_id"] = user_id
        elif author_ids is not None:
            match["user_id"] = {"$in": list(author_ids)}
        if after is not None:
            match.update(strictly_after(after))  # a separate key of the same filter: both apply
        match.update(video_filter(audience))  # `$and`: apart from the keys above
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {"$sort": NEWEST_FIRST},
            {"$limit": first + 1},
        ]
        found = await self._rows(pipeline, audience.viewer_id, fields)
        return found[:first], len(found) > first

    async def exists(self, video_id: PydanticObjectId, audience: Audience) -> bool:
        """Whether the video exists and this audience may see it."""
        match = {"_id": video_id, **video_filter(audience)}
        collection = VideoDocument.get_pymongo_collection()
        return await collection.find_one(match, projection={"_id": 1}) is not None

    async def owner_of(
        self, video_id: PydanticObjectId, audience: Audience
    ) -> PydanticObjectId | None:
        """Who posted the video, if this audience may see it."""
        match = {"_id": video_id, **video_filter(audience)}
        collection = VideoDocument.get_pymongo_collection()
        found = await collection.find_one(match, projection={"user_id": 1})
        return None if found is None else PydanticObjectId(found["user_id"])

    async def like(
        self, video_id: PydanticObjectId, user_id: PydanticObjectId, audience: Audience
    ) -> PydanticObjectId | None:
        """Add the like if absent, in one atomic update guarded on the audience rule too
        (no liking what one may not see); the video's owner if this call added it (what
        the like's notification needs, in the same round trip), else None."""
        added = await VideoDocument.get_pymongo_collection().find_one_and_update(
            {"_id": video_id, "likes": {"$ne": user_id}, **video_filter(audience)},
            {"$push": {"likes": user_id}, "$inc": {"like_count": 1}},
            projection={"user_id": 1},
        )
        return None if added is None else PydanticObjectId(added["user_id"])

    async def unlike(
        self, video_id: PydanticObjectId, user_id: PydanticObjectId, audience: Audience
    ) -> PydanticObjectId | None:
        """Remove the like if present (and the video one `audience` may see), in one
        atomic update; the video's owner if this call removed it, else None."""
        removed = await VideoDocument.get_pymongo_collection().find_one_and_update(
            {"_id": video_id, "likes": user_id, **video_filter(audience)},
            {"$pull": {"likes": user_id}, "$inc": {"like_count": -1}},
            projection={"user_id": 1},
        )
        return None if removed is None else PydanticObjectId(removed["user_id"])

    async def count_comments(self, video_id: PydanticObjectId, change: int) -> None:
        """Move the video's `comment_count` by `change` (a gone video: nothing to move)."""
        if change:
            await VideoDocument.get_pymongo_collection().update_one(
                {"_id": video_id}, {"$inc": {"comment_count": change}}
            )

    async def update_owned(
        self, video_id: PydanticObjectId, owner_id: PydanticObjectId, changes: VideoChanges
    ) -> bool:
        """Apply a `$set` of validated fields to the owner's video; False if not theirs."""
        result = await VideoDocument.get_pymongo_collection().update_one(
            {"_id": video_id, "user_id": owner_id}, {"$set": dict(changes)}
        )
        return result.matched_count == 1

    async def withhold(self, video_id: PydanticObjectId, reason: str) -> bool:
        """Hide the video for `reason` (idempotent); True if this call hid it so."""
        result = await VideoDocument.get_pymongo_collection().update_one(
            {"_id": video_id}, {"$addToSet": {"withheld": reason}}
        )
        return result.modified_count == 1

    async def release(self, video_id: PydanticObjectId, reason: str) -> bool:
        """Take `reason` off the video (other reasons, if any, still hide it)."""
        result = await VideoDocument.get_pymongo_collection().update_one(
            {"_id": video_id}, {"$pull": {"withheld": reason}}
        )
        return result.modified_count == 1

    async def withhold_all_of(self, user_id: PydanticObjectId, reason: str) -> int:
        """Hide every video of the user for `reason`, in one update (`user_videos` index)."""
        result = await VideoDocument.get_pymongo_collection().update_many(
            {"user_id": user_id}, {"$addToSet": {"withheld": reason}}
        )
        return result.modified_count

    async def track_record(self, user_id: PydanticObjectId) -> tuple[bool, bool]:
        """(whether the user shows a public video nothing hides, whether moderation hid one
        of theirs): two small reads on the `user_videos` index."""
        videos = VideoDocument.get_pymongo_collection()
        shown = await videos.find_one(
            {"user_id": user_id, "visibility": PUBLIC, "withheld": {"$size": 0}}, {"_id": 1}
        )
        removed = await videos.find_one({"user_id": user_id, "withheld": MODERATION}, {"_id": 1})
        return shown is not None, removed is not None

    async def withheld_of(
        self, user_id: PydanticObjectId, reason: str, limit: int
    ) -> list[VideoView]:
        """The user's videos hidden for `reason`, newest first (their owner's notice)."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"user_id": user_id, "withheld": reason}},
            {"$sort": {"created_at": DESCENDING, "_id": DESCENDING}},
            {"$limit": limit},
        ]
        return await self._views(pipeline, user_id)

    async def release_all_of(self, user_id: PydanticObjectId, reason: str) -> int:
        result = await VideoDocument.get_pymongo_collection().update_many(
            {"user_id": user_id, "withheld": reason}, {"$pull": {"withheld": reason}}
        )
        return result.modified_count

    async def mark_project_sent(
        self, video_id: PydanticObjectId, owner_id: PydanticObjectId, at: datetime
    ) -> bool:
        """Mark an open PROJECT video of `owner_id` sent, atomically; True if this call did.

        Guarded on `sent_at: null`, so a repeat (or a concurrent call) keeps the first date.
        """
        result = await VideoDocument.get_pymongo_collection().update_one(
            {"_id": video_id, "user_id": owner_id, "status": PROJECT, "sent_at": None},
            {"$set": {"sent_at": at}},
        )
        return result.modified_count == 1

    async def mark_croix_projects_sent(
        self, owner_id: PydanticObjectId, croix_ids: Sequence[PydanticObjectId], at: datetime
    ) -> int:
        """Mark sent the owner's open PROJECT videos linked to any of `croix_ids`."""
        if not croix_ids:
            return 0
        result = await VideoDocument.get_pymongo_collection().update_many(
            {"user_id": owner_id, "croix_id": {"$in": list(croix_ids)}, "status": PROJECT,
             "sent_at": None},
            {"$set": {"sent_at": at}},
        )  # fmt: skip
        return result.modified_count

    async def delete_owned(
        self, video_id: PydanticObjectId, owner_id: PydanticObjectId
    ) -> str | None:
        """Delete the video if `owner_id` posted it: its media URL, or None if it is not
        theirs or is gone."""
        deleted = await VideoDocument.get_pymongo_collection().find_one_and_delete(
            {"_id": video_id, "user_id": owner_id}, projection={"video_url": 1}
        )
        return None if deleted is None else str(deleted["video_url"])

    # --- media (workflows.media) ------------------------------------------------------

    async def media_source(self, video_id: PydanticObjectId) -> tuple[str, str | None] | None:
        """The video's stored URL and media state, None when the video is gone."""
        found = await VideoDocument.get_pymongo_collection().find_one(
            {"_id": video_id}, projection={"video_url": 1, "media_state": 1}
        )
        return None if found is None else (str(found["video_url"]), found.get("media_state"))

    async def media_ready(self, video_id: PydanticObjectId, probed: ProbedMedia) -> bool:
        """READY with what was found, and no longer withheld for MEDIA; guarded on a video
        not decided yet (PROCESSING, or never probed), so a repeat changes nothing."""
        result = await VideoDocument.get_pymongo_collection().update_one(
            {"_id": video_id, "media_state": {"$in": [PROCESSING, None]}},
            {"$set": {"media_state": READY, "media_error": None, "duration_ms": probed.duration_ms,
                      "width": probed.width, "height": probed.height,
                      "poster_url": probed.poster_url},
             "$pull": {"withheld": MEDIA}},
        )  # fmt: skip
        return result.modified_count == 1

    async def media_rejected(
        self, video_id: PydanticObjectId, reason: str
    ) -> tuple[PydanticObjectId, str] | None:
        """REJECTED for `reason`, withheld for MEDIA (an older video, shown until its
        probe, is hidden now too): (its owner, the media URL), None if it was decided
        already."""
        found = await VideoDocument.get_pymongo_collection().find_one_and_update(
            {"_id": video_id, "media_state": {"$in": [PROCESSING, None]}},
            {"$set": {"media_state": REJECTED, "media_error": reason},
             "$addToSet": {"withheld": MEDIA}},
            projection={"user_id": 1, "video_url": 1},
        )  # fmt: skip
        return None if found is None else (PydanticObjectId(found["user_id"]), found["video_url"])

    async def unprobed_batch(
        self, after: PydanticObjectId | None, limit: int
    ) -> list[PydanticObjectId]:
        """Up to `limit` videos never probed (`media_state` absent), after `after` in `_id`
        order (the `media_state` index): the backfill's walk."""
        match: dict[str, Any] = {"media_state": None}
        if after is not None:
            match["_id"] = {"$gt": after}
        cursor = (
            VideoDocument.get_pymongo_collection()
            .find(match, {"_id": 1})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [PydanticObjectId(raw["_id"]) async for raw in cursor]

    async def processing_before(self, before: datetime, limit: int) -> list[PydanticObjectId]:
        """Up to `limit` videos still PROCESSING that were inserted before `before` (their
        `_id` says when: the `media_state` index serves it)."""
        match = {"media_state": PROCESSING, "_id": {"$lt": ObjectId.from_datetime(before)}}
        cursor = VideoDocument.get_pymongo_collection().find(match, {"_id": 1}).limit(limit)
        return [PydanticObjectId(raw["_id"]) async for raw in cursor]

    async def media_withheld(self, owner_id: PydanticObjectId, video_url: str, reason: str) -> bool:
        """Whether one of the owner's videos showing `video_url` is withheld for `reason`
        (through the `user_videos` index, as `owner_uses_media`)."""
        found = await VideoDocument.get_pymongo_collection().find_one(
            {"user_id": owner_id, "video_url": video_url, "withheld": reason},
            projection={"_id": 1},
        )
        return found is not None

    async def owner_uses_media(self, owner_id: PydanticObjectId, video_url: str) -> bool:
        """Whether one of the owner's videos still needs `video_url`'s file: one not
        REJECTED (a rejected video's file is deleted; call this once the video that let
        go of the file is deleted or rejected). Only its owner can post a stored media
        URL (storage.service), so the owner's videos are all to look at (through the
        `user_videos` index)."""
        found = await VideoDocument.get_pymongo_collection().find_one(
            {"user_id": owner_id, "video_url": video_url, "media_state": {"$ne": REJECTED}},
            projection={"_id": 1},
        )
        return found is not None

    async def delete_owner_batch(self, owner_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` of the owner's videos (their likes go with them); how many
        were found. Zero: the owner has none left. Their files are storage's to erase."""
        collection = VideoDocument.get_pymongo_collection()
        cursor = collection.find({"user_id": owner_id}, {"_id": 1}).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        if ids:
            await collection.delete_many({"_id": {"$in": ids}, "user_id": owner_id})
        return len(ids)

    async def unlike_all_batch(
        self, user_id: PydanticObjectId, limit: int, after: PydanticObjectId | None
    ) -> tuple[int, PydanticObjectId | None]:
        """Take back up to `limit` of the user's likes, on videos after `after` in `_id`
        order; (how many videos were found, the last one's id to continue after).

        There is no index on `likes` (it would hold every like ever given), so each call
        walks the `_id` index on from where the previous stopped: one pass over the
        collection in all, whatever the number of batches. Each video is updated by the
        same guarded `$pull` + `$inc` as `unlike`, so `like_count == len(likes)` holds
        even against a concurrent unlike.
        """
        collection = VideoDocument.get_pymongo_collection()
        match: dict[str, Any] = {"likes": user_id}
        if after is not None:
            match["_id"] = {"$gt": after}
        cursor = collection.find(match, {"_id": 1}).sort("_id", ASCENDING).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        if not ids:
            return 0, after
        await collection.update_many(
            {"_id": {"$in": ids}, "likes": user_id},
            {"$pull": {"likes": user_id}, "$inc": {"like_count": -1}},
        )
        return len(ids), PydanticObjectId(ids[-1])

    async def owned_for_export(self, owner_id: PydanticObjectId) -> list[dict[str, Any]]:
        """The owner's videos as stored, oldest first, without who liked them."""
        cursor = (
            VideoDocument.get_pymongo_collection()
            .find({"user_id": owner_id}, {"likes": 0})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        )
        return [raw async for raw in cursor]

    async def shown_among(
        self, video_ids: Sequence[PydanticObjectId], audience: Audience
    ) -> set[PydanticObjectId]:
        """Which of these videos the audience may see now (by `_id`, then the rule)."""
        if not video_ids:
            return set()
        cursor = VideoDocument.get_pymongo_collection().find(
            {"_id": {"$in": list(video_ids)}, **video_filter(audience)}, {"_id": 1}
        )
        return {PydanticObjectId(raw["_id"]) async for raw in cursor}

    async def liked_by(self, user_id: PydanticObjectId) -> list[dict[str, Any]]:
        """The videos the user likes: id, author and media URL (a collection scan: only
        for an export, at most once per user every few minutes)."""
        cursor = VideoDocument.get_pymongo_collection().find(
            {"likes": user_id}, {"user_id": 1, "video_url": 1, "created_at": 1}
        )
        return [raw async for raw in cursor]
