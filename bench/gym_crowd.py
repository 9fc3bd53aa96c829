"""The gym's crowd at scale (issue 27): gymCircuits, a ladder page and myLadderRank over a
gym of CLIMBERS climbers and CROIX croix, timed in process and round trips counted.

    python -m bench.gym_crowd [--climbers 500] [--croix 50000] [--spread-days 28]

Not part of `make bench`. It starts the embedded SecantusDB in a temporary directory
(or uses MONGODB_URL, in a database it drops), writes the croix straight into `sessions`
(10 croix a session, on days spread over the last `--spread-days` days, all in one gym),
then asks the app in process, as a signed-in climber, through httpx's ASGI transport.
SecantusDB answers from a scan, so its times are an upper bound of the embedded
database's, not MongoDB's; the README says what MongoDB does with the same index.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from typing import Any

from asgi_lifespan import LifespanManager
from beanie import init_beanie
from bson import ObjectId
from httpx import ASGITransport, AsyncClient
from pymongo import AsyncMongoClient, monitoring

from api.app import create_app
from api.settings import Settings
from models.registry import DOCUMENT_MODELS
from rules.climbing import FONT_GRADES, HOLD_COLORS, V_GRADES
from tools.embedded_db import EmbeddedMongo

CROIX_PER_SESSION = 10
ROUNDS = 5
SIGNUP = """mutation { signup(email: "bench@example.com", password: "correct horse 1",
  pseudo: "bencher") { token user { id } } }"""
CIRCUITS = """query($g: ID!) { gymCircuits(gym_id: $g) { color enough_data climber_count
  croix_count grades { grade count } crowd_grade flash_rate } }"""
LADDER = """query($g: ID!, $m: String!) { gymLadder(gym_id: $g, month: $m, first: 20) {
  edges { node { rank points sends hardest_grade user { id pseudo } } }
  pageInfo { hasNextPage } } }"""
MY_RANK = """query($g: ID!, $m: String!) { myLadderRank(gym_id: $g, month: $m) { rank points } }"""


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


COMMANDS = Commands()
monitoring.register(COMMANDS)


async def _seed(
    db: Any, climbers: int, croix: int, spread_days: int, today: dt.date
) -> tuple[ObjectId, list[ObjectId]]:
    await init_beanie(database=db, document_models=DOCUMENT_MODELS)
    rng = random.Random(27)
    now = dt.datetime.now(dt.UTC)
    users: list[dict[str, Any]] = [
        {"_id": ObjectId(), "email": f"c{n}@example.com", "email_normalized": f"c{n}@example.com",
         "pseudo": f"climber{n}", "pseudo_normalized": f"climber{n}", "password_hash": "-",
         "created_at": now, "withheld": [],
         "logbook_visibility": rng.choice(("PRIVATE", "FOLLOWERS", "PUBLIC"))}
        for n in range(climbers)
    ]  # fmt: skip
    await db.users.insert_many(users)
    gym_id = ObjectId()
    await db.gyms.insert_one({"_id": gym_id, "name": "Bench Bloc", "name_normalized": "bench bloc"})
    grades = [*FONT_GRADES[4:16], *V_GRADES[1:9]]
    sessions = []
    for n in range(croix // CROIX_PER_SESSION):
        day = today - dt.timedelta(days=rng.randrange(spread_days))
        date = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        user = users[n % climbers]["_id"]
        sessions.append({
            "_id": ObjectId(), "user_id": user, "date": date, "gym_id": gym_id,
            "auto_created": False, "created_at": date,
            "croix": [
                {"id": ObjectId(), "photo_url": f"https://media.example.com/p/{user}/{n}-{k}.jpg",
                 "color": rng.choice(HOLD_COLORS), "grade": rng.choice(grades),
                 "status": rng.choice(("TOP", "TOP", "FLASH", "PROJECT")), "notes": None,
                 "created_at": date + dt.timedelta(hours=18, minutes=k), "client_id": None}
                for k in range(CROIX_PER_SESSION)
            ],
        })  # fmt: skip
    for start in range(0, len(sessions), 500):
        await db.sessions.insert_many(sessions[start : start + 500], ordered=False)
    return gym_id, [user["_id"] for user in users]


async def _timed(http: AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    walls, trips, body = [], [], None
    for _ in range(ROUNDS):
        COMMANDS.names.clear()
        started = time.perf_counter()
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        walls.append(time.perf_counter() - started)
        trips.append(len(COMMANDS.names))
        body = response.json()
        assert not body.get("errors"), body
    return statistics.median(walls) * 1000, min(trips), max(trips), body


async def run(url: str, args: argparse.Namespace, data_dir: str) -> None:
    name = f"crowd_bench_{os.getpid()}"
    today = dt.date.today()
    async with AsyncMongoClient[dict[str, Any]](url) as client:
        started = time.perf_counter()
        gym_id, _ = await _seed(client[name], args.climbers, args.croix, args.spread_days, today)
        print(f"seeded {args.croix} croix of {args.climbers} climbers in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        settings = Settings(
            _env_file=None, mongodb_url=url, mongodb_db=name, data_dir=data_dir,
            jwt_secret="bench-secret-" + "x" * 40, public_base_url="http://testserver",
        )  # fmt: skip
        app = create_app(settings)
        try:
            async with (
                LifespanManager(app) as manager,
                AsyncClient(transport=ASGITransport(app=manager.app),
                            base_url="http://testserver") as http,
            ):  # fmt: skip
                token = (await http.post("/graphql", json={"query": SIGNUP})).json()
                token = token["data"]["signup"]["token"]
                # The month holding most of the window's days (the ladder's worst case).
                month = (today - dt.timedelta(days=args.spread_days // 2)).strftime("%Y-%m")
                start = dt.datetime.strptime(month + "-01", "%Y-%m-%d")
                following = (start + dt.timedelta(days=32)).replace(day=1)
                in_month = await client[name].sessions.count_documents(
                    {"date": {"$gte": start, "$lt": following}}
                )
                print(f"ladder month {month}: {in_month * CROIX_PER_SESSION} croix")
                g = str(gym_id)
                for label, query, variables in (
                    ("gymCircuits(days: 28)", CIRCUITS, {"g": g}),
                    ("gymLadder(first: 20)", LADDER, {"g": g, "m": month}),
                    ("myLadderRank", MY_RANK, {"g": g, "m": month}),
                ):
                    wall, low, high, _ = await _timed(http, token, query, variables)
                    trips = f"{low}" if low == high else f"{low}-{high}"
                    print(f"{label:24} median {wall:8.1f} ms over {ROUNDS}, round trips {trips}")
        finally:
            await client.drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--climbers", type=int, default=500)
    parser.add_argument("--croix", type=int, default=50_000)
    parser.add_argument("--spread-days", type=int, default=28)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        url = os.environ.get("MONGODB_URL")
        if url:
            asyncio.run(run(url, args, data_dir))
            return
        with EmbeddedMongo(os.path.join(data_dir, "db")) as server:
            asyncio.run(run(server.url, args, data_dir))


if __name__ == "__main__":
    main()
