"""The embedded database's differences from MongoDB (models/db_quirks.py), each shown on
the SecantusDB the suite runs: a release that fixes one fails its test here, the sign
that its workaround can go. Each test also checks that the workaround's form gets the
answer MongoDB gives. Raw commands from here, not from models/: the index audit
(tests/support/index_audit.py) looks at the repositories' queries only."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from models import db_quirks

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_MONGODB_URL")), reason="SecantusDB's quirks, not MongoDB's"
)

Db = Any  # an AsyncDatabase of raw documents


@pytest.fixture
async def raw(mongo_url: str) -> AsyncIterator[Db]:
    name = f"quirks_{secrets.token_hex(4)}"
    async with AsyncMongoClient[dict[str, Any]](mongo_url) as client:
        yield client[name]
        await client.drop_database(name)


def test_every_quirk_is_pinned_here_or_says_why_not() -> None:
    here = sys.modules[__name__]
    for name, quirk in db_quirks.QUIRKS.items():
        pinned = hasattr(here, f"test_{name.lower()}")
        if quirk.pinned is True:
            assert pinned, f"{name}: no test_{name.lower()} here"
        else:
            assert not pinned, f"{name}: pinned after all? say so in db_quirks"
            assert isinstance(quirk.pinned, str), name
            assert quirk.pinned, f"{name}: say why it cannot be pinned"


async def test_id_lookup_scans_with_other_clauses(raw: Db) -> None:
    await raw.videos.insert_many([{"_id": n, "author": n % 3} for n in range(60)])

    async def examined(command: dict[str, Any]) -> int:
        explained = await raw.command("explain", command, verbosity="executionStats")
        examined: int = explained["executionStats"]["totalDocsExamined"]
        return examined

    assert await examined({"find": "videos", "filter": {"_id": 5}}) == 1
    assert await examined({"find": "videos", "filter": {"_id": 5, "author": 2}}) == 60  # quirk
    workaround = db_quirks.by_id_then(5, {"author": 2})
    assert await examined({"aggregate": "videos", "pipeline": workaround, "cursor": {}}) == 1
    found = await (await raw.videos.aggregate(workaround)).to_list()
    assert found == [{"_id": 5, "author": 2}]


async def test_range_on_descending_index_misses_bound(raw: Db) -> None:
    await raw.sessions.create_index([("user_id", 1), ("date", DESCENDING), ("at", DESCENDING)])
    first = dt.datetime(2026, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(3)]
    await raw.sessions.insert_many([{"user_id": 1, "date": day, "at": first} for day in days])

    async def dates(where: dict[str, Any]) -> list[dt.datetime]:
        return sorted([s["date"] async for s in raw.sessions.find({"user_id": 1, **where})])

    assert await dates({"date": {"$gte": days[0], "$lte": days[2]}}) == days[1:]  # quirk
    workaround = {"$expr": {"$and": [{"$gte": ["$date", days[0]]}, {"$lte": ["$date", days[2]]}]}}
    assert await dates(workaround) == days


async def test_array_path_in_project(raw: Db) -> None:
    await raw.users.insert_one({"_id": 1, "blocking": [{"blocked_id": 7}, {"blocked_id": 8}]})

    async def projected(expression: Any) -> list[dict[str, Any]]:
        stages = [{"$project": {"_id": 0, "ids": expression}}]
        found: list[dict[str, Any]] = await (await raw.users.aggregate(stages)).to_list()
        return found

    assert await projected("$blocking.blocked_id") == [{}]  # quirk: MongoDB gives [7, 8]
    mapped = {"$map": {"input": "$blocking", "in": "$$this.blocked_id"}}
    assert await projected(mapped) == [{"ids": [7, 8]}]


async def test_positional_in_find_and_modify(raw: Db) -> None:
    await raw.sessions.insert_one({"_id": 1, "croix": [{"id": 1, "g": "6a"}, {"id": 2, "g": "6b"}]})
    with pytest.raises(OperationFailure, match="positional operator"):  # quirk
        await raw.sessions.find_one_and_update({"croix.id": 2}, {"$set": {"croix.$.g": "7a"}})
    changed = await raw.sessions.find_one_and_update(
        {"croix.id": 2},
        {"$set": {"croix.$[c].g": "7a"}},
        array_filters=[{"c.id": 2}],
        return_document=ReturnDocument.AFTER,
    )
    assert changed["croix"] == [{"id": 1, "g": "6a"}, {"id": 2, "g": "7a"}]


async def test_array_filter_reevaluated(raw: Db) -> None:
    await raw.sessions.insert_one({"_id": 1, "croix": [{"id": 1, "sent": None, "day": None}]})
    await raw.sessions.update_one(
        {"_id": 1},
        {"$set": {"croix.$[c].sent": True, "croix.$[c].day": 3}},
        array_filters=[{"c.sent": None}],
    )
    found = await raw.sessions.find_one({"_id": 1})
    assert found["croix"] == [{"id": 1, "sent": True, "day": None}]  # quirk: MongoDB sets day
    await raw.sessions.update_one(
        {"_id": 1},
        {"$set": {"croix.$[c].send": {"sent": True, "day": 3}}},  # one path
        array_filters=[{"c.day": None}],
    )
    found = await raw.sessions.find_one({"_id": 1})
    assert found["croix"][0]["send"] == {"sent": True, "day": 3}


async def test_upsert_race_answers_null(raw: Db) -> None:
    # A race: how often the losers answer null varies with the machine's load, so
    # rounds are run until one does (a few suffice; the bound only ends a fixed release).
    await raw.days.create_index("day", unique=True)

    async def upsert(n: int) -> dict[str, Any] | str | None:
        try:
            found: dict[str, Any] | None = await raw.days.find_one_and_update(
                {"day": "monday"},
                {"$setOnInsert": {"by": n}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return "duplicate key"  # what MongoDB answers a loser
        return found

    answers: list[dict[str, Any] | str | None] = []
    for _ in range(100):
        await raw.days.delete_many({})
        answers = await asyncio.gather(*(upsert(n) for n in range(10)))
        assert await raw.days.count_documents({}) == 1  # one winner, whatever the answers
        if None in answers:
            break
    assert None in answers  # quirk
    # The workaround: a null is a lost race, and the winner's document is there to read.
    assert await raw.days.find_one({"day": "monday"}) is not None


def test_unlabelled_conflicts_are_told_from_real_duplicates() -> None:
    # WRITE_CONFLICT_AS_DUPLICATE_KEY and UNLABELLED_COMMIT_CONFLICT cannot be caused on
    # demand (models/db_quirks.py): their classifier, at least, is held to its word.
    def duplicate(key_pattern: dict[str, int]) -> DuplicateKeyError:
        return DuplicateKeyError("E11000", 11000, {"keyPattern": key_pattern})

    conflict = db_quirks.unlabelled_write_conflict
    assert conflict(duplicate({"email_normalized": 1}), "follower_id")
    assert not conflict(duplicate({"follower_id": 1, "followee_id": 1}), "follower_id")
    assert conflict(OperationFailure("internal", 1), "follower_id")
    assert not conflict(OperationFailure("write conflict", 112), "follower_id")
