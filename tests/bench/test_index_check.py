"""`make bench`'s index figure: what passes the counting proxy, audited against the
database's indexes by the test suite's own rules."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.uri_parser import parse_uri

from api.settings import Settings
from bench.index_check import audit
from bench.proxy import CountingProxy, _sampled
from tests.support.client import Api


def test_every_kind_of_command_is_sampled_at_first_then_sparsely() -> None:
    kept = [count for count in range(1, 10_001) if _sampled(count)]
    assert kept[:64] == list(range(1, 65))
    assert kept[64:] == [128, 256, 512, 1024, 2048, 4096, 8192]


async def test_a_query_no_index_serves_is_named(api: Api, settings: Settings) -> None:
    host, port = parse_uri(str(settings.mongodb_url))["nodelist"][0]
    proxy = CountingProxy(host, port)
    proxy.start()
    try:
        url = f"mongodb://127.0.0.1:{proxy.port}/?directConnection=true"
        async with AsyncMongoClient[dict[str, Any]](url) as client:
            users = client[settings.mongodb_db]["users"]
            await users.find_one({"email_normalized": "ada@example.com"})  # email_unique
            await users.find_one({"bio": "crimps"})  # no index
            videos = client[settings.mongodb_db]["videos"]
            await (await videos.aggregate([{"$match": {"likes": "someone"}}])).to_list()
        sent = await asyncio.to_thread(proxy.sample)
    finally:
        proxy.stop()
    found = await asyncio.to_thread(audit, sent, str(settings.mongodb_url), settings.mongodb_db)
    assert found["unserved"] == ["users: eq bio   (from bench: find users)"]
    assert found["accepted_scans"] == ["videos: eq likes"]
    assert found["shapes"] == 3
