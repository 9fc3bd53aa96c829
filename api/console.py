"""`python -m api.console` (fly.toml's `console_command`, so `fly console` opens it): a
Python shell on the app's database, with top-level `await`, inside the production image.

Like `python -m asyncio`, but with the settings loaded, the database connected, Beanie
initialised and the models and repositories in scope:

    >>> await UserDocument.find_one({"pseudo": "ada"})
    >>> await db.videos.count_documents({"like_count": {"$gt": 0}})
    >>> await repos.videos.feed(limit=5, offset=0, audience=ANONYMOUS)

It needs MONGODB_URL (on Fly, a secret every machine has). `make code` opens the same
shell in development, on the embedded database (tools/shell.py).

The console runs in the main thread (so Ctrl-C and line editing behave as usual) and
the event loop, which owns the database client, in a background thread; an input that
awaits is run on that loop and the console waits for it.
"""

from __future__ import annotations

import ast
import asyncio
import code
import concurrent.futures
import inspect
import sys
import threading
import types
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from beanie import PydanticObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from api.database import connect
from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings, load_settings
from models.audience import ANONYMOUS
from models.registry import DOCUMENT_MODELS, Repositories


@dataclass(frozen=True, slots=True)
class Opened:
    settings: Settings
    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    repos: Repositories


T = TypeVar("T")


class LoopThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()  # Ctrl-C abandons the await, not the shell
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class AsyncConsole(code.InteractiveConsole):
    def __init__(self, namespace: dict[str, Any], runner: LoopThread) -> None:
        super().__init__(namespace, filename="<perfect-boulder>")
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.runner = runner

    def runcode(self, code: types.CodeType) -> None:
        try:
            # With top-level await allowed, code that awaits evaluates to a coroutine.
            result = types.FunctionType(code, self.locals)()
            if inspect.iscoroutine(result):
                self.runner.run(result)
        except SystemExit:
            raise
        except (KeyboardInterrupt, concurrent.futures.CancelledError):
            self.write("\nKeyboardInterrupt\n")
        except BaseException:
            self.showtraceback()


def namespace(opened: Opened) -> dict[str, Any]:
    names: dict[str, Any] = {
        "settings": opened.settings,
        "client": opened.client,
        "db": opened.db,
        "repos": opened.repos,
        "PydanticObjectId": PydanticObjectId,
        "asyncio": asyncio,
        "ANONYMOUS": ANONYMOUS,  # the audience of a signed-out viewer (models.audience)
    }
    names.update({model.__name__: model for model in DOCUMENT_MODELS})
    return names


def banner(opened: Opened) -> str:
    models = ", ".join(model.__name__ for model in DOCUMENT_MODELS)
    return (
        f"Perfect Boulder shell: database {opened.settings.mongodb_db!r} "
        f"({opened.settings.app_env.value}). Top-level await works.\n"
        f"In scope: settings, client, db (pymongo), repos, {models}, PydanticObjectId, ANONYMOUS.\n"
        "Try: await db.users.count_documents({})  or  await UserDocument.find_all().to_list()\n"
        "Ctrl-D to leave."
    )


def _enable_line_editing(names: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:  # pragma: no cover - Python built without readline
        return
    readline.set_completer(rlcompleter.Completer(names).complete)
    readline.parse_and_bind("tab: complete")


OpenedT = TypeVar("OpenedT")


def interact(
    runner: LoopThread,
    database: AbstractAsyncContextManager[OpenedT],
    names_of: Callable[[OpenedT], dict[str, Any]],
    banner_of: Callable[[OpenedT], str],
) -> None:
    """Open `database` on the runner's loop, run the console on it, close it after."""
    opened = runner.run(database.__aenter__())
    try:
        names = names_of(opened)
        _enable_line_editing(names)
        AsyncConsole(names, runner).interact(banner=banner_of(opened), exitmsg="")
    finally:
        runner.run(database.__aexit__(None, None, None))


@asynccontextmanager
async def service_database(settings: Settings) -> AsyncIterator[Opened]:
    """The database the service uses (MONGODB_URL), Beanie initialised."""
    async with AsyncExitStack() as stack:
        client = await connect(settings, stack)
        yield Opened(settings, client, client[settings.mongodb_db], Repositories())


def run_console(
    open_database: Callable[[Settings], AbstractAsyncContextManager[OpenedT]],
    names_of: Callable[[OpenedT], dict[str, Any]],
    banner_of: Callable[[Settings, OpenedT], str],
) -> None:
    """A console's command line: settings read, the console run on its own loop thread,
    a configuration error said in one line with exit status 2 (api.console,
    api.inspection)."""
    try:
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.is_production)
        runner = LoopThread()
        try:
            interact(
                runner,
                open_database(settings),
                names_of,
                lambda opened: banner_of(settings, opened),
            )
        finally:
            runner.stop()
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error


def main() -> None:
    run_console(service_database, namespace, lambda _settings, opened: banner(opened))


if __name__ == "__main__":
    main()
