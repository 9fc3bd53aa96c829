"""`python -m bench.instructions`: instructions per feed request, API vs the honest limit.

CPU seconds on a shared 2-core machine move by 10-20 % from run to run; the number of
instructions a request executes does not (issue 28). Each application (the API, and
the hand-written endpoint of bench/raw_endpoint.py, which checks the token and applies
the audience rule as the API does) runs in its own process under valgrind's callgrind,
the database in another (an embedded SecantusDB, not counted). The process builds the
application, serves `--warmup` requests uncounted, then `--requests` counted ones:
callgrind starts with instrumentation off (`--instr-atstart=no`) and a tiny C library,
compiled here with gcc against valgrind's own `callgrind.h`, turns it on and off around
the measured loop (callgrind's client requests: Python has no way to issue them).

What is measured is a steady state: caches warm (the verified-token memo, the token
version, the viewer's audience, the parsed document), their clocks stood still so that a
run slowed 50-fold by valgrind does not see a 10 s entry expire; string hashing seeded
(PYTHONHASHSEED) so that two runs execute the same code. Each measure runs twice and
the output says whether the two agree within 2 %.

Pages (20 videos, a signed-in viewer, the bench data set): `feed` (the first page),
`hot` (20 videos with 10,000 likes each) and `cold` (its twin without a like).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

import bench.seed as bench_seed
from bench.inprocess import SECRET, call, production_settings, quiet_production_logging
from bench.run import tokens_for
from bench.scenarios import FEED_PAGE
from tools.embedded_db import EmbeddedMongo

DB_NAME = "instructions"
PAGES = ("feed", "hot", "cold")
AGREEMENT = 0.02  # two runs of one measure must agree this closely
_MARKERS_C = """
#include <valgrind/callgrind.h>
void pb_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void pb_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def build_markers(directory: Path) -> Path:
    """The client-request library: instrumentation on and off, from Python via ctypes."""
    source, library = directory / "markers.c", directory / "libpbmarkers.so"
    source.write_text(_MARKERS_C)
    subprocess.run(  # noqa: S603 - fixed arguments
        ["gcc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)],  # noqa: S607
        check=True,
    )
    return library


def _stand_clocks_still() -> None:
    """The caches' monotonic clocks (kit/cache.py, bench/raw_viewer.py) stop here."""
    import time

    import bench.raw_viewer
    import kit.cache

    now = time.monotonic()
    still = SimpleNamespace(monotonic=lambda: now, time=time.time)
    kit.cache.time = still  # type: ignore[attr-defined,assignment]
    bench.raw_viewer.time = still  # type: ignore[attr-defined,assignment]


async def _serve(args: argparse.Namespace) -> None:
    """The child: build one application, warm it up, count `requests` requests."""
    from api.app import create_app
    from bench.raw_endpoint import create_app as create_raw_app

    quiet_production_logging()
    _stand_clocks_still()
    markers = ctypes.CDLL(args.markers)
    after = args.after or None
    with tempfile.TemporaryDirectory(prefix="instructions-") as data_dir:
        if args.app == "api":
            settings = production_settings(args.url, DB_NAME, data_dir)
            # The periodic sweeps would run whenever the slowed-down loop crosses their
            # period: as often as the machine is slow. Once, at start, as ever.
            settings.deletion_sweep_seconds = 86_400
            app: Any = create_app(settings)
            variables = {"first": 20, "after": after}
            body = json.dumps({"query": FEED_PAGE, "variables": variables}).encode()
            method, path = "POST", "/graphql"
        else:
            app = create_raw_app(args.url, DB_NAME, SECRET)
            body, method = b"", "GET"
            path = "/feed?first=20" + (f"&after={after}" if after else "")
        async with LifespanManager(app) as lifespan:
            state = dict(lifespan._state)
            for _ in range(args.warmup):
                status, answer = await call(app, state, method, path, body, args.token)
                if status != 200 or b'"errors"' in answer:
                    raise SystemExit(f"{args.app}: {status} {answer[:300]!r}")
            markers.pb_start()
            for _ in range(args.requests):
                await call(app, state, method, path, body, args.token)
            markers.pb_stop()


def _count(
    app: str, url: str, token: str, after: str, markers: Path, requests: int, warmup: int
) -> float:
    """Instructions per request of one application on one page, under callgrind."""
    # The driver's monitor says hello to the server every 10 s of wall time: as many
    # times in the counted loop as the machine is slow. Not within a measure's lifetime.
    url += "&heartbeatFrequencyMS=3600000" if "?" in url else "?heartbeatFrequencyMS=3600000"
    with tempfile.TemporaryDirectory(prefix="callgrind-") as out:
        out_file = Path(out) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={out_file}",
            sys.executable, "-m", "bench.instructions", "--child", app, "--url", url,
            "--token", token, "--after", after, "--markers", str(markers),
            "--requests", str(requests), "--warmup", str(warmup),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(f"{app} under callgrind failed:\n{done.stderr[-3000:]}")
        # `totals:` counts the whole run; the `summary:` line stands at 0 after ZERO_STATS.
        totals = re.search(r"^totals: (\d+)", out_file.read_text(), re.MULTILINE)
        if totals is None:
            raise SystemExit(f"no totals in callgrind's output for {app}")
        return int(totals.group(1)) / requests


async def _seed(url: str) -> tuple[str, dict[str, str]]:
    async with AsyncMongoClient[dict[str, Any]](url, tz_aware=True) as client:
        fixture = await bench_seed.seed(client[DB_NAME])
    afters = {"feed": "", "hot": fixture.hot_cursor, "cold": fixture.cold_cursor}
    return tokens_for(fixture, SECRET)[0], afters


def measure(pages: tuple[str, ...], requests: int, warmup: int) -> dict[str, Any]:
    """Per page: each application's instructions per request (two runs) and the ratio."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="instructions-db-") as db_dir:
        database = EmbeddedMongo(db_dir)
        url = database.start()
        try:
            token, afters = asyncio.run(_seed(url))
            markers = build_markers(Path(db_dir))
            for page in pages:
                runs = {
                    app: [
                        _count(app, url, token, afters[page], markers, requests, warmup)
                        for _ in range(2)
                    ]
                    for app in ("raw", "api")
                }
                spread = {app: abs(a - b) / min(a, b) for app, (a, b) in runs.items()}
                results[page] = {
                    "instructions_per_request": runs,
                    "spread": spread,
                    "agree": all(value <= AGREEMENT for value in spread.values()),
                    "ratio": min(runs["api"]) / min(runs["raw"]),
                }
        finally:
            database.stop()
    return results


def report(results: dict[str, Any]) -> str:
    lines = ["instructions per feed request (callgrind; 20 videos, signed-in viewer)"]
    for page, result in results.items():
        raw, api = (result["instructions_per_request"][app] for app in ("raw", "api"))
        agreement = "agree" if result["agree"] else "DISAGREE"
        lines.append(
            f"  {page:5} raw {min(raw) / 1e6:6.2f} M  api {min(api) / 1e6:6.2f} M  "
            f"ratio {result['ratio']:.2f}x  (two runs {agreement}: raw "
            f"{result['spread']['raw']:.2%}, api {result['spread']['api']:.2%})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES)
    )
    parser.add_argument("--requests", type=int, default=100, help="counted, per run")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=("api", "raw"), help=argparse.SUPPRESS)
    for name in ("--url", "--token", "--after", "--markers"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.app = args.child
        asyncio.run(_serve(args))
        return
    pages = tuple(page for page in args.pages.split(",") if page)
    if unknown := set(pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    results = measure(pages, args.requests, args.warmup)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
