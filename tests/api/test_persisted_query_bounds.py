"""A persisted-query registry nobody can fill: bounded in bytes per document and in all,
in registrations per client address, and with room kept for the documents real
traffic asks for by hash. Whatever is not stored still runs, sent whole."""

from __future__ import annotations

import itertools
import string
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit.budget
import kit.clock
from api.settings import Settings
from tests.api.test_persisted_queries import not_found, persisted
from tests.support.app import running_api
from tests.support.client import Api

HEADER = "X-Test-Client"
GYMS_DATA: dict[str, Any] = {"data": {"gyms": []}}
_addresses = (f"198.51.100.{n % 250}" if n < 250 else f"203.0.{n // 250}.{n % 250}"
              for n in itertools.count(1))  # fmt: skip


def document(tag: str, padding: int = 0) -> str:
    """A small real query, padded with a comment to `padding` more bytes (comments are
    no tokens: the document limits let any amount of them through)."""
    comment = f"# {'x' * max(0, padding - 3)}\n" if padding else ""
    return f"{comment}query Q{tag} {{ gyms {{ id name }} }}"


async def register(api: Api, text: str, client: str) -> Response:
    body = {"query": text, "extensions": persisted(text)}
    return await api.http.post("/graphql", json=body, headers={HEADER: client})


async def by_hash(api: Api, text: str, client: str = "192.0.2.1") -> Response:
    return await api.http.post(
        "/graphql", json={"extensions": persisted(text)}, headers={HEADER: client}
    )


def bounded(configured: Settings, **update: Any) -> Settings:
    return configured.model_copy(update={"client_ip_header": HEADER, **update})


@pytest.fixture
async def bounded_api(settings: Settings) -> AsyncIterator[Api]:
    async with running_api(bounded(settings, persisted_query_max_bytes=4096)) as api:
        yield api


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    padding=st.integers(min_value=0, max_value=12_000),
    tag=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12),
)
async def test_a_document_above_the_entry_size_runs_but_is_not_stored(
    bounded_api: Api, db: Any, padding: int, tag: str
) -> None:
    text = document(tag, padding)
    client = next(_addresses)
    assert (await register(bounded_api, text, client)).json() == GYMS_DATA
    stored = await db.persisted_queries.find_one({"_id": persisted(text)["persistedQuery"][
        "sha256Hash"]})  # fmt: skip
    if len(text.encode()) > 4096:
        assert stored is None
        not_found(await by_hash(bounded_api, text))
    else:
        assert stored is not None
        assert stored["size"] == len(text.encode())
        assert (await by_hash(bounded_api, text)).json() == GYMS_DATA


async def test_the_registry_is_bounded_in_bytes(settings: Settings, db: Any) -> None:
    # 64 KiB in all, 16 KiB at most each: four entries, however small they are.
    configured = bounded(
        settings, persisted_query_max_bytes=16 * 1024, persisted_queries_max_bytes=64 * 1024
    )
    async with running_api(configured) as api:
        for n in range(10):
            text = document(f"big{n}", 16 * 1024 - 100)
            assert (await register(api, text, next(_addresses))).json() == GYMS_DATA
    sizes = [entry["size"] async for entry in db.persisted_queries.find({}, {"size": 1})]
    assert len(sizes) == 4
    assert sum(sizes) <= 64 * 1024


async def test_one_client_registers_a_bounded_number_an_hour(
    settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = bounded(settings, persisted_query_registrations_per_hour=5)
    async with running_api(configured) as api:
        flood = [document(f"flood{n}") for n in range(12)]
        for text in flood:
            assert (await register(api, text, "198.51.100.7")).json() == GYMS_DATA
        assert await db.persisted_queries.count_documents({}) == 5
        # Another client is not held back by the first one's hour.
        assert (await register(api, document("other"), "198.51.100.8")).json() == GYMS_DATA
        assert await db.persisted_queries.count_documents({}) == 6
        # An hour later the first client may register again.
        later = kit.clock.utcnow() + timedelta(hours=1)
        monkeypatch.setattr(kit.budget, "utcnow", lambda: later)
        assert (await register(api, flood[-1], "198.51.100.7")).json() == GYMS_DATA
        assert await db.persisted_queries.count_documents({}) == 7


async def test_a_flood_from_many_addresses_leaves_room_for_the_apps_documents(
    settings: Settings, db: Any
) -> None:
    configured = bounded(settings, persisted_queries_max_entries=20)
    app_documents = [document(f"app{n}") for n in range(5)]
    # The app registers its documents on one machine, then asks for them by hash on
    # another, as Apollo's link does on every later request.
    async with running_api(configured) as api:
        for text in app_documents:
            await register(api, text, "192.0.2.1")
    async with running_api(configured) as api:
        for text in app_documents:
            assert (await by_hash(api, text)).json() == GYMS_DATA
        # A flood of padded documents from a hundred addresses fills the registry...
        for n in range(100):
            await register(api, document(f"junk{n}", 2000), next(_addresses))
    assert await db.persisted_queries.count_documents({}) == 20
    # ...and yet every document the app uses is still there, on any machine...
    new = document("appNext")
    async with running_api(configured) as api:
        for text in app_documents:
            assert (await by_hash(api, text)).json() == GYMS_DATA
        # ...and a new document of the app's next version is still registered.
        assert (await register(api, new, "192.0.2.1")).json() == GYMS_DATA
    async with running_api(configured) as api:
        assert (await by_hash(api, new)).json() == GYMS_DATA
    assert await db.persisted_queries.count_documents({}) <= 21
