"""The processes under test: the API in production mode and the hand-written endpoint.

Both are `python -m …` children served by uvicorn with its defaults (uvloop, httptools),
each reaching MongoDB through its own counting proxy, and each timed from `Popen` to
its first 200 on /healthz.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench import procstat

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bench_secret() -> str:
    return secrets.token_urlsafe(48)


def api_env(mongodb_url: str, db: str, secret: str, port: int, data_dir: Path) -> dict[str, str]:
    """Production settings; R2 and SMTP are configured with dummies (production requires
    them, and no scenario touches storage or mail: neither connects before first use)."""
    return {
        **os.environ,
        "APP_ENV": "production",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MONGODB_URL": mongodb_url,
        "MONGODB_DB": db,
        "JWT_SECRET": secret,
        "DATA_DIR": str(data_dir),
        "R2_ACCOUNT_ID": "bench",
        "R2_ACCESS_KEY": "bench",
        "R2_SECRET_KEY": "bench",
        "R2_BUCKET": "bench",
        "R2_PUBLIC_URL": "https://media.bench.invalid",
        "SMTP_URL": "smtp://smtp.bench.invalid",
        "EMAIL_FROM": "bench@bench.invalid",
        # 100 concurrent logins come from one address: above the production default
        # of 50 per 15 minutes, which would refuse half of them (by design).
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000",
        "LOG_LEVEL": "INFO",
    }


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    cwd: Path = REPO  # the checkout it runs (bench.startup compares two)
    cold_start_s: float = 0.0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> float:
        """Start the process; seconds from `Popen` to the first 200 on /healthz."""
        self._log = self.log_path.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.argv, env=self.env, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = started + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: "
                                   f"see {self.log_path}")  # fmt: skip
            if _healthy(self.port):
                self.cold_start_s = time.perf_counter() - started
                return self.cold_start_s
            time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} not healthy within {READY_TIMEOUT_S} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def cpu_seconds(self) -> float:
        return procstat.cpu_seconds(self.pid)


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    with contextlib.suppress(OSError):
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        finally:
            connection.close()
    return False


# The packages the production image copies, compiled there (Dockerfile): compiled here
# too, or each server start would compile them again (PYTHONDONTWRITEBYTECODE).
APP_PACKAGES = ("api", "models", "resolvers", "storage", "workflows")


@functools.cache
def server_python() -> str:
    """The interpreter the servers run on: `make bench` passes one whose venv holds what
    the production image does (BENCH_SERVER_PYTHON); else this one, dev tools and all."""
    python = os.environ.get("BENCH_SERVER_PYTHON") or sys.executable
    subprocess.run(  # noqa: S603 - our own interpreter
        [python, "-m", "compileall", "-q", *APP_PACKAGES, "bench"], cwd=REPO, check=True
    )
    return python


def _run_module(module: str, profile: Path | None, name: str) -> list[str]:
    """`python -m module`, under cProfile writing `profile/<name>.prof` at exit if asked
    (`--profile`: the numbers then include the profiler's own overhead)."""
    python = server_python()
    if profile is None:
        return [python, "-m", module]
    return [python, "-m", "bench.profiled", str(profile / f"{name}.prof"), module]


def api_server(
    env: dict[str, str], port: int, log_dir: Path, profile: Path | None = None
) -> Server:
    argv = _run_module("api", profile, "api")
    return Server("api", argv, env, port, log_dir / "api.log")


def raw_server(
    env: dict[str, str], port: int, log_dir: Path, profile: Path | None = None
) -> Server:
    argv = _run_module("bench.raw_endpoint", profile, "raw")
    return Server("raw", argv, env, port, log_dir / "raw.log")
