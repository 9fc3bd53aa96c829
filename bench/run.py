"""`make bench` / `python -m bench`: seed, start, load, measure, report.

Against the embedded SecantusDB (a temporary storage directory) unless MONGODB_URL
names another MongoDB wire-protocol server; there, a fresh database is seeded and
dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.uri_parser import parse_uri

from api.settings import Settings
from bench import index_check, procstat, report
from bench.measure import CONNECTIONS, Driver, Sample, measure
from bench.proxy import CountingProxy
from bench.seed import Fixture, seed
from bench.servers import REPO, Server, api_env, api_server, bench_secret, free_port, raw_server
from bench.startup import import_time
from kit.tokens import TokenService
from tools.embedded_db import EmbeddedMongo

RESULTS = REPO / "bench" / "results"
COLD_STARTS = 3


# How long the API idles after the login burst before its RSS is read.
IDLE_AFTER_LOGINS_S = 3.0


@dataclass(frozen=True)
class Step:
    scenario: str
    requests: int  # at most this many measured requests...
    seconds: float  # ...and for at most this long
    raw_too: bool = True
    warmup: int = 150
    # "replayed": the proxy answers reads it has seen before (bench/proxy.py), so the
    # servers run at full speed instead of waiting ~300 ms per feed page on SecantusDB.
    db: str = "live"
    api_first: bool = False  # the API's load before the raw endpoint's, not after


PLAN = (
    # The feed side by side, CPU-bound: what the CPU targets are about. Each comparison
    # runs A B B A (raw API API raw; the 0-like page, the 10k-like page, then back), so
    # that drift in the shared machine's speed falls on both sides alike.
    Step("feed", 1500, 5, db="replayed"),
    Step("feed", 1500, 5, db="replayed", api_first=True),
    Step("feed_0_likes", 1500, 5, db="replayed"),
    Step("feed_10k_likes", 1500, 5, db="replayed", api_first=True),
    Step("feed_10k_likes", 1500, 5, db="replayed"),
    Step("feed_0_likes", 1500, 5, db="replayed", api_first=True),
    # The same pages with the database really answering (bound by SecantusDB).
    Step("feed", 1000, 10, warmup=16),
    Step("feed_0_likes", 1000, 10, warmup=16, raw_too=False),
    Step("feed_10k_likes", 1000, 10, warmup=16, raw_too=False),
    Step("video", 3000, 8),
    Step("me", 3000, 8),
    Step("my_croix", 1500, 8, raw_too=False),
    Step("like_unlike", 2000, 8, raw_too=False),
)


# --- database -----------------------------------------------------------------------


@contextlib.contextmanager
def database(workdir: Path) -> Iterator[tuple[str, str, int | None]]:
    """(url, database name, pid of the embedded server or None); cleaned up on exit."""
    external = os.environ.get("MONGODB_URL")
    if not external:
        with EmbeddedMongo(workdir / "db") as server:
            process = getattr(server, "_process", None)
            yield server.url, "bench", None if process is None else process.pid
        return
    name = f"bench_{secrets.token_hex(4)}"
    try:
        yield external, name, None
    finally:
        asyncio.run(_drop(external, name))


async def _drop(url: str, name: str) -> None:
    async with AsyncMongoClient[dict[str, Any]](url) as client:
        await client.drop_database(name)


async def _seed(url: str, name: str) -> Fixture:
    async with AsyncMongoClient[dict[str, Any]](url, tz_aware=True) as client:
        return await seed(client[name])


def proxied(url: str) -> tuple[str, CountingProxy | None]:
    """A URL reaching `url` through a counting proxy, when it names a single plain host
    (TLS would hide the commands; several hosts need the driver's own discovery)."""
    parsed = parse_uri(url)
    tls = parsed["options"].get("tls") or parsed["options"].get("ssl")
    if url.startswith("mongodb+srv://") or len(parsed["nodelist"]) != 1 or tls:
        print("note: this MONGODB_URL cannot be proxied: database round trips are not counted")
        return url, None
    host, port = parsed["nodelist"][0]
    proxy = CountingProxy(host, port)
    proxy.start()
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    query = "&".join(q for q in (parts.query, "directConnection=true") if q)
    return urlunsplit((parts.scheme, netloc, parts.path or "/", query, "")), proxy


# --- the run ------------------------------------------------------------------------


def tokens_for(fixture: Fixture, secret: str) -> list[str]:
    defaults = Settings(_env_file=None, jwt_secret=secret)
    service = TokenService(
        secret,
        issuer=defaults.jwt_issuer,
        audience=defaults.jwt_audience,
        ttl_seconds=3600,
        leeway_seconds=defaults.jwt_leeway_seconds,
    )
    return [service.issue(ObjectId(user_id), 0) for user_id in fixture.viewer_ids]


def cold_starts(make: Callable[[], Server], runs: int) -> tuple[Server, list[float]]:
    """Start `runs` times (all but the last stopped again); the last one keeps serving."""
    times = []
    for attempt in range(runs):
        server = make()
        times.append(server.start())
        if attempt < runs - 1:
            server.stop()
    return server, times


@dataclass
class Bench:
    driver: Driver
    api: Server
    raw: Server
    api_proxy: CountingProxy | None
    raw_proxy: CountingProxy | None
    db_pid: int | None
    quick: bool
    plan: tuple[Step, ...] = PLAN
    logins: bool = True
    rss_after_logins_mb: float | None = None

    def load(self) -> list[dict[str, Any]]:
        """Every step of the plan, then the logins; one row per scenario, target, mode."""
        samples: dict[tuple[str, str, str], Sample] = {}
        scale = 0.2 if self.quick else 1.0
        for step in self.plan:
            targets = [(self.raw, self.raw_proxy)] if step.raw_too else []
            api = [(self.api, self.api_proxy)]
            for server, proxy in [*api, *targets] if step.api_first else [*targets, *api]:
                print(f"{step.scenario} ({step.db}) -> {server.name}", flush=True)
                sample = measure(
                    self.driver, server, proxy, self.db_pid,
                    scenario=step.scenario,
                    requests=max(50, int(step.requests * scale)),
                    seconds=step.seconds * scale,
                    warmup=step.warmup,
                    replayed=step.db == "replayed",
                )  # fmt: skip
                if sample.key in samples:
                    samples[sample.key].add(sample)
                else:
                    samples[sample.key] = sample
        if not self.logins:
            return [sample.row() for sample in samples.values()]
        print("100 concurrent logins -> api", flush=True)
        logins = measure(
            self.driver, self.api, self.api_proxy, self.db_pid,
            scenario="login", requests=100, seconds=120, connections=100,
        )  # fmt: skip
        # Once idle again: does the memory the argon2id buffers took come back?
        time.sleep(IDLE_AFTER_LOGINS_S)
        self.rss_after_logins_mb = procstat.rss_mb(self.api.pid)
        return [sample.row() for sample in [*samples.values(), logins]]


def select(only: set[str] | None, db: str | None) -> tuple[tuple[Step, ...], bool]:
    """The plan's steps for these scenarios and database mode (None: all), and whether
    the logins run: for a quicker look at one part while working on it."""
    known = {step.scenario for step in PLAN} | {"login"}
    if only is not None and only - known:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(only - known))}")
    plan = tuple(
        step
        for step in PLAN
        if (only is None or step.scenario in only) and (db is None or step.db == db)
    )
    return plan, only is None or "login" in only


