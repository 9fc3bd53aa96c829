"""The embedded database: a SecantusDB server run as a child process.

Used when no `MONGODB_URL` is configured, so that a fresh clone serves real data with
one command. A child process (not an in-process thread) keeps WiredTiger's work off the
API's event loop and lets the server be stopped cleanly with the service.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 30.0


class EmbeddedDatabaseError(RuntimeError):
    pass


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def storage_in_use(storage: str | Path) -> bool:
    """Whether a running server already holds this storage directory.

    WiredTiger allows one process per directory and says so by holding an fcntl lock
    on the first byte of `WiredTiger.lock`; probing that lock lets us name the problem
    before a second server dies on it with a cryptic "resource busy".
    """
    lock = Path(storage) / "WiredTiger.lock"
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)
        return False
    finally:
        os.close(fd)


def _server_command() -> list[str]:
    script = shutil.which("secantusd-py", path=str(Path(sys.executable).parent))
    if script is None:
        raise EmbeddedDatabaseError(
            "SecantusDB is not installed (it is a development dependency: run `make start`, "
            "or set MONGODB_URL to use a real MongoDB)"
        )
    return [script]


# Run before exec'ing the server: ask Linux to SIGTERM it when its parent dies, so a
# killed API (OOM, SIGKILL, a closed terminal) never leaves a server holding DATA_DIR.
# The flag survives exec; the parent check closes the race of a parent already gone.
_PDEATHSIG_LAUNCHER = """
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit("the process starting the embedded database is gone")
os.execv(sys.argv[2], sys.argv[2:])
"""


def _die_with_parent(command: list[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-c", _PDEATHSIG_LAUNCHER, str(os.getpid()), *command]


def answers(url: str, *, timeout_ms: int) -> bool:
    """Whether a MongoDB server answers a ping at `url` (blocking; for start-up checks)."""
    try:
        with MongoClient[dict[str, object]](url, serverSelectionTimeoutMS=timeout_ms) as client:
            client.admin.command("ping")
    except PyMongoError:
        return False
    return True


class EmbeddedMongo:
    """Start a SecantusDB server on a free loopback port; stop it on exit.

    `storage` is a directory (data survives restarts) or ":memory:" (tests).
    """

    def __init__(self, storage: str | Path, *, wait_for_storage_s: float = 10.0) -> None:
        self.storage = str(storage)
        self.wait_for_storage_s = wait_for_storage_s
        self.port = _free_loopback_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> str:
        """Spawn the server and wait until it answers; returns its URL."""
        self.spawn()
        self.wait_until_ready()
        return self.url

    def spawn(self) -> None:
        """Start the server process without waiting for it (fast: fork and exec).

        Call it from a thread that lives as long as the server should: on Linux the
        server is stopped when the thread that spawned it ends (see `_die_with_parent`).
        """
        if self.storage != ":memory:":
            # A server that is shutting down (the previous `make start`, stopped a moment
            # ago) still holds the directory until it has closed its files: wait for it.
            deadline = time.monotonic() + self.wait_for_storage_s
            while storage_in_use(self.storage) and time.monotonic() < deadline:
                time.sleep(0.1)
            if storage_in_use(self.storage):
                raise EmbeddedDatabaseError(
                    f"the embedded database in {self.storage} is already open in another "
                    "process (a running `make start`, `make code` or `make seed`, or a server "
                    "left over from a crashed run): stop it first; one directory, one server"
                )
            Path(self.storage).mkdir(parents=True, exist_ok=True)
        command = [
            *_server_command(),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            self.storage,
            "--log-level",
            "WARNING",
        ]
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            _die_with_parent(command),
            stdin=subprocess.DEVNULL,
            # Its own process group: a Ctrl-C in the terminal reaches the API, which
            # then stops the database in order instead of both dying at once.
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise EmbeddedDatabaseError(
                    f"the embedded database exited with code {self._process.returncode}"
                )
            if answers(self.url, timeout_ms=250):
                return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedDatabaseError("the embedded database did not answer within 30 s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log.warning("embedded database did not stop in 15 s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
