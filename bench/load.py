"""The load generator, a process of its own so its CPU is never counted as the server's.

`python -m bench.load FIXTURE.json` reads one JSON command per line on stdin:
  {"base": "http://127.0.0.1:8123", "scenario": "feed", "target": "api",
   "requests": 1500, "seconds": 20, "connections": 16}
runs it (at most `requests` requests, at most `seconds`), and answers one JSON line:
  {"count": ..., "failures": ["what went wrong", ...], "elapsed": ..., "latencies_ms": [...]}
Loopback only: it refuses any other host.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import uvloop

from bench.scenarios import SCENARIOS

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Load:
    def __init__(self, fixture: dict[str, Any]) -> None:
        self.fixture = fixture
        # Per (scenario, connection) request counters that survive between runs, so a
        # like/unlike walk continues where the warm-up left it.
        self.iterations: defaultdict[tuple[str, int], int] = defaultdict(int)

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        base: str = command["base"]
        if urlsplit(base).hostname not in LOOPBACK:
            raise ValueError(f"the load only targets loopback addresses, not {base}")
        api, raw = SCENARIOS[command["scenario"]]
        builder = api if command["target"] == "api" else raw
        assert builder is not None, "no hand-written endpoint for this scenario"
        connections = int(command["connections"])
        budget = int(command["requests"])
        deadline = time.perf_counter() + float(command["seconds"])
        latencies: list[float] = []
        failures: list[str] = []
        issued = 0

        connector = aiohttp.TCPConnector(limit=connections, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def worker(conn: int) -> None:
                nonlocal issued
                rng = random.Random(conn)
                while issued < budget and time.perf_counter() < deadline:
                    issued += 1
                    key = (command["scenario"], conn)
                    request = builder(self.fixture, conn, self.iterations[key], rng)
                    self.iterations[key] += 1
                    started = time.perf_counter()
                    problem = await _send(http, base, request)
                    latencies.append((time.perf_counter() - started) * 1000)
                    if problem:
                        failures.append(problem)

            started = time.perf_counter()
            await asyncio.gather(*(worker(c) for c in range(connections)))
            elapsed = time.perf_counter() - started
        return {
            "count": len(latencies),
            "failures": failures,
            "elapsed": elapsed,
            "latencies_ms": latencies,
        }


async def _send(http: aiohttp.ClientSession, base: str, request: Any) -> str | None:
    headers = {"content-type": "application/json"}
    if request.token:
        headers["authorization"] = f"Bearer {request.token}"
    try:
        async with http.request(
            request.method, base + request.path, data=request.body, headers=headers
        ) as response:
            body = await response.read()
    except aiohttp.ClientError as error:
        return f"{type(error).__name__}: {error}"
    if response.status != 200 or b'"errors"' in body:
        return f"{response.status}: {body[:300]!r}"
    return None


async def serve(fixture: dict[str, Any]) -> None:
    load = Load(fixture)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        result = await load.run(json.loads(line))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def main() -> None:
    with open(sys.argv[1]) as file:
        fixture = json.load(file)
    uvloop.run(serve(fixture))


if __name__ == "__main__":
    main()