def run(
    quick: bool,
    plan: tuple[Step, ...] = PLAN,
    logins: bool = True,
    profile: Path | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        # Production's dependencies only (`make bench`), or the dev venv's (`python -m bench`).
        "servers_venv": "production" if os.environ.get("BENCH_SERVER_PYTHON") else "dev",
        "connections": CONNECTIONS,
        "database": "external (MONGODB_URL)" if os.environ.get("MONGODB_URL") else "embedded",
        "quick": quick,
    }
    print("import time", flush=True)
    results["import"] = import_time()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, database(Path(tmp)) as found:
        url, db_name, db_pid = found
        workdir = Path(tmp)
        print("seeding", flush=True)
        started = time.perf_counter()
        fixture = asyncio.run(_seed(url, db_name))
        results["seed"] = {"seconds": time.perf_counter() - started, **fixture.counts}
        secret = bench_secret()
        fixture_path = workdir / "fixture.json"
        fixture_path.write_text(
            json.dumps({**fixture.to_json(), "tokens": tokens_for(fixture, secret)})
        )
        logs = RESULTS / "logs"  # the servers' output, kept for a look after the run
        logs.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            api_url, api_proxy = proxied(url)
            raw_url, raw_proxy = proxied(url)
            for proxy in (api_proxy, raw_proxy):
                if proxy is not None:
                    stack.callback(proxy.stop)
            api_port, raw_port = free_port(), free_port()
            print("cold starts", flush=True)
            api_env_ = api_env(api_url, db_name, secret, api_port, workdir)
            api, api_starts = cold_starts(
                lambda: api_server(api_env_, api_port, logs, profile), COLD_STARTS
            )
            stack.callback(api.stop)
            raw_env = api_env(raw_url, db_name, secret, raw_port, workdir)
            raw, raw_starts = cold_starts(lambda: raw_server(raw_env, raw_port, logs, profile), 1)
            stack.callback(raw.stop)
            driver = Driver(fixture_path)
            stack.callback(driver.stop)
            time.sleep(1.0)  # settle before reading the idle footprint
            results["cold_start_s"] = {
                "api_runs": api_starts,
                "api_median": statistics.median(api_starts),
                "raw": raw_starts[0],
            }
            rss = {"api_after_start": procstat.rss_mb(api.pid), "raw": procstat.rss_mb(raw.pid)}
            bench = Bench(driver, api, raw, api_proxy, raw_proxy, db_pid, quick, plan, logins)
            results["scenarios"] = bench.load()
            rss["api_after_load"] = procstat.rss_mb(api.pid)
            if api_proxy is not None:
                results["indexes"] = index_check.audit(api_proxy.sample(), url, db_name)
            if bench.rss_after_logins_mb is not None:
                rss["api_after_logins"] = bench.rss_after_logins_mb
            results["rss_mb"] = rss
    results["targets"] = report.targets(results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fifth of the load (a sanity run)")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/...)")
    parser.add_argument(
        "--only", help="comma-separated scenarios to run (e.g. feed,feed_0_likes); default all"
    )
    parser.add_argument("--db", choices=("replayed", "live"), help="only the steps in this mode")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run both servers under cProfile, writing api.prof and raw.prof to this directory",
    )
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    only = None if args.only is None else {name.strip() for name in args.only.split(",")}
    plan, logins = select(only, args.db)
    results = run(args.quick, plan, logins, args.profile)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out: Path = args.out or RESULTS / f"bench-{stamp}.json"
    text = json.dumps(results, indent=2)
    out.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(report.table(results))
    print(f"\nwritten: {out}")
