"""The operator's commands behind `make seed`, `make code`, `make mongosh` and `make reset`.

Each runs as make runs it: `python -m tools.<command>` in a fresh process, configured by
the environment only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from pymongo import AsyncMongoClient

from api.database import connect
from api.settings import Settings
from tests.support.app import TEST_JWT_SECRET, running_api
from tests.support.deploy_files import ROOT
from tools.embedded_db import EmbeddedDatabaseError, EmbeddedMongo
from tools.embedded_server import embedded_server, embedded_url_file
from tools.mongosh_url import with_database
from tools.seed import CLIMBERS, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, seed

FEED = "{ feed(limit: 50) { like_count is_liked_by_me user { pseudo avatar_url } } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


def run_command(
    module: str, env: dict[str, str], cwd: Path, stdin: str = "", args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603 - a fixed module of ours
        [sys.executable, "-m", module, *args],
        env={**base, **env},
        cwd=cwd,  # not the repository: its .env must not leak in
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _documents(db: Any) -> str:
    dump = []
    for name in await db.list_collection_names():
        dump += await db[name].find({}).to_list()
    return json_util.dumps(dump)


async def test_seed_makes_the_app_look_alive_once(settings: Settings, db: Any) -> None:
    report = await seed(settings)
    again = await seed(settings)

    assert report[0].startswith(f"Seeded {settings.mongodb_db!r}: {len(CLIMBERS)} users")
    assert "already" in again[0]
    assert await db.users.count_documents({}) == len(CLIMBERS) >= 8
    assert await db.gyms.count_documents({}) >= 3
    assert await db.sessions.count_documents({"croix.0": {"$exists": True}}) >= len(CLIMBERS)
    videos = await db.videos.find({}).to_list()
    assert all(video["like_count"] == len(video["likes"]) for video in videos)
    assert sum(video["like_count"] for video in videos) > len(videos)
    assert await db.follows.count_documents({}) == 4 * len(CLIMBERS)
    assert all(user["following_count"] == 4 for user in await db.users.find({}).to_list())
    everything = await _documents(db)
    assert DEMO_PASSWORD not in everything
    users = await db.users.find({}).to_list()
    assert all(user["password_hash"].startswith("$argon2id$") for user in users)

    async with running_api(settings) as api:
        email = f"{CLIMBERS[0][0]}@{DEMO_EMAIL_DOMAIN}"
        login = await api.data(LOGIN, {"e": email, "p": DEMO_PASSWORD})
        token = login["login"]["token"]
        feed = (await api.data(FEED, token=token))["feed"]
        assert len(feed) == len(videos)
        assert any(video["is_liked_by_me"] for video in feed)
        avatar = feed[0]["user"]["avatar_url"]
        served = await api.http.get(avatar)
        assert served.status_code == 200
        # Stored as the app stores an avatar: a clean JPEG copy (kit.images).
        assert served.content.startswith(b"\xff\xd8\xff")
    async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
        await client.drop_database(settings.mongodb_db)


def test_the_shell_awaits_on_the_database(settings: Settings, tmp_path: Path) -> None:
    env = {
        "MONGODB_URL": str(settings.mongodb_url),
        "MONGODB_DB": settings.mongodb_db,
        "DATA_DIR": str(tmp_path),
    }
    script = (
        "await db.shelltest.insert_one({'n': 41})\n"
        "doc = await db.shelltest.find_one({})\n"
        "print('answer', doc['n'] + 1, UserDocument.get_collection_name())\n"
        "1 / 0\n"
        "print('still here')\n"
    )
    done = run_command("tools.shell", env, tmp_path, stdin=script)
    assert done.returncode == 0, done.stderr
    assert "answer 42 users" in done.stdout
    assert "ZeroDivisionError" in done.stderr  # a failing input does not end the shell
    assert "still here" in done.stdout


@pytest.fixture
async def service_db(tmp_path: Path) -> AsyncIterator[Settings]:
    """The embedded database as `make start` runs it: on DATA_DIR, URL in db.url."""
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", jwt_secret=TEST_JWT_SECRET)
    async with AsyncExitStack() as stack:
        url = stack.enter_context(embedded_server(settings))
        client = await connect(settings.model_copy(update={"mongodb_url": url}), stack)
        await client[settings.mongodb_db].users.insert_one({"pseudo": "from-the-service"})
        yield settings
    assert not embedded_url_file(settings).exists()  # removed when the server stops


async def test_tools_share_the_embedded_database_the_service_runs(
    service_db: Settings, tmp_path: Path
) -> None:
    env = {"DATA_DIR": str(service_db.data_dir)}
    served_url = embedded_url_file(service_db).read_text().strip()

    url = run_command("tools.mongosh_url", env, tmp_path)
    assert url.stdout.strip() == with_database(served_url, "perfect_boulder")

    shell = run_command("tools.shell", env, tmp_path, "print(await db.users.count_documents({}))\n")
    assert shell.returncode == 0, shell.stderr
    assert ">>> 1\n" in shell.stdout  # the service's document, through its server

    # One directory, one server: a second one is refused with a reason, not a crash.
    with pytest.raises(EmbeddedDatabaseError, match="already open in another process"):
        EmbeddedMongo(service_db.data_dir / "db", wait_for_storage_s=0.5).start()

    reset = run_command("tools.reset", {**env, "CONFIRM": "yes"}, tmp_path)
    assert reset.returncode != 0
    assert "in use" in reset.stderr
    assert (service_db.data_dir / "db").is_dir()


def test_mongosh_needs_the_service_when_the_database_is_embedded(tmp_path: Path) -> None:
    done = run_command("tools.mongosh_url", {"DATA_DIR": str(tmp_path)}, tmp_path)
    assert done.returncode != 0
    assert "make start" in done.stderr


def test_reset_asks_and_refuses_without_a_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "uploads").mkdir(parents=True)
    env = {"DATA_DIR": str(data)}

    refused = run_command("tools.reset", env, tmp_path)  # stdin is not a terminal
    assert refused.returncode != 0
    assert "CONFIRM=yes" in refused.stderr
    assert data.exists()

    done = run_command("tools.reset", {**env, "CONFIRM": "yes"}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert not data.exists()


def test_reset_never_deletes_the_directory_it_runs_in(tmp_path: Path) -> None:
    done = run_command("tools.reset", {"DATA_DIR": ".", "CONFIRM": "yes"}, tmp_path)
    assert done.returncode != 0
    assert tmp_path.exists()


def test_the_mongosh_url_opens_the_app_database_and_keeps_the_login() -> None:
    assert (
        with_database("mongodb://127.0.0.1:5000/?directConnection=true", "pb")
        == "mongodb://127.0.0.1:5000/pb?directConnection=true"
    )
    # Credentials were checked against the path's database (admin by default): kept so.
    atlas = with_database("mongodb+srv://u:p@cluster0.example.net/?w=majority", "pb")
    assert atlas == "mongodb+srv://u:p@cluster0.example.net/pb?w=majority&authSource=admin"
    own = with_database("mongodb://u:p@h:1/accounts", "pb")
    assert own == "mongodb://u:p@h:1/pb?authSource=accounts"
    explicit = with_database("mongodb://u:p@h:1/?authSource=x", "pb")
    assert explicit == "mongodb://u:p@h:1/pb?authSource=x"


async def test_the_production_console_opens_the_services_database(
    settings: Settings, db: Any, tmp_path: Path
) -> None:
    """`fly console` runs `python -m api.console` in the image: MONGODB_URL, no tools."""
    await db.users.insert_one({"pseudo": "in-production"})
    env = {
        "MONGODB_URL": str(settings.mongodb_url),
        "MONGODB_DB": settings.mongodb_db,
        "DATA_DIR": str(tmp_path),
    }
    script = "print(await db.users.count_documents({}))\n"
    done = run_command("api.console", env, tmp_path, stdin=script)
    assert done.returncode == 0, done.stderr
    assert ">>> 1\n" in done.stdout
    missing = run_command("api.console", {"DATA_DIR": str(tmp_path)}, tmp_path)
    assert missing.returncode == 2
    assert "MONGODB_URL" in missing.stderr
