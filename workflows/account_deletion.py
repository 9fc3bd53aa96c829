"""Deleting an account: at once what others could see, then everything else, in batches.

`begin` (in the deleteAccount request, after the password was checked):
1. writes the deletion record (models.account_deletion) before erasing anything, so a
   crash at any later point leaves a record of the work left;
2. runs the steps whose effect users must see at once (`AT_ONCE`): the user document
   goes (every token fails, since `resolvers.context` finds no user; e-mail and pseudo
   are free; `user(id)` and `searchUsers` find nothing), then the follow edges both ways
   with the other climbers' counters, then the videos (gone from every feed).
Nothing public of the account's is kept meanwhile, so nothing needs `withheld`.

`run` then erases the rest in the background, a batch at a time: likes given, sessions
with their croix and projects, reset tokens, export records, stored files (every object
under the owner's storage prefixes: videos, croix photos, avatar, exports), comments
(under the owner's videos, and their own), notifications (received, and the owner taken
out of those they caused) with their settings, phones and pushes, throttle entries; then
the `EXTRA_STEPS` other areas register. The record holds the steps done and where a step
walking a collection stopped, so a run cut short resumes there: at the next start (the
lifespan sweeps at once) or at the periodic sweep.

A video whose post was in flight when the user document went is deleted as it lands
(`settle_new_video`), so that no feed shows it meanwhile.

Once every step went, the record waits `settle_after` (the lifetime of an upload URL
signed before the deletion) and runs every step again: an upload landing late, or a
like or follow in flight during the deletion, is erased too. Then it is done. Every
step is idempotent and safe to run twice at once (guarded updates), so a repeat, the
sweep and the background task may overlap without harm; nothing is ever undone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId

from kit.clock import utcnow
from models.account_deletion import DONE, ERASING, FINAL_CHECK, AccountDeletionRecord
from models.registry import Repositories
from storage.service import MediaStorage
from workflows import comments as comment_erasure
from workflows.events import Events
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    user_id: PydanticObjectId
    email_normalized: str | None


@dataclass(frozen=True, slots=True)
class Batch:
    """What one call of a step erased: `count` items (zero: nothing left), and where
    to continue from, for steps walking a collection in order."""

    count: int
    after: Any = None


# Erase up to `limit` items of the target's, continuing after `after` (or from the start).
Eraser = Callable[[Target, int, Any], Awaitable[Batch]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    erase: Eraser


AT_ONCE = ("user", "follows", "videos")

# Extension point: erasers of other areas, run after the built-in steps: each must be
# idempotent, erase at most `limit` items per call and return Batch(0) once nothing is
# left. (Blocks, reports and report cases are built in.)
EXTRA_STEPS: list[Callable[[Repositories], Step]] = []


class AccountDeletion:
    def __init__(
        self,
        repos: Repositories,
        storage: MediaStorage,
        throttle: Throttle,
        token_versions: TokenVersions,
        events: Events,
        *,
        batch_size: int = 200,
        settle_after: timedelta = timedelta(minutes=16),
        keep_record_for: timedelta = timedelta(days=30),
        extra_steps: Sequence[Step] = (),
    ) -> None:
        self.repos = repos
        self.storage = storage
        self.throttle = throttle
        self.token_versions = token_versions
        self.events = events  # erased comments take back what they caused (workflows.events)
        self.batch_size = batch_size
        self.settle_after = settle_after
        self.keep_record_for = keep_record_for
        self.steps: list[Step] = [
            *self._built_in_steps(),
            *(make(repos) for make in EXTRA_STEPS),
            *extra_steps,
        ]
        self._running: set[PydanticObjectId] = set()

    # --- the steps ----------------------------------------------------------------------

    def _built_in_steps(self) -> list[Step]:
        repos = self.repos

        async def user(target: Target, limit: int, after: Any) -> Batch:
            gone = await repos.users.delete(target.user_id)
            self.token_versions.forget(target.user_id)
            return Batch(int(gone))

        async def follows(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.follows.sever_batch(target.user_id, limit))

        async def videos(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.videos.delete_owner_batch(target.user_id, limit))

        async def likes(target: Target, limit: int, after: Any) -> Batch:
            count, last = await repos.videos.unlike_all_batch(target.user_id, limit, after)
            return Batch(count, last)

        async def sessions(target: Target, limit: int, after: Any) -> Batch:
            # A session holds up to 100 croix: fewer sessions per batch than other items.
            batch = max(1, limit // 10)
            return Batch(await repos.sessions.delete_owner_batch(target.user_id, batch))

        async def password_resets(target: Target, limit: int, after: Any) -> Batch:
            deleted = await repos.password_resets.delete_for(target.user_id)
            return Batch(deleted + await repos.email_verifications.delete_for(target.user_id))

        async def exports(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.data_exports.delete_for(target.user_id))

        async def media(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await self.storage.erase_owner_batch(str(target.user_id), limit))

        async def blocks(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.blocks.delete_touching_batch(target.user_id, limit))

        async def reports(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.reports.delete_filed_by_batch(target.user_id, limit))

        async def report_cases(target: Target, limit: int, after: Any) -> Batch:
            return Batch(await repos.reports.delete_cases_about_batch(target.user_id, limit))

        async def comments(target: Target, limit: int, after: Any) -> Batch:
            return Batch(
                await comment_erasure.erase_batch(repos, self.events, target.user_id, limit)
            )

        async def notifications(target: Target, limit: int, after: Any) -> Batch:
            erased = await repos.notifications.erase_batch(target.user_id, limit)
            return Batch(erased + await repos.notification_settings.delete(target.user_id))

        async def devices(target: Target, limit: int, after: Any) -> Batch:
            erased = await repos.devices.drop_all_of(target.user_id)
            return Batch(erased + await repos.push_outbox.delete_for_user(target.user_id))

        async def throttle(target: Target, limit: int, after: Any) -> Batch:
            if target.email_normalized is None:
                return Batch(0)
            return Batch(
                await self.throttle.forget_account(target.email_normalized, str(target.user_id))
            )

        async def gyms(target: Target, limit: int, after: Any) -> Batch:
            # The gyms stay (others log sessions there); who added them goes.
            return Batch(await repos.gyms.forget_creator_batch(target.user_id, limit))

        return [
            Step("user", user),
            Step("follows", follows),
            Step("videos", videos),
            Step("likes", likes),
            Step("sessions", sessions),
            Step("password_resets", password_resets),
            Step("data_exports", exports),
            Step("media", media),
            Step("blocks", blocks),
            Step("reports", reports),
            Step("report_cases", report_cases),
            Step("comments", comments),
            Step("notifications", notifications),
            Step("devices", devices),
            Step("throttle", throttle),
            Step("gyms", gyms),
        ]

    async def settle_new_video(
        self, video_id: PydanticObjectId, author_id: PydanticObjectId
    ) -> bool:
        """Whether a video just posted stands. A post whose token was checked before its
        author's deletion began can insert after the `videos` step erased theirs, and it
        would show in every feed until the final check. The user document goes first
        (`AT_ONCE`), so reading it after the insert decides: still there, the `videos`
        step is still to come and erases this video too; gone, it is deleted here (its
        file is the final check's, with the rest of the owner's storage)."""
        if await self.repos.users.token_version(author_id) is not None:
            return True
        await self.repos.videos.delete_owned(video_id, author_id)
        return False

    # --- running them -------------------------------------------------------------------

    async def begin(self, user_id: PydanticObjectId, email_normalized: str) -> None:
        """Record the deletion, then erase at once what others could see."""
        record = await self.repos.account_deletions.open(user_id, email_normalized, utcnow())
        if record.phase == ERASING:
            await self._run_steps(record, AT_ONCE)

    async def run(self, user_id: PydanticObjectId) -> bool:
        """Erase what is left of the account, if its turn has come; True once done.

        Runs at most once at a time per account in this process (the sweep and the
        request's background task may both ask)."""
        if user_id in self._running:
            return False
        self._running.add(user_id)
        try:
            return await self._run(user_id)
        finally:
            self._running.discard(user_id)

    async def _run(self, user_id: PydanticObjectId) -> bool:
        deletions = self.repos.account_deletions
        record = await deletions.get(user_id)
        if record is None or record.phase == DONE:
            return record is not None
        record_id = record.id
        assert record_id is not None
        try:
            if record.phase == ERASING:
                await self._run_steps(record, None)
                settled = max(utcnow(), record.requested_at + self.settle_after)
                await deletions.to_final_check(record_id, settled)
                record = await deletions.get(user_id)
            if record is None or record.phase != FINAL_CHECK or record.run_after > utcnow():
                return False  # the sweep comes back for the final check
            await self._run_steps(record, None)
            now = utcnow()
            await deletions.finish(record_id, now, now + self.keep_record_for)
        except Exception as error:
            await deletions.note_error(record_id, repr(error)[:500])
            raise
        log.info("account erased user_id=%s erased=%s", user_id, record.erased)
        return True

    async def _run_steps(self, record: AccountDeletionRecord, only: Sequence[str] | None) -> None:
        assert record.id is not None
        target = Target(record.user_id, record.email_normalized)
        phase = record.phase
        for step in self.steps:
            if (only is not None and step.name not in only) or step.name in record.steps_done:
                continue
            after = record.positions.get(step.name)
            started = time.perf_counter()
            while True:
                batch = await step.erase(target, self.batch_size, after)
                if batch.count == 0:
                    break
                after = batch.after
                await self.repos.account_deletions.progress(
                    record.id, step.name, batch.count, after
                )
                await asyncio.sleep(0)  # other requests get their turn between batches
            await self.repos.account_deletions.step_done(record.id, phase, step.name)
            log.debug("erasure step done user_id=%s phase=%s step=%s seconds=%.3f",
                      record.user_id, phase, step.name, time.perf_counter() - started)  # fmt: skip

    async def sweep(self, limit: int = 100) -> int:
        """Run every deletion whose turn has come; how many finished."""
        finished = 0
        for user_id in await self.repos.account_deletions.due(utcnow(), limit):
            try:
                finished += await self.run(user_id)
            except Exception:
                log.exception("account erasure failed, retried at the next sweep user_id=%s",
                              user_id)  # fmt: skip
        return finished
