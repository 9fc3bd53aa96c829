"""Issue 18's "every query on an index", as `make bench` sees it: the commands the API
sent through its proxy during the run (a sample of each kind, bench/proxy.py), checked
against the indexes of the bench's database with the test suite's own rules
(tests/support/index_audit.py: an equality prefix, then the sort or a range, or a scan
accepted with its reason)."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient

from tests.support.index_audit import (
    ACCEPTED_SCANS,
    Shape,
    command_shapes,
    listed_indexes,
    unserved,
)


def shapes(sent: list[tuple[str, dict[str, Any]]]) -> dict[Shape, str]:
    """Each distinct query shape, with the kind of command it first came in."""
    found: dict[Shape, str] = {}
    for kind, command in sent:
        name = next(iter(command))
        for shape in command_shapes(name, command):
            found.setdefault(shape, f"bench: {kind}")
    return found


async def _indexes(url: str, db_name: str) -> dict[str, list[list[tuple[str, int]]]]:
    async with AsyncMongoClient[dict[str, Any]](url) as client:
        database = client[db_name]
        return await listed_indexes(database, await database.list_collection_names())


def audit(sent: list[tuple[str, dict[str, Any]]], url: str, db_name: str) -> dict[str, Any]:
    """The shapes seen, those no index serves, and the accepted scans among them."""
    seen = shapes(sent)
    problems = unserved(seen, asyncio.run(_indexes(url, db_name)))
    return {
        "shapes": len(seen),
        "unserved": problems,
        "accepted_scans": sorted(str(s) for s in seen if str(s) in ACCEPTED_SCANS),
    }
