"""Media jobs: every posted video probed, postered and shown, or rejected with a reason.

`postVideo` inserts the video PROCESSING (withheld for MEDIA: its owner sees it, nobody
else) and queues its job (models.media_job); it answers at once. The worker then, one
job at a time per task (`MEDIA_WORKERS` tasks, default 1):
1. claims a due job atomically, with a lease (a second task or machine never takes it
   while the lease runs; a worker that died leaves it claimable once the lease is over);
2. copies the stored file to a temporary folder and probes it in a child process
   (kit.video_probe: memory and time capped, niced, the event loop only waits);
3. READY: stores the poster beside the video and records duration, size and poster in
   one guarded update that also lifts the MEDIA hold; refused: REJECTED with the reason
   (shown to the owner only) and the file deleted;
4. a failure that is not the file's verdict (storage down, the child crashed or overran)
   sends the job back to the queue with a growing delay; after `max_attempts` claims the
   job fails for good and the video is REJECTED ("could not be processed"), its file
   kept for the operator to look at.

Every step is idempotent (the video's updates are guarded on a state not yet decided,
the poster key is fixed per video), so a job run again after a crash mid-way, or after
its lease ran out under a slow worker, does no harm.

Older videos (posted before probing existed, `media_state` absent) stay shown, as
READY, until the backfill (`backfill`, run by the release command) queues them behind
new posts; the worker then probes them like any other, and may reject them.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from beanie import PydanticObjectId

from kit.background import Background
from kit.clock import utcnow
from kit.video_probe import Limits, ProbeFailed, VideoRefused, probe_in_child
from models.media_job import BACKFILL, NEW_POST, ClaimedJob
from models.registry import Repositories
from models.video import READY, REJECTED, ProbedMedia
from storage.service import MediaStorage

log = logging.getLogger(__name__)

GAVE_UP = "the video could not be processed"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    workers: int = 1
    limits: Limits = field(default_factory=Limits)
    # Longer than the probe's timeout plus the file's copy: a live worker keeps its job.
    lease_for: timedelta = timedelta(minutes=5)
    max_attempts: int = 3
    retry_after: timedelta = timedelta(seconds=30)
    keep_finished_for: timedelta = timedelta(days=7)
    # How often an idle worker looks for jobs queued by another machine, or stranded.
    poll_seconds: float = 10.0
    # A PROCESSING video this old with no job (a crash between insert and enqueue).
    stranded_after: timedelta = timedelta(minutes=2)


class MediaWork:
    def __init__(
        self, repos: Repositories, storage: MediaStorage, config: WorkerConfig | None = None
    ) -> None:
        self.repos = repos
        self.storage = storage
        self.config = config or WorkerConfig()
        self._wakeup = asyncio.Event()

    # --- queueing -----------------------------------------------------------------------

    async def enqueue_new(self, video_id: PydanticObjectId) -> None:
        """Queue a video just posted, ahead of the backfill, and wake a worker."""
        await self.repos.media_jobs.enqueue(video_id, utcnow(), NEW_POST)
        self._wakeup.set()

    async def requeue_stranded(self, limit: int = 100) -> int:
        """Queue PROCESSING videos left without a job (a crash between a post's insert
        and its enqueue); how many were queued."""
        before = utcnow() - self.config.stranded_after
        queued = 0
        for video_id in await self.repos.videos.processing_before(before, limit):
            queued += await self.repos.media_jobs.enqueue(video_id, utcnow(), NEW_POST)
        return queued

    async def backfill(self, batch: int = 500) -> int:
        """Queue every video never probed (posted before probing existed) behind new
        posts; how many were queued. Resumable: a job per video at most (unique index),
        so running it again only queues what is still missing."""
        queued, after = 0, None
        while ids := await self.repos.videos.unprobed_batch(after, batch):
            now = utcnow()
            for video_id in ids:
                queued += await self.repos.media_jobs.enqueue(video_id, now, BACKFILL)
            after = ids[-1]
        return queued

    # --- working ------------------------------------------------------------------------

    def start(self, background: Background) -> None:
        """Run `config.workers` worker tasks until the background closes."""
        for number in range(self.config.workers):
            background.keep_running(self._work(background), name=f"media-worker-{number}")
        background.every(self.config.poll_seconds * 6, self.requeue_stranded, "media-stranded")

    async def _work(self, background: Background) -> None:
        while not background.closing:
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("media worker round failed")
                ran = False
            if not ran:
                self._wakeup.clear()
                await background.pause(self.config.poll_seconds, self._wakeup)

    async def drain(self) -> int:
        """Run due jobs until none is left; how many ran (the backfill, tests)."""
        ran = 0
        while await self.run_once():
            ran += 1
        return ran

    async def run_once(self) -> bool:
        """Claim one due job and run it; False when none was due."""
        job = await self.repos.media_jobs.claim(utcnow(), self.config.lease_for)
        if job is None:
            return False
        if job.attempts > self.config.max_attempts:
            # Claimed that often and never finished: its worker died every time.
            await self._give_up(job, "the worker stopped during every try")
            return True
        try:
            await self._process(job.video_id)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"[:300]
            if job.attempts >= self.config.max_attempts:
                await self._give_up(job, reason)
            else:
                delay = self.config.retry_after * job.attempts
                await self.repos.media_jobs.retry_later(job, utcnow() + delay, reason)
                log.warning("media job retried video_id=%s error=%s", job.video_id, reason)
            return True
        await self.repos.media_jobs.finish(job, utcnow(), self.config.keep_finished_for)
        return True

    async def _give_up(self, job: ClaimedJob, reason: str) -> None:
        # Its file is kept for the operator (step 4 above), not discarded.
        await self.repos.videos.media_rejected(job.video_id, GAVE_UP)
        await self.repos.media_jobs.finish(
            job, utcnow(), self.config.keep_finished_for, error=reason
        )
        log.error("media job failed for good video_id=%s error=%s", job.video_id, reason)

    async def _process(self, video_id: PydanticObjectId) -> None:
        source = await self.repos.videos.media_source(video_id)
        if source is None or source[1] in (READY, REJECTED):
            return  # deleted meanwhile, or decided by an earlier run
        video_url = source[0]
        with tempfile.TemporaryDirectory(prefix="media-job-") as folder:
            video, poster = Path(folder) / "video", Path(folder) / "poster.jpg"
            if not await self.storage.fetch_video(video_url, video):
                await self._reject(video_id, "the video file is missing")
                return
            try:
                probed = await probe_in_child(video, poster, self.config.limits)
            except VideoRefused as refused:
                await self._reject(video_id, refused.reason)
                return
            except ProbeFailed:
                raise
            poster_url = await self.storage.store_poster(video_url, poster.read_bytes())
        probed_media = ProbedMedia(probed.duration_ms, probed.width, probed.height, poster_url)
        if not await self.repos.videos.media_ready(video_id, probed_media):
            if await self.repos.videos.media_source(video_id) is None:
                # Deleted while being probed (its file went with it): so does its poster.
                await self.storage.discard_poster(video_url)
            return
        log.info("video ready video_id=%s duration_ms=%d size=%dx%d codec=%s", video_id,
                 probed.duration_ms, probed.width, probed.height, probed.codec)  # fmt: skip

    async def _reject(self, video_id: PydanticObjectId, reason: str) -> None:
        rejected = await self.repos.videos.media_rejected(video_id, reason)
        log.info("video rejected video_id=%s reason=%s", video_id, reason)
        if rejected is not None:
            await self._discard(*rejected)

    async def _discard(self, owner: PydanticObjectId, video_url: str) -> None:
        """Delete a rejected video's file, unless another of the owner's videos still
        needs it (the owner may post a stored URL twice: one copy may be shown, probed
        before MAX_VIDEO_SECONDS was lowered, while the other is rejected). The verdict
        stands whatever happens here: a storage failure leaves an orphan file, logged for
        the operator."""
        if await self.repos.videos.owner_uses_media(owner, video_url):
            return
        try:
            await self.storage.discard(video_url)
        except Exception:
            log.warning("rejected video's media left in storage url=%s", video_url, exc_info=True)
