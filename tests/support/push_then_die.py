"""A push that stops where the test says and waits to be killed (SIGKILL, for real).

    python -m tests.support.push_then_die <where> <user_id> <last_pulled_at>
        (the push's changes as JSON on stdin; MONGODB_URL, MONGODB_DB in the environment)

`where`: `before_record` stops before the push's writes are written into its journal;
`mid_apply` stops after two croix of the push were written; `classic_write` makes a
classic write (a session, as createSession does) and stops before ending its clock
lease. Each prints PAUSED and sleeps until killed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from beanie import PydanticObjectId

from api.database import connect
from api.settings import Settings
from api.wiring import storage_from
from kit.clock import midnight_utc
from models.climb_session import ClimbSession
from models.logbook_changes import LogbookChangesRepository
from models.logbook_clock import LogbookClockRepository
from models.logbook_push import LogbookPushRepository
from models.registry import Repositories, logbook_repositories
from tests.support.app import TEST_JWT_SECRET
from workflows.logbook_sync import LogbookSync

WRITTEN_BEFORE_PAUSE = 2


async def _pause() -> None:
    print("PAUSED", flush=True)
    await asyncio.sleep(3600)


def _stop_at(where: str) -> None:
    if where == "classic_write":

        async def end(self: LogbookClockRepository, user_id: PydanticObjectId) -> None:
            await _pause()

        LogbookClockRepository.end = end  # type: ignore[method-assign]
        return
    if where == "before_record":
        original_plan = LogbookPushRepository.plan

        async def plan(self: LogbookPushRepository, *args: Any, **kwargs: Any) -> Any:
            await _pause()
            return await original_plan(self, *args, **kwargs)

        LogbookPushRepository.plan = plan  # type: ignore[method-assign]
        return
    original_put = LogbookChangesRepository.put_croix
    written = 0

    async def put_croix(self: LogbookChangesRepository, *args: Any, **kwargs: Any) -> bool:
        nonlocal written
        if written == WRITTEN_BEFORE_PAUSE:
            await _pause()
        written += 1
        return await original_put(self, *args, **kwargs)

    LogbookChangesRepository.put_croix = put_croix  # type: ignore[method-assign]


async def main(where: str, user_id: str, last_pulled_at: float, changes: Any) -> None:
    settings = Settings(
        _env_file=None,
        mongodb_url=os.environ["MONGODB_URL"],
        mongodb_db=os.environ["MONGODB_DB"],
        data_dir=Path(tempfile.mkdtemp()),
        jwt_secret=TEST_JWT_SECRET,
    )
    _stop_at(where)
    async with AsyncExitStack() as stack:
        await connect(settings, stack)
        repos = Repositories(**logbook_repositories(timedelta(days=90)))
        if where == "classic_write":
            await repos.sessions.create(
                ClimbSession(user_id=PydanticObjectId(user_id), date=midnight_utc(date(2025, 3, 1)))
            )
        sync = LogbookSync(repos, storage_from(settings, TEST_JWT_SECRET))
        await sync.push(PydanticObjectId(user_id), changes, last_pulled_at)
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), json.load(sys.stdin)))
