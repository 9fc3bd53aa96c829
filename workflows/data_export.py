"""`exportMyData`: build the climber's export, store it privately, hand out a download.

At most one export per user every `interval` (claimed atomically, models.data_export).
The object lives under `exports/<user>/`, never under the public media prefix, and is
downloaded through a URL signed for at most 15 minutes (R2 presigned GET, or the local
backend's signed route), as an attachment. An export replaced by a newer one is deleted
at once; the sweep deletes the rest once their URL expired.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import orjson
from beanie import PydanticObjectId

from kit.clock import midnight_utc, utcnow, utcnow_ms
from models.registry import Repositories
from storage.service import Download, MediaStorage
from workflows.errors import Missing, Throttled
from workflows.export_document import export_document

log = logging.getLogger(__name__)


class DataExports:
    def __init__(
        self,
        repos: Repositories,
        storage: MediaStorage,
        interval: timedelta = timedelta(minutes=5),
    ) -> None:
        self.repos = repos
        self.storage = storage
        self.interval = interval

    async def export(self, user_id: PydanticObjectId) -> Download:
        now = utcnow_ms()  # as stored: `release` finds the claim by it
        previous = await self.repos.data_exports.claim(user_id, now, self.interval)
        if previous is not None:
            wait = math.ceil((previous + self.interval - now).total_seconds())
            wait = max(1, wait)
            raise Throttled(f"one export every {self.interval_text}: try again in {wait} s", wait)
        try:
            download = await self._store(user_id, now)
        except BaseException:
            # A failed export does not count against the next few minutes.
            await self.repos.data_exports.release(user_id, now)
            raise
        return download

    async def _store(self, user_id: PydanticObjectId, now: datetime) -> Download:
        user = await self.repos.users.get(user_id)
        if user is None:
            raise Missing("this account no longer exists")
        document = await export_document(self.repos, user, today=midnight_utc(now.date()))
        body = orjson.dumps(document, option=orjson.OPT_INDENT_2)
        key = await self.storage.store_export(str(user_id), body)
        download = await self.storage.export_download(
            key, f"perfect-boulder-export-{now.date().isoformat()}.json"
        )
        replaced = await self.repos.data_exports.keep(user_id, key, download.expires_at)
        if replaced is not None:
            await self.storage.delete_export(replaced)
        return download

    @property
    def interval_text(self) -> str:
        minutes = self.interval.total_seconds() / 60
        return f"{minutes:g} minutes" if minutes >= 1 else f"{self.interval.total_seconds():g} s"

    async def sweep(self, limit: int = 500) -> int:
        """Delete export objects whose download URL has expired; how many."""
        expired = await self.repos.data_exports.expired_objects(utcnow(), limit)
        for user_id, key in expired:
            await self.storage.delete_export(key)
            await self.repos.data_exports.forget_object(user_id, key)
        return len(expired)
