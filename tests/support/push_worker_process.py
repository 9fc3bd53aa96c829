"""A push worker in a process of its own, to be killed mid-delivery by a test.

    python -m tests.support.push_worker_process MONGODB_URL MONGODB_DB FCM_URL

The service account's JSON key comes in FCM_SERVICE_ACCOUNT_JSON. It delivers what is
due until killed, as the service's worker does (workflows.push).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from api.database import connect
from api.settings import Settings
from kit.fcm import FcmClient, ServiceAccount
from models.registry import Repositories
from workflows.push import PushWorker


async def main(mongodb_url: str, mongodb_db: str, fcm_url: str) -> None:
    settings = Settings(
        _env_file=None,
        mongodb_url=mongodb_url,
        mongodb_db=mongodb_db,
        data_dir=Path(tempfile.mkdtemp()),
        jwt_secret="x" * 40,
    )
    account = ServiceAccount.from_json(os.environ["FCM_SERVICE_ACCOUNT_JSON"])
    async with AsyncExitStack() as stack:
        await connect(settings, stack)
        client = FcmClient(account, endpoint=fcm_url)
        stack.push_async_callback(client.close)
        print("delivering", flush=True)
        await PushWorker(Repositories(), client, poll_seconds=0.05).run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
