"""The image's start and release commands, run as the image runs them (without Docker).

The files the Dockerfile copies are laid out in a directory alone, the command comes
from the Dockerfile's CMD (and fly.toml's release_command), the environment from its ENV
plus fly.toml's [env] plus the secrets `fly secrets set` adds, and the database is a
real wire-protocol server.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from tests.support.deploy_files import build_context_copy, fly_config, parse_dockerfile

BOOT_TIMEOUT_S = 120  # only ends a failing test: a healthy boot answers as soon as it is up
STOP_TIMEOUT_S = 15


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Image:
    workdir: Path
    env: dict[str, str]

    def command(self, argv: list[str]) -> list[str]:
        # `python` is the image's venv interpreter; here, the test run's.
        assert argv[0] == "python"
        return [sys.executable, *argv[1:]]


@pytest.fixture
def image(tmp_path: Path, mongo_url: str) -> Image:
    runtime = parse_dockerfile()[-1]
    workdir = tmp_path / "app"
    build_context_copy(runtime.copied_sources(), workdir)
    env = {k: v for k, v in runtime.env().items() if "$" not in v}  # PATH is the host's
    env.update(fly_config()["env"])
    env.update(
        PATH=os.environ["PATH"],
        PORT=str(_free_port()),  # 8080 may be taken where tests run
        HOST="127.0.0.1",
        # The secrets of the README's Deploy section (R2 is not contacted at start-up).
        MONGODB_URL=mongo_url,
        MONGODB_DB=f"test_boot_{secrets.token_hex(4)}",
        JWT_SECRET=secrets.token_urlsafe(48),
        R2_ACCOUNT_ID="0123456789abcdef",
        R2_ACCESS_KEY="test-access-key",
        R2_SECRET_KEY="test-secret-key",
        R2_BUCKET="perfect-boulder-media",
        R2_PUBLIC_URL="https://media.example.com",
        # Mail is not sent at start-up either.
        SMTP_URL="smtps://mailer:secret@smtp.example.com:465",
        EMAIL_FROM="Perfect Boulder <no-reply@example.com>",
    )
    return Image(workdir, env)


@pytest.fixture
def served(image: Image, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - the Dockerfile's own argv
            image.command(parse_dockerfile()[-1].exec_form("CMD")),
            cwd=image.workdir,
            env=image.env,
            stdout=stderr,
            stderr=stderr,
        )
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the service exited: {log.read_text()}"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no healthy /healthz within {BOOT_TIMEOUT_S} s: {log.read_text()}")


def test_the_start_command_serves_production_and_stops_cleanly_on_sigterm(
    image: Image, served: tuple[subprocess.Popen[bytes], Path]
) -> None:
    process, log = served
    base = f"http://127.0.0.1:{image.env['PORT']}"
    _wait_healthy(base, process, log)

    ide = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in ide.text.lower()
    assert ide.status_code != 200
    introspection = httpx.post(f"{base}/graphql", json={"query": "{ __schema { types { name } } }"})
    body = introspection.json()
    assert body.get("data") is None
    assert body["errors"]

    process.send_signal(signal.SIGTERM)
    # After a complete shutdown uvicorn re-raises the signal it caught, so the parent
    # (Docker, Fly's init) sees a stop by SIGTERM (exit status 143), not a crash.
    assert process.wait(timeout=STOP_TIMEOUT_S) in (0, -signal.SIGTERM)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # production logs: JSON lines only
    messages = [entry["message"] for entry in entries]
    assert any("ready (production, storage: r2; release " in message for message in messages)
    assert messages[-2:] == [
        "Application shutdown complete.",
        f"Finished server process [{process.pid}]",
    ]
    graphql = [e for e in entries if e["logger"] == "api.access" and e["path"] == "/graphql"]
    assert [e["method"] for e in graphql] == ["GET", "POST"]


def test_the_release_command_creates_the_indexes(image: Image, mongo_url: str) -> None:
    command = shlex.split(fly_config()["deploy"]["release_command"])
    done = subprocess.run(  # noqa: S603 - fly.toml's own argv
        image.command(command), cwd=image.workdir, env=image.env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    with MongoClient[dict[str, object]](mongo_url) as client:
        db = client[image.env["MONGODB_DB"]]
        assert {"pb_email_unique", "pb_pseudo_unique"} <= set(db["users"].index_information())
        assert "pb_feed_order" in db["videos"].index_information()
        client.drop_database(db.name)
    assert b"users: " in done.stdout


def test_the_release_command_stops_a_deploy_missing_a_secret(image: Image) -> None:
    env = {k: v for k, v in image.env.items() if k != "JWT_SECRET"}
    command = shlex.split(fly_config()["deploy"]["release_command"])
    done = subprocess.run(  # noqa: S603 - fly.toml's own argv
        image.command(command), cwd=image.workdir, env=env, capture_output=True, timeout=60
    )
    assert done.returncode != 0
    assert b"JWT_SECRET" in done.stderr
