"""Every JSON log line written while serving a request carries its request id, not only
the access line: an operator can gather all that one request caused."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from api.logging_setup import JsonFormatter
from api.settings import Settings
from tests.support.app import running_api


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines, as production configures it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


async def test_lines_logged_while_serving_carry_that_requests_id(
    settings: Settings, json_log: io.StringIO
) -> None:
    # A full registry makes each request log a warning of its own, from api.persisted_queries.
    settings = settings.model_copy(update={"persisted_queries_max_entries": 1})
    documents = [f"query Q{n} {{ gyms {{ id }} }}" for n in range(8)]
    async with running_api(settings) as api:

        async def send(document: str) -> tuple[str, str]:
            digest = hashlib.sha256(document.encode()).hexdigest()
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
            response = await api.http.post(
                "/graphql", json={"query": document, "extensions": extensions}
            )
            assert response.json() == {"data": {"gyms": []}}
            return digest[:16], response.headers["x-request-id"]

        await send(documents[0])  # fills the registry...
        # ...with an entry in use (asked for by hash), which a new document cannot evict.
        digest = hashlib.sha256(documents[0].encode()).hexdigest()
        used = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        assert (await api.http.post("/graphql", json={"extensions": used})).json() == {
            "data": {"gyms": []}
        }
        sent = dict(await asyncio.gather(*(send(d) for d in documents[1:])))

    logged = lines(json_log)
    warnings = [line for line in logged if line["logger"] == "api.persisted_queries"]
    assert len(warnings) == len(sent)
    for line in warnings:
        digest = line["message"].split()[2]
        assert line["request_id"] == sent[digest]
    # Lines written outside any request (start-up) carry none.
    ready = [line for line in logged if line["message"].startswith("ready")]
    assert ready
    assert all("request_id" not in line for line in ready)
