"""`make reset`: wipe the local data (embedded database, uploads, dev secret, log).

Asks first, on a terminal; without one (scripts, CI) it refuses unless CONFIRM=yes.
It never touches a database named by `MONGODB_URL`, and refuses while a server still
runs on the embedded database: deleting its files under it would lose its last writes
and leave it serving a directory that no longer exists.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tools.cli import fail, load_settings
from tools.embedded_db import storage_in_use
from tools.embedded_server import running_embedded_url


def _size(path: Path) -> str:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return f"{total / 1024 / 1024:.1f} MB"


def _refuse_unsafe(data_dir: Path) -> None:
    """A typo in DATA_DIR must not wipe a home directory or the project."""
    cwd = Path.cwd().resolve()
    if data_dir in (Path(data_dir.anchor), Path.home().resolve()) or cwd.is_relative_to(data_dir):
        fail(f"refusing to delete {data_dir}: DATA_DIR must be a dedicated data directory")


def _confirmed(data_dir: Path) -> bool:
    if os.environ.get("CONFIRM", "").lower() == "yes":
        return True
    if not sys.stdin.isatty():
        fail("no terminal to confirm on: run `make reset CONFIRM=yes` to wipe without asking")
    answer = input(f"Delete {data_dir} ({_size(data_dir)}) and everything in it? Type 'yes': ")
    return answer.strip().lower() == "yes"


def main() -> None:
    settings = load_settings()
    data_dir = settings.data_dir.resolve()
    if not data_dir.exists():
        print(f"Nothing to reset: {data_dir} does not exist.")
        return
    _refuse_unsafe(data_dir)
    if storage_in_use(data_dir / "db") or running_embedded_url(settings):
        fail(
            f"the embedded database in {data_dir / 'db'} is in use: stop `make start` "
            "(and any `make code` / `make seed`) first"
        )
    if not _confirmed(data_dir):
        print("Nothing deleted.")
        raise SystemExit(1)
    shutil.rmtree(data_dir)
    print(f"Deleted {data_dir}.")
    if settings.mongodb_url:
        print("MONGODB_URL is set: that database was not touched.")


if __name__ == "__main__":
    main()
