"""Work that outlives the request starting it: mail to send, an account to erase.

`asyncio.create_task` keeps only a weak reference to its task, so a task nobody holds
may be garbage-collected mid-flight; `Background` holds each one until it ends, logs
its failure, and lets the lifespan wait for (then cancel) what is left at shutdown.
Nothing run here may need to finish: what must survive a crash is recorded in the
database first (an account deletion), or is worth losing (a mail the user can ask again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        # Set at shutdown: periodic work stops after its current round.
        self._closing = asyncio.Event()
        self._loops: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def every(
        self, seconds: float, work: Callable[[], Awaitable[Any]], name: str
    ) -> asyncio.Task[Any]:
        """Run `work` now, then every `seconds`, until `close`; a failure is logged and
        the next round comes all the same."""

        async def loop() -> None:
            while not self._closing.is_set():
                try:
                    await work()
                except Exception:
                    log.exception("periodic task %s failed, next round in %g s", name, seconds)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), timeout=seconds)

        return self.keep_running(loop(), name)

    def keep_running(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A task that runs until `close` (a worker): not waited for by `idle`."""
        task = self.spawn(work, name=name)
        self._loops.add(task)
        task.add_done_callback(self._loops.discard)
        return task

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    async def pause(self, seconds: float, wake: asyncio.Event) -> None:
        """Wait `seconds`, less if `wake` is set or the background starts closing (a
        worker waiting for work stops at once at shutdown)."""
        waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(self._closing.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("background task %s failed", task.get_name(), exc_info=error)

    async def idle(self) -> None:
        """Wait until no task but the periodic ones is left (those spawned meanwhile
        included)."""
        while pending := self._tasks - self._loops:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self, grace_seconds: float) -> None:
        """Stop the periodic work, give running tasks `grace_seconds` to end, then cancel
        the rest (what they leave undone is recorded, and resumed at the next start).

        Not cancelled at once: a database call cancelled halfway can cost the driver more
        time than finishing it."""
        self._closing.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d background task(s) at shutdown", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
