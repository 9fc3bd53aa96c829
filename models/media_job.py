"""Media jobs: the `media_jobs` collection, durable work for the media worker.

One document per video to probe, written when the video is posted (or by the backfill),
before any work starts, so nothing is lost to a crash:

    {video_id, state: "queued" | "running" | "done" | "failed",
     priority,       # 0: a video just posted; 1: the backfill of older ones
     run_after,      # queued: when it may run; running: when its lease ends
     attempts,       # claims so far (a crash mid-job counts: a file that kills the
                     # worker every time stops after `max_attempts` like any other)
     lease,          # the claim's token: only its holder may finish the job
     last_error, created_at, finished_at, expires_at}

A claim is one `find_one_and_update`, so two workers (tasks or machines) never hold the
same job at once; a running job whose lease ran out (its worker died) is claimable again.
Finished jobs go after a while (TTL index on `expires_at`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
NEW_POST, BACKFILL = 0, 1


class MediaJobDocument(Document):
    video_id: PydanticObjectId
    state: str = QUEUED
    priority: int = NEW_POST
    run_after: datetime
    attempts: int = 0
    lease: str | None = None
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow_ms)
    finished_at: datetime | None = None
    expires_at: datetime | None = None

    class Settings:
        name = "media_jobs"
        indexes = [
            # One job per video: posting and the backfill enqueue idempotently.
            IndexModel([("video_id", ASCENDING)], unique=True, name="one_per_video"),
            # The claim: due jobs, new posts before the backfill, oldest first.
            IndexModel(
                [("state", ASCENDING), ("priority", ASCENDING), ("run_after", ASCENDING)],
                name="claim",
            ),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: PydanticObjectId
    video_id: PydanticObjectId
    attempts: int
    lease: str


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = MediaJobDocument.get_pymongo_collection()
    return collection


class MediaJobRepository:
    async def enqueue(self, video_id: PydanticObjectId, now: datetime, priority: int) -> bool:
        """Queue the video's job unless it has one; True if this call queued it."""
        job = MediaJobDocument(video_id=video_id, priority=priority, run_after=now)
        try:
            await _collection().insert_one(job.model_dump(exclude={"id"}))
        except DuplicateKeyError:
            return False
        return True

    async def claim(self, now: datetime, lease_for: timedelta) -> ClaimedJob | None:
        """Take the next due job (queued and due, or running with its lease run out), in
        one atomic update; None when there is none."""
        lease = secrets.token_urlsafe(12)
        raw = await _collection().find_one_and_update(
            {"state": {"$in": [QUEUED, RUNNING]}, "run_after": {"$lte": now}},
            {"$set": {"state": RUNNING, "run_after": now + lease_for, "lease": lease},
             "$inc": {"attempts": 1}},
            sort=[("state", ASCENDING), ("priority", ASCENDING), ("run_after", ASCENDING)],
            projection={"video_id": 1, "attempts": 1},
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        if raw is None:
            return None
        return ClaimedJob(
            PydanticObjectId(raw["_id"]), PydanticObjectId(raw["video_id"]), raw["attempts"], lease
        )

    async def finish(
        self, job: ClaimedJob, now: datetime, keep_for: timedelta, error: str | None = None
    ) -> bool:
        """Done (or, with `error`, failed for good), if the caller still holds the lease."""
        result = await _collection().update_one(
            {"_id": job.id, "lease": job.lease, "state": RUNNING},
            {"$set": {"state": FAILED if error else DONE, "last_error": error, "lease": None,
                      "finished_at": now, "expires_at": now + keep_for}},
        )  # fmt: skip
        return result.modified_count == 1

    async def retry_later(self, job: ClaimedJob, run_after: datetime, error: str) -> bool:
        """Back to the queue until `run_after`, with the error, if the caller holds it."""
        result = await _collection().update_one(
            {"_id": job.id, "lease": job.lease, "state": RUNNING},
            {"$set": {"state": QUEUED, "run_after": run_after, "last_error": error,
                      "lease": None}},
        )  # fmt: skip
        return result.modified_count == 1

    async def get(self, video_id: PydanticObjectId) -> MediaJobDocument | None:
        raw = await _collection().find_one({"video_id": video_id})
        return None if raw is None else MediaJobDocument.model_validate(raw)
