"""One measured run: load from the driver process, and what it cost the server.

A run reads the server's CPU time and the proxy's command counts before and after the
load; runs of the same scenario, target and database mode are pooled into one row
(the like-count comparison alternates its two pages, A B B A, so that drift in the
machine's speed falls on both alike).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procstat
from bench.proxy import AUDIENCE_READ, TOKEN_CHECK, CountingProxy
from bench.servers import REPO, Server

CONNECTIONS = 16


class Driver:
    """The load generator process (bench.load), one command at a time."""

    def __init__(self, fixture_path: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.load", str(fixture_path)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load generator died")
        result: dict[str, Any] = json.loads(line)
        return result

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


@dataclass
class Sample:
    """Raw totals of one or more runs of a scenario against one server."""

    scenario: str
    target: str
    db: str
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    db_cpu_s: float | None = None
    commands: Counter[str] | None = None
    peak_rss_mb: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        return self.scenario, self.target, self.db

    def add(self, other: Sample) -> None:
        self.latencies_ms += other.latencies_ms
        self.failures += other.failures
        self.elapsed_s += other.elapsed_s
        self.cpu_s += other.cpu_s
        if self.db_cpu_s is not None and other.db_cpu_s is not None:
            self.db_cpu_s += other.db_cpu_s
        if self.commands is not None and other.commands is not None:
            self.commands += other.commands
        self.peak_rss_mb = max(self.peak_rss_mb, other.peak_rss_mb)

    def row(self) -> dict[str, Any]:
        count = max(len(self.latencies_ms), 1)
        row: dict[str, Any] = {
            "scenario": self.scenario,
            "target": self.target,
            "db": self.db,
            "requests": len(self.latencies_ms),
            "failures": len(self.failures),
            "failure_sample": self.failures[:3],
            "rps": len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0,
            "p50_ms": _percentile(self.latencies_ms, 0.50),
            "p99_ms": _percentile(self.latencies_ms, 0.99),
            "cpu_ms_per_request": self.cpu_s * 1000 / count,
            "db_cpu_ms_per_request": None
            if self.db_cpu_s is None
            else self.db_cpu_s * 1000 / count,
            "peak_rss_mb": self.peak_rss_mb,
        }
        if self.commands is not None:
            commands = Counter(self.commands)
            # The token-version check (30 s) and the viewer's audience (10 s) are cached
            # per user (workflows/token_versions.py, workflows/audiences.py): counted
            # apart, as what they are, not as part of each request's queries.
            checks = commands.pop(TOKEN_CHECK, 0)
            audiences = commands.pop(AUDIENCE_READ, 0)
            row["db_round_trips_per_request"] = sum(commands.values()) / count
            row["token_checks_per_request"] = checks / count
            row["audience_reads_per_request"] = audiences / count
            row["db_commands_per_request"] = {k: v / count for k, v in sorted(commands.items())}
        return row


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _cpu(pid: int | None) -> float | None:
    return None if pid is None else procstat.cpu_seconds(pid)


def measure(
    driver: Driver,
    server: Server,
    proxy: CountingProxy | None,
    db_pid: int | None,
    *,
    scenario: str,
    requests: int,
    seconds: float,
    connections: int = CONNECTIONS,
    warmup: int = 0,
    replayed: bool = False,
) -> Sample:
    command = {"base": server.base, "scenario": scenario, "target": server.name}
    if proxy is not None:
        proxy.replay(replayed)
    try:
        if warmup:
            driver.run(**command, requests=warmup, seconds=seconds, connections=connections)
        procstat.reset_peak(server.pid)
        cpu, db_cpu = server.cpu_seconds(), _cpu(db_pid)
        commands = proxy.snapshot() if proxy else None
        done = driver.run(**command, requests=requests, seconds=seconds, connections=connections)
        cpu_after, db_cpu_after = server.cpu_seconds(), _cpu(db_pid)
    finally:
        if proxy is not None:
            proxy.replay(False)
    return Sample(
        scenario=scenario,
        target=server.name,
        db="replayed" if replayed and proxy is not None else "live",
        latencies_ms=done["latencies_ms"],
        failures=done["failures"],
        elapsed_s=done["elapsed"],
        cpu_s=cpu_after - cpu,
        db_cpu_s=None if db_cpu is None or db_cpu_after is None else db_cpu_after - db_cpu,
        commands=None if proxy is None or commands is None else proxy.snapshot() - commands,
        peak_rss_mb=procstat.peak_rss_mb(server.pid),
    )
