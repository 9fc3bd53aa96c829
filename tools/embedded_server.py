"""The embedded database of a DATA_DIR: started by one process, shared with the tools.

The process that starts the server (`make start`, or a tool when none runs) publishes its
URL in `DATA_DIR/db.url`, since the server listens on a random port; `make code`,
`make seed` and `make mongosh` find it there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from api.settings import Settings
from tools.embedded_db import EmbeddedMongo, answers

log = logging.getLogger(__name__)

EMBEDDED_URL_FILE = "db.url"


def embedded_url_file(settings: Settings) -> Path:
    return settings.data_dir.resolve() / EMBEDDED_URL_FILE


def running_embedded_url(settings: Settings) -> str | None:
    """The URL of the embedded server another process runs on DATA_DIR, if it answers."""
    try:
        url = embedded_url_file(settings).read_text().strip()
    except FileNotFoundError:
        return None
    if not url:
        return None
    if not answers(url, timeout_ms=500):
        return None  # left behind by a process that was killed
    return url


@contextmanager
def embedded_server(
    settings: Settings, *, meanwhile: Callable[[], object] | None = None
) -> Iterator[str]:
    """Start the DATA_DIR's server, publish its URL, yield it; on exit, stop the server
    and wait until it has closed its files, so that a start right after this one finds
    the directory free.

    `meanwhile` runs here while the server boots in its own process (about a second):
    `make start` imports the app then, instead of after (tools.serve)."""
    storage = settings.data_dir.resolve() / "db"
    server = EmbeddedMongo(storage)
    url_file = embedded_url_file(settings)
    published = False
    try:
        server.spawn()
        if meanwhile is not None:
            meanwhile()
        server.wait_until_ready()
        url_file.write_text(server.url + "\n")
        published = True
        log.info(
            "using the embedded database (SecantusDB) stored in %s; "
            "set MONGODB_URL to use a real MongoDB instead",
            storage,
        )
        yield server.url
    finally:
        # First: the file never names a dead server. Only this server's: a start refused
        # because another process holds DATA_DIR leaves that one's file alone.
        if published:
            url_file.unlink(missing_ok=True)
        server.stop()


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """`MONGODB_URL`; else the embedded server already running on DATA_DIR; else one
    started for as long as the block runs."""
    if settings.mongodb_url:
        yield settings.mongodb_url
        return
    running = running_embedded_url(settings)
    if running:
        yield running
        return
    with embedded_server(settings) as url:
        yield url
