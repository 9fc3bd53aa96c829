"""`python -m bench.layers --page comments`: where one application's request goes, by layer.

Callgrind (bench/instructions.py) counts a request's instructions but sees CPython's C
functions, not Python's: it cannot say which library ran them. This serves one page
`--requests` times in process (after a warm-up, caches warm, as the count does) under
cProfile and groups what it saw by the package of each function: the Python function
calls per request (deterministic: the same code makes the same calls) and the share of
the profiled time (cProfile's own overhead weighs on small functions: a guide, not a
count). The data set is bench/seed.py's, on an embedded database in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager

from bench.inprocess import SECRET, call, production_settings, quiet_production_logging
from bench.instructions import DB_NAME, PAGES, Page, _seed
from tools.embedded_db import EmbeddedMongo

# First match wins: (path fragment, layer).
LAYERS = (
    ("/graphql/", "graphql-core"),
    ("/strawberry/", "strawberry"),
    ("/pymongo/", "driver (pymongo, bson)"),
    ("/bson/", "driver (pymongo, bson)"),
    ("/beanie/", "ODM (beanie, pydantic)"),
    ("/pydantic", "ODM (beanie, pydantic)"),
    ("/starlette/", "HTTP (starlette)"),
    ("/site-packages/", "other libraries"),
    ("/asyncio/", "asyncio"),
    ("/lib/python3", "stdlib"),
    (f"{Path(__file__).resolve().parent.parent}/", "project: {}"),  # this checkout
)


def layer_of(filename: str) -> str:
    for fragment, layer in LAYERS:
        if fragment in filename:
            if "{}" in layer:
                package = filename.split("/")[-2]
                return layer.format(package)
            return layer
    return "builtins (C)" if filename.startswith(("~", "<")) else "other"


async def _profile(app_name: str, page: Page, url: str, requests: int) -> pstats.Stats:
    from api.app import create_app
    from bench.raw_endpoint import create_app as create_raw_app

    with tempfile.TemporaryDirectory(prefix="layers-") as data_dir:
        if app_name == "api":
            app: Any = create_app(production_settings(url, DB_NAME, data_dir))
            body = json.dumps({"query": page.query, "variables": page.variables}).encode()
            method, path = "POST", "/graphql"
        else:
            app, body, method, path = (
                create_raw_app(url, DB_NAME, SECRET),
                b"",
                "GET",
                page.raw_path,
            )
        async with LifespanManager(app) as lifespan:
            state = dict(lifespan._state)
            for _ in range(20):
                await call(app, state, method, path, body, page.token)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                await call(app, state, method, path, body, page.token)
            profiler.disable()
    return pstats.Stats(profiler)


def by_layer(stats: pstats.Stats, requests: int) -> list[tuple[str, float, float]]:
    calls: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, ncalls, tottime, _, _) in raw.items():
        if "poll' of 'select." in function or "of '_socket.socket'" in function:
            continue  # waiting for the database or the kernel: not this process's work
        layer = layer_of(filename)
        calls[layer] += ncalls
        seconds[layer] += tottime
    total = sum(seconds.values())
    return [
        (layer, calls[layer] / requests, seconds[layer] / total)
        for layer, _ in seconds.most_common()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--page", choices=PAGES, required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=0, help="also the top functions")
    parser.add_argument(
        "--sort", default="tottime", help="the top functions' order: tottime, ncalls, cumtime"
    )
    parser.add_argument("--apps", default="raw,api", help="comma-separated: raw, api")
    args = parser.parse_args()
    quiet_production_logging()
    with tempfile.TemporaryDirectory(prefix="layers-db-") as db_dir:
        database = EmbeddedMongo(db_dir)
        url = database.start()
        try:
            page = asyncio.run(_seed(url))[args.page]
            for app_name in args.apps.split(","):
                stats = asyncio.run(_profile(app_name, page, url, args.requests))
                print(f"{app_name}: Python calls per request, share of profiled time")
                for layer, calls, share in by_layer(stats, args.requests):
                    print(f"  {layer:28} {calls:8.0f}  {share:6.1%}")
                if args.top:
                    stats.sort_stats(args.sort).print_stats(args.top)
        finally:
            database.stop()


if __name__ == "__main__":
    main()
