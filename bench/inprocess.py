"""`python -m bench.inprocess`: the feed page's CPU outside the database, API vs raw.

`make bench` is the measure of record, but its numbers move by 10-20 % between runs on a
shared machine, too much to judge a change worth 5 %. This measures what a change to the
API's own code moves, and little else: both applications are called in this process
(ASGI, no HTTP server), their database reads answered from a first real answer kept in
memory (VideoRepository._views, UserRepository.cards and AudienceRepository.of for the
API, RawApi._videos for the raw endpoint), so what is timed is everything each does per
feed request except the driver's round trips. It takes the CPU time of `--requests`
requests, `--rounds` times, alternating the two, and prints the minimum and median per
request.

It seeds a small data set (300 videos) in an in-memory embedded database; the page asked
for is the first one, 20 videos, as the `feed` scenario of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient
from starlette.types import ASGIApp, Message

import bench.seed as bench_seed
from api.app import create_app
from api.logging_setup import configure_logging
from api.settings import Settings
from bench.raw_endpoint import RawApi
from bench.raw_endpoint import create_app as create_raw_app
from bench.run import tokens_for
from bench.scenarios import FEED_PAGE
from models.user import AudienceRepository, UserRepository
from models.video import VideoRepository
from tools.embedded_db import EmbeddedMongo

SECRET = "inprocess-" + "x" * 32  # a throwaway key for the tokens made here
DB_NAME = "inprocess"


async def call(
    app: ASGIApp, state: dict[str, Any], method: str, path: str, body: bytes, token: str
) -> tuple[int, bytes]:
    """One HTTP request through the app's ASGI interface; its status and body."""
    target, _, query = path.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]  # fmt: skip
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": target, "raw_path": target.encode(),
        "query_string": query.encode(), "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("bench", 80), "state": dict(state),
    }  # fmt: skip
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:  # nothing more: wait as a client that keeps the connection would
            await asyncio.Event().wait()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@contextmanager
def first_answers_kept() -> Iterator[None]:
    """Answer each patched read with its first real answer from then on."""
    kept: dict[str, Any] = {}
    originals = (
        VideoRepository._views, UserRepository.cards, RawApi._videos, AudienceRepository.of
    )  # fmt: skip

    def keeping(name: str, read: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def replay(*args: Any) -> Any:
            if name not in kept:
                kept[name] = await read(*args)
            found = kept[name]
            return list(found) if isinstance(found, list) else found  # an Audience is frozen

        return replay

    VideoRepository._views = keeping("videos", originals[0])  # type: ignore[method-assign]
    UserRepository.cards = keeping("users", originals[1])  # type: ignore[method-assign]
    RawApi._videos = keeping("raw", originals[2])  # type: ignore[method-assign]
    AudienceRepository.of = keeping("audience", originals[3])  # type: ignore[method-assign]
    try:
        yield
    finally:
        VideoRepository._views, UserRepository.cards = originals[:2]  # type: ignore[method-assign]
        RawApi._videos, AudienceRepository.of = originals[2:]  # type: ignore[method-assign]


def production_settings(url: str, db: str, data_dir: str) -> Settings:
    """The API as production runs it, on dummy R2 and SMTP settings no request uses."""
    return Settings(
        _env_file=None, app_env="production", mongodb_url=url, mongodb_db=db,
        jwt_secret=SECRET, r2_account_id="bench", r2_access_key="bench",
        r2_secret_key="bench",  # noqa: S106 - dummies: production requires R2 settings
        r2_bucket="bench", r2_public_url="https://m.invalid",
        smtp_url="smtp://bench.invalid", email_from="bench@bench.invalid",
        data_dir=data_dir,
    )  # fmt: skip


def quiet_production_logging() -> None:
    """Production logging (one JSON access line per request), written nowhere: its CPU
    counts as in production, its lines do not flood the terminal."""
    configure_logging("INFO", json_lines=True)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run


def small_data_set() -> None:
    """bench.seed's shape, scaled down: seeding and first answers take seconds."""
    bench_seed.USERS, bench_seed.ACTIVE, bench_seed.VIDEOS = 3_100, 100, 300
    bench_seed.HOT_LIKES, bench_seed.HOT_AT, bench_seed.COLD_AT = 3_000, 100, 200


async def measure(requests: int, rounds: int) -> dict[str, list[float]]:
    small_data_set()
    database = EmbeddedMongo(":memory:")
    url = database.start()
    try:
        async with AsyncMongoClient[dict[str, Any]](url, tz_aware=True) as client:
            fixture = await bench_seed.seed(client[DB_NAME])
        token = tokens_for(fixture, SECRET)[0]
        with tempfile.TemporaryDirectory(prefix="inprocess-") as data_dir:
            settings = production_settings(url, DB_NAME, data_dir)
            api, raw = create_app(settings), create_raw_app(url, DB_NAME, SECRET)
            body = json.dumps({"query": FEED_PAGE, "variables": {"first": 20}}).encode()
            async with LifespanManager(api) as lifespan, LifespanManager(raw):
                state = dict(lifespan._state)
                targets: dict[str, Callable[[], Awaitable[tuple[int, bytes]]]] = {
                    "raw": lambda: call(raw, {}, "GET", "/feed?first=20", b"", token),
                    "api": lambda: call(api, state, "POST", "/graphql", body, token),
                }
                with first_answers_kept():
                    answers = [await target() for target in targets.values()]
                    if json.loads(answers[0][1]) != json.loads(answers[1][1]):
                        raise SystemExit("the two answers differ: nothing to compare")
                    return await _rounds(targets, requests, rounds)
    finally:
        database.stop()


async def _rounds(
    targets: dict[str, Callable[[], Awaitable[Any]]], requests: int, rounds: int
) -> dict[str, list[float]]:
    for target in targets.values():  # warm up: caches, first-call imports
        for _ in range(200):
            await target()
    cpu_ms: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, target in targets.items():
            started = time.process_time()
            for _ in range(requests):
                await target()
            cpu_ms[name].append((time.process_time() - started) * 1000 / requests)
    return cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="per round and target")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    quiet_production_logging()
    cpu_ms = asyncio.run(measure(args.requests, args.rounds))
    for name, values in cpu_ms.items():
        print(f"{name}: CPU per feed request outside the database: "
              f"min {min(values):.3f} ms, median {statistics.median(values):.3f} ms")  # fmt: skip
    ratio = min(cpu_ms["api"]) / min(cpu_ms["raw"])
    print(f"api / raw (minimums): {ratio:.2f}x")


if __name__ == "__main__":
    main()
