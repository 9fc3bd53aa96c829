"""Prometheus metrics, served on their own port (METRICS_PORT), never the public one.

Requests to /graphql by operation name and outcome (`ok`, or the first error's
`extensions.code`; throttle refusals are `RATE_LIMITED`), their latency per operation,
requests in flight, MongoDB round trips by command, and the process (CPU, memory, open
files).

An operation's label never comes from raw client input: it is the operation name of a
trusted document (the deployment's manifest chose those, cut to MAX_LABEL_LENGTH), or
else the root field the operation selects, checked against the schema
(resolvers/extensions/operation_label.py). So the values are bounded by construction
(twice the schema's root fields, plus the manifest's names), and MAX_OPERATIONS, above
that bound, is a last wall that real operations never meet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)
from pymongo import monitoring

MAX_OPERATIONS = 500
MAX_LABEL_LENGTH = 64
ANONYMOUS_OPERATION = "-"  # no document, or none the schema knows
OTHER_OPERATION = "other"
# From a cached answer (~1 ms) to a slow page against a remote database.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, trusted_operations: Iterable[str] = ()) -> None:
        # A registry of the app's own (not the library's global one): one per app, so
        # apps built side by side (the tests) never share or clash.
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "graphql_requests",
            "GraphQL requests by operation name and outcome (ok, or the first error code).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "http_requests_in_flight",
            "HTTP requests being served.",
            registry=self.registry,
        )
        self.database_commands = Counter(
            "mongodb_commands",
            "Round trips to MongoDB by command (find, aggregate, update...) and result.",
            ["command", "result"],
            registry=self.registry,
        )
        self.build = Gauge(
            "app_build_info",
            "What is running: 1, labelled with the release, the git commit, the Fly image and "
            "the trusted-documents mode (only, listed, off).",
            ["release", "git_sha", "image_ref", "trusted_documents"],
            registry=self.registry,
        )
        self._operations: set[str] = set()
        self._lock = threading.Lock()
        self.trust_operations(trusted_operations)

    def trust_operations(self, names: Iterable[str]) -> None:
        """The operation names of the trusted documents, which may be label values."""
        self._trusted = frozenset(name[:MAX_LABEL_LENGTH] for name in names if name)

    def record_build(self, labels: dict[str, str]) -> None:
        self.build.labels(**labels).set(1)

    def database_listener(self) -> monitoring.CommandListener:
        return _CommandCounter(self.database_commands)

    def label(self, operation: str | None, root_field: str | None) -> str:
        """The label of a request named `operation` (by the client) selecting
        `root_field` (checked against the schema)."""
        if operation and operation[:MAX_LABEL_LENGTH] in self._trusted:
            return self._operation(operation[:MAX_LABEL_LENGTH])
        return self._operation(root_field[:MAX_LABEL_LENGTH] if root_field else None)

    def _operation(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS_OPERATION
        if name in self._operations:
            return name
        with self._lock:
            if len(self._operations) < MAX_OPERATIONS:
                self._operations.add(name)
                return name
        return OTHER_OPERATION

    def observe(self, label: str, outcome: str, seconds: float) -> None:
        """Count a request under `label`, made by `label()`."""
        self.requests.labels(label, outcome).inc()
        self.latency.labels(label).observe(seconds)


class _CommandCounter(monitoring.CommandListener):
    """Counts each command PyMongo sends once it is answered (or fails)."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.counter.labels(event.command_name, "ok").inc()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.counter.labels(event.command_name, "failed").inc()


class MetricsServer:
    """The scrape endpoint: prometheus_client's own small HTTP server, in a thread."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.metrics, self.host, self.port = metrics, host, port

    def start(self) -> None:
        self._server, self._thread = start_http_server(
            self.port, addr=self.host, registry=self.metrics.registry
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
