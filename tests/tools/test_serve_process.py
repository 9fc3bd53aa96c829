"""`make start` as a process: its media under whatever base URL it serves on, a stop and
an immediate start again, and bad settings refused in one line per setting.

Each runs as make runs it, `python -m <module>` in a fresh process configured by the
environment only, on a temporary DATA_DIR and a free port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.deploy_files import ROOT
from tests.tools.test_operator_commands import run_command
from tools.seed import CLIMBERS, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD

FEED = "{ feed(limit: 5) { video_url user { avatar_url } } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATA_DIR": str(data_dir), **extra}


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local test server
        return response.status, response.read()


def _graphql(
    base: str, query: str, variables: dict[str, Any] | None = None, token: str = ""
) -> Any:
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={
            "content-type": "application/json",
            **({"authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            pytest.fail(
                f"the service exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if _get(f"{base}/healthz", timeout=0.5)[0] == 200:
                return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the service did not come up on {base} in {seconds} s")


@contextmanager
def _serving(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`make start`: its own process group, as a terminal, an IDE or a supervisor runs it;
    its log in DATA_DIR/../serve.log (shown by pytest on failure below)."""
    log = (data_dir.parent / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.serve"],
        env=_env(data_dir, PORT=str(port)),
        cwd=data_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()


def test_seeded_media_follow_the_port_and_a_stop_then_start_comes_back(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", _free_port()
    base = f"http://127.0.0.1:{port}"
    with _serving(data_dir, port) as first:
        _wait_until_up(base, first)
        # `make seed` with no PORT of its own: it finds the running service's base URL.
        seeded = run_command("tools.seed", _env(data_dir), cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        email = f"{CLIMBERS[0][0]}@{DEMO_EMAIL_DOMAIN}"
        token = _graphql(base, LOGIN, {"e": email, "p": DEMO_PASSWORD})["data"]["login"]["token"]
        feed = _graphql(base, FEED, token=token)["data"]["feed"]
        urls = [v["video_url"] for v in feed] + [v["user"]["avatar_url"] for v in feed]
        assert all(url.startswith(f"{base}/media/") for url in urls), urls
        assert all(_get(url)[0] == 200 for url in urls)
        os.killpg(first.pid, signal.SIGTERM)  # what an IDE or a test harness does
        assert first.wait(timeout=30) == 128 + signal.SIGTERM
    # It cleaned up: nothing published names a stopped server.
    assert not (data_dir / "api.url").exists()
    assert not (data_dir / "db.url").exists()
    with _serving(data_dir, port) as second:  # at once, as `make start` again
        _wait_until_up(base, second)
        again = _graphql(base, LOGIN, {"e": email, "p": DEMO_PASSWORD})
        assert again["data"]["login"]["token"]
        second.send_signal(signal.SIGTERM)  # a supervisor: the main process only
        assert second.wait(timeout=30) == 128 + signal.SIGTERM
    with _serving(data_dir, port) as third:  # the database child was stopped too
        _wait_until_up(base, third)


@pytest.mark.parametrize("module", ["api", "tools.serve", "tools.seed", "api.migrate"])
def test_a_bad_setting_is_one_line_and_a_non_zero_exit(module: str, tmp_path: Path) -> None:
    result = run_command(
        module,
        _env(tmp_path, SIGNUPS_PER_ADDRESS="0", PORT="http", MONGODB_URL="mongodb://127.0.0.1:9"),
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: invalid settings:", result.stderr
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == [
        "PORT",
        "SIGNUPS_PER_ADDRESS",
    ]
