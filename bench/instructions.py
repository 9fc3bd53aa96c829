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

Pages (the bench data set, a signed-in viewer): `feed` (the first page of 20 videos),
`hot` (20 videos with 10,000 likes each) and `cold` (its twin without a like); the new
read paths (bench/seed_reads.py, bench/raw_reads.py, for a reader who follows, blocks and
is blocked): `comments` (a video's first 20 comments), `notifications` (the inbox's first
20 entries), `logbook_changes` (a pull 10 days after the last one) and `gym_circuits`
(a gym's circuits over 28 days).

Round trips: each application also serves each page outside valgrind, with a PyMongo
command listener counting the commands a request sends (after the same warm-up: caches
warm), and answers it; the two answers must be equal (the logbook's `timestamp` aside:
the clock moves) or the measure stops, so what is counted is equal work.
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
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient, monitoring

import bench.seed as bench_seed
from bench.inprocess import SECRET, call, production_settings, quiet_production_logging
from bench.run import tokens_for
from bench.scenarios import (
    COMMENTS_PAGE,
    FEED_PAGE,
    GYM_CIRCUITS,
    LOGBOOK_CHANGES,
    NOTIFICATIONS_PAGE,
)
from tools.embedded_db import EmbeddedMongo

DB_NAME = "instructions"
PAGES = ("feed", "hot", "cold", "comments", "notifications", "logbook_changes", "gym_circuits")
DEFAULT_PAGES = ("feed", "hot", "cold")
APPS = ("raw", "api")
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


@dataclass(frozen=True, slots=True)
class Page:
    """One page as each application is asked for it, and by whom."""

    query: str
    variables: dict[str, Any]
    raw_path: str
    token: str


class _Commands(monitoring.CommandListener):
    """Counts the commands the application sends (its round trips), when on."""

    def __init__(self) -> None:
        self.on, self.count = False, 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += self.on

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _serve(args: argparse.Namespace) -> None:
    """The child: build one application, warm it up, count `requests` requests (or,
    with --trips, count their round trips and print them with the answer)."""
    from api.app import create_app
    from bench.raw_endpoint import create_app as create_raw_app

    commands = _Commands()
    if args.trips:  # before any client exists: clients take the listeners made so far
        monitoring.register(commands)
    quiet_production_logging()
    _stand_clocks_still()
    markers = ctypes.CDLL(args.markers)
    with tempfile.TemporaryDirectory(prefix="instructions-") as data_dir:
        if args.app == "api":
            settings = production_settings(args.url, DB_NAME, data_dir)
            # The periodic sweeps would run whenever the slowed-down loop crosses their
            # period: as often as the machine is slow. Once, at start, as ever.
            settings.deletion_sweep_seconds = 86_400
            app: Any = create_app(settings)
            body = json.dumps({"query": args.query, "variables": json.loads(args.variables)})
            method, path, payload = "POST", "/graphql", body.encode()
        else:
            app = create_raw_app(args.url, DB_NAME, SECRET)
            method, path, payload = "GET", args.path, b""
        async with LifespanManager(app) as lifespan:
            state = dict(lifespan._state)
            for _ in range(args.warmup):
                status, answer = await call(app, state, method, path, payload, args.token)
                if status != 200 or b'"errors"' in answer:
                    raise SystemExit(f"{args.app}: {status} {answer[:300]!r}")
            if args.trips:
                commands.on = True
                for _ in range(args.requests):
                    status, answer = await call(app, state, method, path, payload, args.token)
                trips = commands.count / args.requests
                print(json.dumps({"trips": trips, "answer": json.loads(answer)}))
                return
            markers.pb_start()
            for _ in range(args.requests):
                await call(app, state, method, path, payload, args.token)
            markers.pb_stop()


def _child(app: str, url: str, page: Page, markers: Path, requests: int, warmup: int) -> list[str]:
    return [
        sys.executable, "-m", "bench.instructions", "--child", app, "--url", url,
        "--token", page.token, "--query", page.query,
        "--variables", json.dumps(page.variables), "--path", page.raw_path,
        "--markers", str(markers), "--requests", str(requests), "--warmup", str(warmup),
    ]  # fmt: skip


def _quiet_url(url: str) -> str:
    # The driver's monitor says hello to the server every 10 s of wall time: as many
    # times in the counted loop as the machine is slow. Not within a measure's lifetime.
    return url + ("&" if "?" in url else "?") + "heartbeatFrequencyMS=3600000"


def _round_trips(app: str, url: str, page: Page, markers: Path, warmup: int) -> dict[str, Any]:
    """Round trips per request and the answer, outside valgrind."""
    command = [*_child(app, _quiet_url(url), page, markers, 10, warmup), "--trips"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{app} (round trips) failed:\n{done.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _count(app: str, url: str, page: Page, markers: Path, requests: int, warmup: int) -> float:
    """Instructions per request of one application on one page, under callgrind."""
    with tempfile.TemporaryDirectory(prefix="callgrind-") as out:
        out_file = Path(out) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={out_file}",
            *_child(app, _quiet_url(url), page, markers, requests, warmup),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(f"{app} under callgrind failed:\n{done.stderr[-3000:]}")
        if keep := os.environ.get("BENCH_CALLGRIND_KEEP"):  # a directory: for callgrind_annotate
            Path(keep).mkdir(parents=True, exist_ok=True)
            name = page.raw_path.strip("/").split("?")[0].split("/")[0]
            (Path(keep) / f"callgrind.{name}.{app}").write_bytes(out_file.read_bytes())
        # `totals:` counts the whole run; the `summary:` line stands at 0 after ZERO_STATS.
        totals = re.search(r"^totals: (\d+)", out_file.read_text(), re.MULTILINE)
        if totals is None:
            raise SystemExit(f"no totals in callgrind's output for {app}")
        return int(totals.group(1)) / requests


async def _seed(url: str) -> dict[str, Page]:
    async with AsyncMongoClient[dict[str, Any]](url, tz_aware=True) as client:
        fixture = await bench_seed.seed(client[DB_NAME])
    tokens = tokens_for(fixture, SECRET)

    def feed(after: str | None) -> Page:
        path = "/feed?first=20" + (f"&after={after}" if after else "")
        return Page(FEED_PAGE, {"first": 20, "after": after}, path, tokens[0])

    pages = {"feed": feed(None), "hot": feed(fixture.hot_cursor), "cold": feed(fixture.cold_cursor)}
    reads = fixture.reads
    assert reads is not None
    token, video, gym = tokens[reads.reader], reads.comments_video_id, reads.gym_id
    pages["comments"] = Page(
        COMMENTS_PAGE, {"id": video, "first": 20}, f"/comments/{video}?first=20", token
    )
    pages["notifications"] = Page(
        NOTIFICATIONS_PAGE, {"first": 20}, "/notifications?first=20", token
    )
    since = reads.logbook_since
    pages["logbook_changes"] = Page(
        LOGBOOK_CHANGES, {"since": since}, f"/logbook_changes?since={since!r}", token
    )
    pages["gym_circuits"] = Page(GYM_CIRCUITS, {"gym": gym}, f"/gym_circuits/{gym}", token)
    return pages


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without what moves between two requests (the pull's clock)."""
    data = dict(answer.get("data") or {})
    if "logbookChanges" in data:
        data["logbookChanges"] = {**data["logbookChanges"], "timestamp": None}
    return data


def measure(pages: tuple[str, ...], requests: int, warmup: int) -> dict[str, Any]:
    """Per page: each application's instructions per request (two runs), the ratio, and
    each one's round trips per request."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="instructions-db-") as db_dir:
        database = EmbeddedMongo(db_dir)
        url = database.start()
        try:
            asked = asyncio.run(_seed(url))
            markers = build_markers(Path(db_dir))
            for name in pages:
                page = asked[name]
                trips = {app: _round_trips(app, url, page, markers, warmup) for app in APPS}
                if _comparable(trips["raw"]["answer"]) != _comparable(trips["api"]["answer"]):
                    raise SystemExit(f"{name}: the two answers differ, nothing to compare")
                runs = {
                    app: [_count(app, url, page, markers, requests, warmup) for _ in range(2)]
                    for app in APPS
                }
                spread = {app: abs(a - b) / min(a, b) for app, (a, b) in runs.items()}
                results[name] = {
                    "instructions_per_request": runs,
                    "spread": spread,
                    "agree": all(value <= AGREEMENT for value in spread.values()),
                    "ratio": min(runs["api"]) / min(runs["raw"]),
                    "round_trips": {app: trips[app]["trips"] for app in APPS},
                }
                print(report({name: results[name]}), flush=True)
        finally:
            database.stop()
    return results


def report(results: dict[str, Any]) -> str:
    lines = ["instructions per request (callgrind; signed-in viewer, caches warm)"]
    for page, result in results.items():
        raw, api = (result["instructions_per_request"][app] for app in APPS)
        trips = result["round_trips"]
        agreement = "agree" if result["agree"] else "DISAGREE"
        lines.append(
            f"  {page:15} raw {min(raw) / 1e6:6.2f} M  api {min(api) / 1e6:6.2f} M  "
            f"ratio {result['ratio']:.2f}x  round trips raw {trips['raw']:g}, api "
            f"{trips['api']:g}  (two runs {agreement}: raw "
            f"{result['spread']['raw']:.2%}, api {result['spread']['api']:.2%})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--pages", default=",".join(DEFAULT_PAGES), help="comma-separated: " + ", ".join(PAGES)
    )
    parser.add_argument("--requests", type=int, default=100, help="counted, per run")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=("api", "raw"), help=argparse.SUPPRESS)
    for name in ("--url", "--token", "--query", "--variables", "--path", "--markers"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--trips", action="store_true", help=argparse.SUPPRESS)
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
