"""`python -m api.media_worker`: the media jobs in a process of their own.

By default the API process runs the media worker beside its requests (`MEDIA_WORKERS`
tasks, each probe in a capped child process). An operator who wants that work off the
machines serving requests runs the API with `MEDIA_WORKERS=0` (it only queues jobs) and
this command elsewhere, from the same image and secrets: on Fly, a process group of its
own (README, "Media"). Jobs are claimed with a lease, so any number of these processes
and API processes may work the same queue; a job is never run twice at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import AsyncExitStack
from dataclasses import replace

from api import wiring
from api.database import connect
from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings, load_settings
from kit.background import Background
from models.registry import Repositories
from workflows.media import MediaWork

log = logging.getLogger(__name__)

# At SIGTERM a probe in flight gets this long, then is killed; its job's lease runs out
# and another worker takes it up again.
SHUTDOWN_GRACE_SECONDS = 5.0


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Work the media jobs until `stop` is set."""
    storage = wiring.storage_from(settings, settings.resolved_jwt_secret())
    async with AsyncExitStack() as stack:
        stack.push_async_callback(storage.close)
        await connect(settings, stack)
        background = Background()
        stack.push_async_callback(background.close, SHUTDOWN_GRACE_SECONDS)
        # This process exists to work: at least one task, whatever the API's setting.
        config = replace(wiring.media_config(settings), workers=max(1, settings.media_workers))
        MediaWork(Repositories(), storage, config).start(background)
        log.info("media worker ready (%d task(s), storage: %s)", config.workers,
                 storage.backend.name)  # fmt: skip
        await stop.wait()


async def _main(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run(settings, stop)


def main() -> None:
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    if not settings.mongodb_url:
        print("error: MONGODB_URL is not set: the worker needs the API's database",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    configure_logging(settings.log_level, json_lines=settings.is_production)
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
