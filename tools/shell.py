"""`make code`: a Python shell on the app's database, with top-level `await`.

Like `python -m asyncio`, but with the settings loaded, the database connected, Beanie
initialised and the models and repositories in scope:

    >>> await UserDocument.find_one({"pseudo": "ada"})
    >>> await db.videos.count_documents({"like_count": {"$gt": 0}})
    >>> await repos.videos.feed(limit=5, offset=0, audience=ANONYMOUS)

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
import threading
import types
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from beanie import PydanticObjectId

from models.audience import ANONYMOUS
from models.registry import DOCUMENT_MODELS
from tools.embedded_db import EmbeddedDatabaseError
from tools.standalone import Opened, fail, load_settings, open_database

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


def main() -> None:
    settings = load_settings()
    runner = LoopThread()
    database: AbstractAsyncContextManager[Opened] = open_database(settings)
    try:
        try:
            opened = runner.run(database.__aenter__())
        except EmbeddedDatabaseError as error:
            fail(str(error))
        try:
            names = namespace(opened)
            _enable_line_editing(names)
            AsyncConsole(names, runner).interact(banner=banner(opened), exitmsg="")
        finally:
            runner.run(database.__aexit__(None, None, None))
    finally:
        runner.stop()


if __name__ == "__main__":
    main()
