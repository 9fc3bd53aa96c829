"""Prometheus metrics on their own port: counters by operation and outcome move as
requests arrive; the public port does not serve them."""

from __future__ import annotations

import hashlib
import json
import socket
import string
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from api.metrics import MAX_LABEL_LENGTH, MAX_OPERATIONS, OTHER_OPERATION, Metrics
from api.settings import Settings
from tests.support.app import running_api

GYMS = "query Gyms { gyms { name } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests(
    scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], operation: str, outcome: str
) -> float:
    key = ("graphql_requests_total", (("operation", operation), ("outcome", outcome)))
    return scraped.get(key, 0.0)


async def test_counters_move_as_requests_arrive(settings: Settings) -> None:
    port = free_port()
    settings = settings.model_copy(update={"metrics_port": port, "host": "127.0.0.1"})
    async with running_api(settings) as api, httpx.AsyncClient() as scraper:
        url = f"http://127.0.0.1:{port}/metrics"
        for _ in range(3):
            assert (await api.post(GYMS)).json() == {"data": {"gyms": []}}
        await api.post("query Me { me { id } }")
        await api.http.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})
        scraped = samples((await scraper.get(url)).text)
        # Labelled by the root field the schema knows, whatever the client named them.
        assert requests(scraped, "gyms", "ok") == 3
        assert requests(scraped, "me", "UNAUTHENTICATED") == 1
        assert requests(scraped, "-", "BAD_REQUEST") == 1
        key = ("graphql_request_duration_seconds_count", (("operation", "gyms"),))
        assert scraped[key] == 3
        assert ("http_requests_in_flight", ()) in scraped
        finds = ("mongodb_commands_total", (("command", "find"), ("result", "ok")))
        assert scraped[finds] >= 3  # the gyms, three times
        assert any(name == "process_resident_memory_bytes" for name, _ in scraped)

        await api.post(GYMS)
        assert requests(samples((await scraper.get(url)).text), "gyms", "ok") == 4

        # The public port serves no metrics.
        assert (await api.http.get("/metrics")).status_code == 404


def _scrape(metrics: Metrics) -> str:
    return generate_latest(metrics.registry).decode()


def _operations(text: str) -> set[str]:
    return {
        dict(labels)["operation"]
        for name, labels in samples(text)
        if name == "graphql_requests_total"
    }


# GraphQL names, up to 20,000 characters (one token each, so within the document limits).
_names = st.builds(
    lambda head, tail, length: head + tail * length,
    st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=1),
    st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=30),
    st.integers(min_value=1, max_value=600),
).filter(lambda name: len(name) <= 20_000)


@settings_for_hypothesis(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(_names, min_size=1, max_size=20, unique=True))
async def test_client_chosen_operation_names_never_become_labels(
    settings: Settings, names: list[str]
) -> None:
    """Long invented operation names, many of them: the scrape keeps the schema's root
    fields as labels, stays small, and the real operations are still counted as
    themselves afterwards."""
    port = free_port()
    configured = settings.model_copy(update={"metrics_port": port, "host": "127.0.0.1"})
    async with running_api(configured) as api, httpx.AsyncClient() as scraper:
        url = f"http://127.0.0.1:{port}/metrics"
        before = len((await scraper.get(url)).content)
        for name in names:
            await api.post(f"query {name} {{ gyms {{ name }} }}")
            await api.post(f"query {name} {{ {name} }}")  # not a field the schema has
            await api.post(f"mutation {name} {{ logoutEverywhere }}")
        await api.post(GYMS)
        text = (await scraper.get(url)).text
        operations = _operations(text)
        assert operations <= {"gyms", "logoutEverywhere", "-"}, operations
        assert requests(samples(text), "gyms", "ok") == len(names) + 1
        assert all(len(operation) <= MAX_LABEL_LENGTH for operation in operations)
        # The scrape grew by a few series, not by the names' bytes.
        assert len(text) < before + 20_000
        assert not any(name in text for name in names if len(name) > 8)


async def test_trusted_documents_keep_their_names(settings: Settings, tmp_path: Path) -> None:
    body = "query GymsForTheMap { gyms { name location } }"
    path = tmp_path / "manifest.json"
    operation = {
        "id": hashlib.sha256(body.encode()).hexdigest(),
        "body": body,
        "name": "GymsForTheMap",
        "type": "query",
    }
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    port = free_port()
    configured = settings.model_copy(
        update={"metrics_port": port, "host": "127.0.0.1", "persisted_queries_manifest": path}
    )
    async with running_api(configured) as api, httpx.AsyncClient() as scraper:
        await api.post(body)
        await api.post("query MadeUp { gyms { name } }")
        scraped = samples((await scraper.get(f"http://127.0.0.1:{port}/metrics")).text)
    assert requests(scraped, "GymsForTheMap", "ok") == 1
    assert requests(scraped, "gyms", "ok") == 1
    assert requests(scraped, "MadeUp", "ok") == 0


def test_the_label_set_has_a_last_wall() -> None:
    metrics = Metrics()
    for n in range(MAX_OPERATIONS + 50):
        metrics.observe(metrics.label(None, f"field{n}"), "ok", 0.01)
    text = _scrape(metrics)
    assert len(_operations(text)) == MAX_OPERATIONS + 1
    assert requests(samples(text), OTHER_OPERATION, "ok") == 50


def test_metrics_never_share_the_public_port() -> None:
    with pytest.raises(ValidationError, match="METRICS_PORT"):
        Settings(_env_file=None, port=8080, metrics_port=8080)
