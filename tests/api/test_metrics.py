"""Prometheus metrics on their own port: counters by operation and outcome move as
requests arrive; the public port does not serve them."""

from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from api.metrics import MAX_OPERATIONS, OTHER_OPERATION, Metrics
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
        assert requests(scraped, "Gyms", "ok") == 3
        assert requests(scraped, "Me", "UNAUTHENTICATED") == 1
        assert requests(scraped, "-", "BAD_REQUEST") == 1
        key = ("graphql_request_duration_seconds_count", (("operation", "Gyms"),))
        assert scraped[key] == 3
        assert ("http_requests_in_flight", ()) in scraped
        finds = ("mongodb_commands_total", (("command", "find"), ("result", "ok")))
        assert scraped[finds] >= 3  # the gyms, three times
        assert any(name == "process_resident_memory_bytes" for name, _ in scraped)

        await api.post(GYMS)
        assert requests(samples((await scraper.get(url)).text), "Gyms", "ok") == 4

        # The public port serves no metrics.
        assert (await api.http.get("/metrics")).status_code == 404


def test_client_chosen_operation_names_are_bounded() -> None:
    metrics = Metrics()
    for n in range(MAX_OPERATIONS + 50):
        metrics.observe(f"Op{n}", "ok", 0.01)
    scraped = samples(
        "\n".join(
            line
            for line in __import__("prometheus_client")
            .generate_latest(metrics.registry)
            .decode()
            .splitlines()
        )
    )
    operations = {
        dict(labels)["operation"] for name, labels in scraped if name == "graphql_requests_total"
    }
    assert len(operations) == MAX_OPERATIONS + 1
    assert requests(scraped, OTHER_OPERATION, "ok") == 50


def test_metrics_never_share_the_public_port() -> None:
    with pytest.raises(ValidationError, match="METRICS_PORT"):
        Settings(_env_file=None, port=8080, metrics_port=8080)
