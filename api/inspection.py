"""`python -m api.inspection`: a read-only Python shell on the production database, from
the image (`fly console -C "python -m api.inspection"`), for looking without touching.

    >>> await db.users.count_documents({})
    >>> await db.videos.find({"hidden": True}, {"caption": 1}).to_list(20)
    >>> await db.moderation_log.find().sort("at", -1).limit(10).to_list()

Read-only twice over:
- by the database, when `MONGODB_INSPECT_URL` is set: a connection string for a user
  holding only the `read` role on the app's database (README, Atlas). That is the
  guarantee; without it, the shell uses MONGODB_URL, whose user may write;
- by the shell, always: `db` offers only reads (find, find_one, count_documents,
  estimated_document_count, distinct, aggregate without `$out`/`$merge`, the indexes), and
  neither the client, the settings (they hold secrets) nor the Beanie models are in
  scope. This guards against a slip, not against someone set on writing.

No index is created and Beanie is not initialised, so a `read` user is enough. Reads go to
a secondary when there is one (`secondaryPreferred`), sparing the primary.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Mapping, MutableMapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from api.console import run_console
from api.database import client_options
from api.settings import ConfigurationError, Settings

# Aggregation stages that write.
_WRITING_STAGES = frozenset({"$out", "$merge"})


class ReadOnlyCollection:
    """A collection's reads; no method here writes."""

    __slots__ = ("__collection",)

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.__collection = collection

    def __repr__(self) -> str:
        return f"<read-only collection {self.__collection.name!r}>"

    def find(self, *args: Any, **kwargs: Any) -> AsyncCursor[dict[str, Any]]:
        return self.__collection.find(*args, **kwargs)

    async def find_one(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return await self.__collection.find_one(*args, **kwargs)

    async def count_documents(self, filter: Mapping[str, Any], **kwargs: Any) -> int:
        return await self.__collection.count_documents(filter, **kwargs)

    async def estimated_document_count(self) -> int:
        return await self.__collection.estimated_document_count()

    async def distinct(self, key: str, *args: Any, **kwargs: Any) -> list[Any]:
        return await self.__collection.distinct(key, *args, **kwargs)

    async def aggregate(
        self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> AsyncCommandCursor[dict[str, Any]]:
        writing = [key for stage in pipeline for key in stage if key in _WRITING_STAGES]
        if writing:
            raise PermissionError(f"the inspection shell does not write ({writing[0]})")
        return await self.__collection.aggregate(pipeline, **kwargs)

    async def index_information(self) -> MutableMapping[str, Any]:
        return await self.__collection.index_information()


class ReadOnlyDatabase:
    """`db.users` or `db["users"]`: read-only collections."""

    __slots__ = ("__database",)

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.__database = database

    def __repr__(self) -> str:
        return f"<read-only database {self.__database.name!r}>"

    def __getitem__(self, name: str) -> ReadOnlyCollection:
        return ReadOnlyCollection(self.__database[name])

    def __getattr__(self, name: str) -> ReadOnlyCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    async def list_collection_names(self) -> list[str]:
        return sorted(await self.__database.list_collection_names())


def inspection_url(settings: Settings) -> str:
    url = settings.mongodb_inspect_url or settings.mongodb_url
    if not url:
        raise ConfigurationError("MONGODB_INSPECT_URL (or MONGODB_URL) is not set")
    return url


@asynccontextmanager
async def read_only_database(settings: Settings) -> AsyncIterator[ReadOnlyDatabase]:
    async with AsyncExitStack() as stack:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            inspection_url(settings),
            **{**client_options(settings), "readPreference": "secondaryPreferred"},
        )
        stack.push_async_callback(client.close)
        yield ReadOnlyDatabase(client[settings.mongodb_db])


def namespace(db: ReadOnlyDatabase) -> dict[str, Any]:
    return {"db": db, "ObjectId": ObjectId, "datetime": datetime, "asyncio": asyncio}


def banner_for(name: str, guaranteed: bool) -> str:
    by_whom = (
        "by the database user (MONGODB_INSPECT_URL)"
        if guaranteed
        else "by this shell only: set MONGODB_INSPECT_URL to a `read` user to make it sure"
    )
    return (
        f"Perfect Boulder inspection shell: database {name!r}, read-only {by_whom}.\n"
        "In scope: db (reads only), ObjectId, datetime. Top-level await works.\n"
        "Try: await db.users.count_documents({})  or  await db.list_collection_names()\n"
        "Ctrl-D to leave."
    )


def main() -> None:
    def banner(settings: Settings, _db: ReadOnlyDatabase) -> str:
        return banner_for(settings.mongodb_db, settings.mongodb_inspect_url is not None)

    run_console(read_only_database, namespace, banner)


if __name__ == "__main__":
    main()
